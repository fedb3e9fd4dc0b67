package dev.stiefel.testkit;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import java.util.function.ToDoubleFunction;
import java.util.random.RandomGenerator;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;

/**
 * Seeded test and benchmark inputs and the comparisons the tests make on them, in one place for
 * every module (published as the artifact manifold-testkit). Everything here is plain EJML on the
 * host, independent of the kernels under test, except {@link #stiefelPoint} and
 * {@link #tangent}, which use {@link Kernels#ejml()} to build inputs only.
 */
public final class TestMatrices {

    /** Step of the five-point stencil (reaches relative error 1e-10 at condition 1e3). */
    public static final double STENCIL_STEP = 1e-3;

    /** Seed of every benchmark input; the value is arbitrary but fixed. */
    public static final long SEED = 20241210L;

    private TestMatrices() {
    }

    /** A {@code rows x cols} matrix of independent standard-normal entries drawn from {@code random}. */
    public static DMatrixRMaj gaussian(int rows, int cols, RandomGenerator random) {
        DMatrixRMaj out = new DMatrixRMaj(rows, cols);
        for (int index = 0; index < rows * cols; index++) {
            out.data[index] = random.nextGaussian();
        }
        return out;
    }

    /** {@link #gaussian(int, int, RandomGenerator)} from a {@link SplittableRandom} seeded with {@code seed}. */
    public static DMatrixRMaj gaussian(int rows, int cols, long seed) {
        return gaussian(rows, cols, new SplittableRandom(seed));
    }

    /** Haar-distributed point of St(n, p): Q of a Gaussian matrix with diag(R) > 0, by Gram-Schmidt twice. */
    public static DMatrixRMaj haarStiefel(int rows, int cols, RandomGenerator random) {
        return haarStiefelFrom(gaussian(rows, cols, random));
    }

    /** Q of {@code a = Q R} with diag(R) > 0 (full column rank), by Gram-Schmidt twice; a new matrix. */
    public static DMatrixRMaj haarStiefelFrom(DMatrixRMaj a) {
        DMatrixRMaj q = a.copy();
        int rows = q.numRows;
        int cols = q.numCols;
        for (int col = 0; col < cols; col++) {
            for (int pass = 0; pass < 2; pass++) {
                for (int previous = 0; previous < col; previous++) {
                    double dot = 0;
                    for (int row = 0; row < rows; row++) {
                        dot += q.get(row, previous) * q.get(row, col);
                    }
                    for (int row = 0; row < rows; row++) {
                        q.set(row, col, q.get(row, col) - dot * q.get(row, previous));
                    }
                }
            }
            double norm = 0;
            for (int row = 0; row < rows; row++) {
                norm += q.get(row, col) * q.get(row, col);
            }
            norm = Math.sqrt(norm);
            for (int row = 0; row < rows; row++) {
                q.set(row, col, q.get(row, col) / norm);
            }
        }
        return q;
    }

    /**
     * A Haar-random point of St(n, p): the polar factor of a Gaussian matrix (its distribution
     * is invariant under left rotations, hence Haar).
     */
    public static DMatrixRMaj stiefelPoint(int n, int p, long seed) {
        DenseKernels<DMatrixRMaj> kernels = Kernels.ejml();
        DMatrixRMaj out = new DMatrixRMaj(n, p);
        kernels.polar(gaussian(n, p, seed), out);
        return out;
    }

    /**
     * A tangent vector at the point {@code x} of St(n, p) with Frobenius norm {@code norm}:
     * the projection {@code Z - X sym(X^T Z)} of a Gaussian {@code Z}, rescaled.
     */
    public static DMatrixRMaj tangent(DMatrixRMaj x, double norm, long seed) {
        DenseKernels<DMatrixRMaj> kernels = Kernels.ejml();
        DMatrixRMaj z = gaussian(x.numRows, x.numCols, seed);
        DMatrixRMaj product = new DMatrixRMaj(x.numCols, x.numCols);
        kernels.gemm(1.0, x, true, z, false, 0.0, product);
        kernels.symmetricPart(product, product);
        kernels.gemm(-1.0, x, false, product, false, 1.0, z);
        kernels.scale(norm / kernels.normF(z), z);
        return z;
    }

