package dev.stiefel.djl.riemannian;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/** Copies between parameters on their device and float64 arrays on the host. */
final class HostArrays {

    private HostArrays() {
    }

    /**
     * The entries of {@code array} as float64 in row-major order (a copy to the host).
     *
     * @param array any floating-point array
     * @return a new host array
     */
    static double[] toDoubles(NDArray array) {
        if (array.getDataType() == DataType.FLOAT64) {
            return array.toDoubleArray();
        }
        try (NDArray converted = array.toType(DataType.FLOAT64, false)) {
            return converted.toDoubleArray();
        }
    }

    /**
     * The value of a one-element array (a copy to the host).
     *
     * @param array a floating-point array with one element
     * @return its value in float64
     */
    static double scalar(NDArray array) {
        DataType type = array.getDataType();
        if (type == DataType.FLOAT32) {
            return array.toByteBuffer(true).asFloatBuffer().get(0);
        }
        if (type == DataType.FLOAT64) {
            return array.toByteBuffer(true).asDoubleBuffer().get(0);
        }
        try (NDArray converted = array.toType(DataType.FLOAT64, false)) {
            return converted.toByteBuffer(true).asDoubleBuffer().get(0);
        }
    }

    /**
     * {@code [0, 1, ..., rank - 1]}: every axis of an array of this shape.
     *
     * @param shape an array's shape
     * @return the axes
     */
    static int[] allAxes(Shape shape) {
        int[] axes = new int[shape.dimension()];
        for (int axis = 0; axis < axes.length; axis++) {
            axes[axis] = axis;
        }
        return axes;
    }

    /**
     * {@code (1, ..., 1)} with the rank of {@code shape}: the shape of a sum over every axis
     * that keeps the axes.
     *
     * @param shape an array's shape
     * @return the all-ones shape of the same rank
     */
    static Shape ones(Shape shape) {
        long[] ones = new long[shape.dimension()];
        Arrays.fill(ones, 1L);
        return new Shape(ones);
    }

    /**
     * Throws {@link IllegalArgumentException} naming the constraint unless {@code shape} is a matrix.
     *
     * @param shape the parameter's shape
     * @param constraint the constraint's name
     */
    static void requireMatrix(Shape shape, String constraint) {
        if (shape == null) {
            throw new IllegalArgumentException(constraint + ": the parameter has no shape yet");
        }
        if (shape.dimension() != 2) {
            throw new IllegalArgumentException(constraint + " needs a matrix parameter, got shape " + shape);
        }
        if (shape.get(0) < 1 || shape.get(1) < 1) {
            throw new IllegalArgumentException(constraint + " needs a non-empty matrix, got shape " + shape);
        }
    }
}
