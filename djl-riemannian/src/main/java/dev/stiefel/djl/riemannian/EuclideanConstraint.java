package dev.stiefel.djl.riemannian;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.random.RandomGenerator;

/** The flat space of the parameter's shape: projection and transport are the identity, {@code R_x(v) = x + v}. */
final class EuclideanConstraint implements ManifoldConstraint {

    static final EuclideanConstraint INSTANCE = new EuclideanConstraint();

    private EuclideanConstraint() {
    }

    @Override
    public String name() {
        return "Euclidean";
    }

    @Override
    public String toString() {
        return name();
    }

    @Override
    public void checkShape(Shape shape) {
        if (shape == null) {
            throw new IllegalArgumentException(name() + ": the parameter has no shape yet");
        }
    }

    /** True: the optimisers take the in-place Euclidean update. */
    @Override
    public boolean isEuclidean() {
        return true;
    }

    @Override
    public Shape componentShape(Shape shape) {
        return shape;
    }

    /** The vector itself: every tangent space is the whole space. */
    @Override
    public NDArray projectToTangent(NDArray point, NDArray vector) {
        return vector;
    }

    @Override
    public NDArray retract(NDArray point, NDArray tangent) {
        return point.add(tangent);
    }

    /** The vector itself. */
    @Override
    public NDArray transport(NDArray from, NDArray to, NDArray vector) {
        return vector;
    }

    /** {@code u * u} entry by entry: Adam's second moment. */
    @Override
    public NDArray componentInner(NDArray point, NDArray tangent) {
        return tangent.square();
    }

    @Override
    public double defect(NDArray point) {
        return 0.0;
    }

    @Override
    public double[] randomPoint(Shape shape, RandomGenerator random) {
        checkShape(shape);
        double[] data = new double[Math.toIntExact(shape.size())];
        for (int index = 0; index < data.length; index++) {
            data[index] = random.nextGaussian();
        }
        return data;
    }
}
