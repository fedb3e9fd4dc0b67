package dev.stiefel.djl.riemannian;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * {@code R^-1} for the Cholesky factorisation {@code G = R^T R} ({@code R} upper triangular with a
 * positive diagonal) of {@code p x p} Gram matrices, computed in float64 on the host into
 * workspaces that are reused from one call to the next: the host half of one Cholesky QR pass.
 *
 * <p>The operations are those of EJML's inner-product Cholesky ({@code CholeskyDecompositionInner_DDRM},
 * lower, which reads the upper triangle of {@code G}) followed by {@code TriangularSolver_DDRM.invertLower}
 * and a transpose, in the same order, so the results are the same numbers; the loops run along
 * rows of {@code R} (one array per row, each inner loop indexing two arrays at the same position),
 * which the JIT compiles to vector instructions.
 *
 * <p>Holds about {@code 8 p^2} bytes of row storage and {@code p^2} entries of the parameter's
 * type for the result; one instance serves one parameter at a time, not several threads.
 */
final class InverseCholeskyFactor {

    private final int order;
    /** {@code R} row by row; below the diagonal unused. */
    private final double[][] factor;
    /** One row of {@code R^-1} being accumulated. */
    private final double[] accumulator;
    /** {@code R^-1} in row-major order, native byte order, allocated at the first call for its type. */
    private ByteBuffer result;
    private DataType resultType;

    /**
     * Workspaces for Gram matrices of this order.
     *
     * @param order {@code p}, at least 1
     */
    InverseCholeskyFactor(int order) {
        if (order < 1) {
            throw new IllegalArgumentException("order must be positive, got " + order);
        }
        this.order = order;
        this.factor = new double[order][order];
        this.accumulator = new double[order];
    }

    /** {@code p}. */
    int order() {
        return order;
    }

    /**
     * {@code R^-1} of the Gram matrix {@code gram} as a new array of its data type (float32 and
     * float64 directly, any other through float64), on its device and manager.
     *
     * @param gram a symmetric {@code p x p} array
     * @param owner the constraint's name, for messages
     * @return the upper-triangular {@code R^-1}, zero below the diagonal; on the CPU it may share
     *     this instance's memory, so it holds these numbers until the next call
     * @throws ArithmeticException when {@code gram} has a NaN or infinite entry, or is not
     *     positive definite
     */
    NDArray inverseFactor(NDArray gram, String owner) {
        DataType type = gram.getDataType();
        if (type == DataType.FLOAT32) {
            readGram(gram.toByteBuffer(true).asFloatBuffer(), owner);
        } else if (type == DataType.FLOAT64) {
            readGram(gram.toByteBuffer(true).asDoubleBuffer(), owner);
        } else {
            try (NDArray wide = gram.toType(DataType.FLOAT64, false)) {
                readGram(wide.toByteBuffer(true).asDoubleBuffer(), owner);
            }
        }
        if (!factorInPlace()) {
            throw new ArithmeticException(owner + ": X + V is rank deficient (its Gram matrix is not positive "
                    + "definite), the QR retraction is not defined");
        }
        DataType resultDataType = type == DataType.FLOAT32 ? DataType.FLOAT32 : DataType.FLOAT64;
        ByteBuffer bytes = resultBuffer(resultDataType);
        if (resultDataType == DataType.FLOAT32) {
            FloatBuffer entries = bytes.asFloatBuffer();
            invertFactor((index, value) -> entries.put(index, (float) value));
        } else {
            DoubleBuffer entries = bytes.asDoubleBuffer();
            invertFactor(entries::put);
        }
        NDArray created = gram.getManager().create(bytes, new Shape(order, order), resultDataType);
        NDArray typed = created.toType(type, false);
        if (typed != created) {
            created.close();
        }
        NDArray placed = typed.toDevice(gram.getDevice(), false);
        if (placed != typed) {
            typed.close();
        }
        return placed;
    }

    /**
     * {@code R^-1} of a row-major Gram matrix, on the host: the same numbers as
     * {@link #inverseFactor(NDArray, String)}.
     *
     * @param gram {@code p x p} entries, row-major; only the upper triangle is read
     * @return {@code R^-1} row-major, zero below the diagonal
     * @throws ArithmeticException when {@code gram} is not positive definite
     */
    double[] inverseFactor(double[] gram) {
        if (gram.length != order * order) {
            throw new IllegalArgumentException("expected " + order * order + " entries, got " + gram.length);
        }
        for (int i = 0; i < order; i++) {
            System.arraycopy(gram, i * order + i, factor[i], i, order - i);
        }
        if (!factorInPlace()) {
            throw new ArithmeticException("the Gram matrix is not positive definite");
        }
        double[] inverse = new double[order * order];
        invertFactor((index, value) -> inverse[index] = value);
        return inverse;
    }

