package dev.stiefel.bench;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;

/**
 * Seeded inputs for the benchmarks, built on the host in {@code @Setup} (never timed). Every
 * benchmark state draws from a fixed seed so two runs measure the same numbers.
 */
final class Fixtures {

    /** Seed of every benchmark input; the value is arbitrary but fixed. */
    static final long SEED = 20241210L;

    private Fixtures() {
    }

    /** A {@code rows x cols} matrix of independent standard normal entries. */
    static DMatrixRMaj gaussian(int rows, int cols, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        DMatrixRMaj out = new DMatrixRMaj(rows, cols);
        for (int i = 0; i < out.data.length; i++) {
            out.data[i] = random.nextGaussian();
        }
        return out;
    }

    /**
     * A Haar-random point of St(n, p): the polar factor of a Gaussian matrix (its distribution
     * is invariant under left rotations, hence Haar).
     */
    static DMatrixRMaj stiefelPoint(int n, int p, long seed) {
        DenseKernels<DMatrixRMaj> kernels = Kernels.ejml();
        DMatrixRMaj out = new DMatrixRMaj(n, p);
        kernels.polar(gaussian(n, p, seed), out);
        return out;
    }

    /**
     * A tangent vector at the point {@code x} of St(n, p) with Frobenius norm {@code norm}:
     * the projection {@code Z - X sym(X^T Z)} of a Gaussian {@code Z}, rescaled.
     */
    static DMatrixRMaj tangent(DMatrixRMaj x, double norm, long seed) {
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
    static int[] balancedLabels(int count, int numClasses) {
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            labels[i] = i % numClasses;
        }
        return labels;
    }
}