    /** Balanced labels {@code 0, 1, ..., C-1, 0, 1, ...} for {@code count} samples. */
    public static int[] balancedLabels(int count, int numClasses) {
        int[] labels = new int[count];
        for (int index = 0; index < count; index++) {
            labels[index] = index % numClasses;
        }
        return labels;
    }

    /** Centring matrix {@code Mc = I - (1/C) 1 1^T}. */
    public static DMatrixRMaj centring(int c) {
        DMatrixRMaj mc = CommonOps_DDRM.identity(c);
        CommonOps_DDRM.add(mc, -1.0 / c);
        return mc;
    }

    /** {@code (-f(2h) + 8 f(h) - 8 f(-h) + f(-2h)) / 12h}: the derivative at 0, error O(h^4). */
    public static double fivePoint(DoubleUnaryOperator f, double step) {
        return (-f.applyAsDouble(2 * step) + 8 * f.applyAsDouble(step) - 8 * f.applyAsDouble(-step)
                + f.applyAsDouble(-2 * step)) / (12 * step);
    }

    /**
     * Gradient of a scalar function of a matrix, entry by entry, by the five-point stencil with
     * step {@link #STENCIL_STEP}.
     */
    public static DMatrixRMaj fivePointGradient(ToDoubleFunction<DMatrixRMaj> function, DMatrixRMaj at) {
        DMatrixRMaj x = at.copy();
        DMatrixRMaj gradient = new DMatrixRMaj(at.numRows, at.numCols);
        for (int k = 0; k < x.getNumElements(); k++) {
            double original = x.data[k];
            final int entry = k;
            gradient.data[k] = fivePoint(h -> {
                x.data[entry] = original + h;
                return function.applyAsDouble(x);
            }, STENCIL_STEP);
            x.data[k] = original;
        }
        return gradient;
    }

    /** {@code max |a_ij - b_ij|}. */
    public static double maxAbsDifference(DMatrixRMaj a, DMatrixRMaj b) {
        DMatrixRMaj difference = new DMatrixRMaj(a.numRows, a.numCols);
        CommonOps_DDRM.subtract(a, b, difference);
        return CommonOps_DDRM.elementMaxAbs(difference);
    }

    /** {@code ||a - b||_F / max(||b||_F, tiny)}. */
    public static double relativeError(DMatrixRMaj a, DMatrixRMaj b) {
        DMatrixRMaj difference = new DMatrixRMaj(a.numRows, a.numCols);
        CommonOps_DDRM.subtract(a, b, difference);
        return NormOps_DDRM.normF(difference) / Math.max(NormOps_DDRM.normF(b), Double.MIN_NORMAL);
    }

    /** Frobenius inner product {@code tr(a^T b)}. */
    public static double dot(DMatrixRMaj a, DMatrixRMaj b) {
        double sum = 0;
        for (int index = 0; index < a.getNumElements(); index++) {
            sum += a.data[index] * b.data[index];
        }
        return sum;
    }

    /** {@code a^T a}, a new matrix. */
    public static DMatrixRMaj gram(DMatrixRMaj a) {
        DMatrixRMaj out = new DMatrixRMaj(a.numCols, a.numCols);
        CommonOps_DDRM.multTransA(a, a, out);
        return out;
    }

    /** {@code ||a^T a - I||_max}. */
    public static double orthonormalityError(DMatrixRMaj a) {
        DMatrixRMaj gram = gram(a);
        double worst = 0.0;
        for (int i = 0; i < a.numCols; i++) {
            for (int j = 0; j < a.numCols; j++) {
                worst = Math.max(worst, Math.abs(gram.get(i, j) - (i == j ? 1.0 : 0.0)));
            }
        }
        return worst;
    }

    /** {@code ||a + a^T||_max}: zero for a skew-symmetric matrix. */
    public static double skewError(DMatrixRMaj a) {
        double worst = 0.0;
        for (int i = 0; i < a.numRows; i++) {
            for (int j = 0; j < a.numCols; j++) {
                worst = Math.max(worst, Math.abs(a.get(i, j) + a.get(j, i)));
            }
        }
        return worst;
    }
}