    /**
     * Copies the Gram matrix into {@link #factor} row by row, checking that every entry is finite;
     * the factorisation reads its upper triangle.
     */
    private void readGram(FloatBuffer gram, String owner) {
        for (int i = 0; i < order; i++) {
            double[] row = factor[i];
            int start = i * order;
            for (int j = 0; j < order; j++) {
                double value = gram.get(start + j);
                requireFinite(value, owner);
                row[j] = value;
            }
        }
    }

    private void readGram(DoubleBuffer gram, String owner) {
        for (int i = 0; i < order; i++) {
            double[] row = factor[i];
            gram.get(i * order, row, 0, order);
            for (int j = 0; j < order; j++) {
                requireFinite(row[j], owner);
            }
        }
    }

    private static void requireFinite(double value, String owner) {
        if (!Double.isFinite(value)) {
            throw new ArithmeticException(owner + ": the retracted matrix X + V has a NaN or infinite entry");
        }
    }

    /**
     * Overwrites the upper triangle of {@link #factor} (holding {@code G}'s) with {@code R}, row by
     * row: {@code R_ij = (G_ij - sum_{k < i} R_ki R_kj) / R_ii} with the sum taken in increasing
     * {@code k} and the division as a product with {@code 1 / R_ii}, as EJML does.
     *
     * @return false when a pivot is not positive (the matrix is not positive definite)
     */
    private boolean factorInPlace() {
        for (int i = 0; i < order; i++) {
            double[] row = factor[i];
            for (int k = 0; k < i; k++) {
                double[] earlier = factor[k];
                subtractScaled(row, earlier, earlier[i], i, order);
            }
            double pivot = row[i];
            if (!(pivot > 0.0)) {
                return false;
            }
            double diagonal = Math.sqrt(pivot);
            row[i] = diagonal;
            double reciprocal = 1.0 / diagonal;
            for (int j = i + 1; j < order; j++) {
                row[j] *= reciprocal;
            }
        }
        return true;
    }

    /** {@code row[j] -= scale * other[j]} for {@code from <= j < to}: one index for both arrays, so it vectorises. */
    private static void subtractScaled(double[] row, double[] other, double scale, int from, int to) {
        for (int j = from; j < to; j++) {
            row[j] -= scale * other[j];
        }
    }

    /** {@code sum[j] += scale * other[j]} for {@code from <= j < to}. */
    private static void addScaled(double[] sum, double[] other, double scale, int from, int to) {
        for (int j = from; j < to; j++) {
            sum[j] += scale * other[j];
        }
    }

    /** Receives the entries of {@code R^-1} on and above the diagonal by row-major index. */
    @FunctionalInterface
    private interface EntrySink {
        void put(int index, double value);
    }

    /**
     * Emits {@code W = R^-1} row by row: {@code W_jj = 1 / R_jj} and, for {@code i > j},
     * {@code W_ji = -(sum_{k = j}^{i - 1} R_ki W_jk) / R_ii} with the sum in increasing {@code k}
     * (EJML's {@code invertLower} on {@code L = R^T}); row {@code j} of {@code W} needs only
     * {@code R}.
     */
    private void invertFactor(EntrySink sink) {
        for (int j = 0; j < order; j++) {
            Arrays.fill(accumulator, j, order, 0.0);
            double entry = 1.0 / factor[j][j];
            sink.put(j * order + j, entry);
            for (int k = j; k < order; k++) {
                if (k > j) {
                    entry = -accumulator[k] / factor[k][k];
                    sink.put(j * order + k, entry);
                }
                addScaled(accumulator, factor[k], entry, k + 1, order);
            }
        }
    }

    private ByteBuffer resultBuffer(DataType type) {
        if (result == null || resultType != type) {
            // zero below the diagonal from the start; only the upper triangle is written
            result = ByteBuffer.allocateDirect(order * order * type.getNumOfBytes()).order(ByteOrder.nativeOrder());
            resultType = type;
        }
        return result;
    }
}
