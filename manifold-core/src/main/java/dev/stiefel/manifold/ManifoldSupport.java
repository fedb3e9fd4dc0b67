package dev.stiefel.manifold;

import dev.stiefel.kernel.DenseKernels;
import java.util.random.RandomGenerator;
import org.ejml.data.DMatrixRMaj;

/** Argument checks and host-side helpers shared by the matrix manifolds of this package. */
final class ManifoldSupport {

    private ManifoldSupport() {
    }

    /**
     * Throws {@link IllegalArgumentException} naming the manifold, the argument and both shapes
     * unless {@code a} is a non-null {@code rows x cols} matrix.
     */
    static <M> M requireShape(DenseKernels<M> kernels, M a, int rows, int cols, String manifold, String role) {
        if (a == null) {
            throw new IllegalArgumentException(manifold + ": " + role + " must not be null");
        }
        int actualRows = kernels.rows(a);
        int actualCols = kernels.cols(a);
        if (actualRows != rows || actualCols != cols) {
            throw new IllegalArgumentException(manifold + ": " + role + " has shape " + actualRows + " x "
                    + actualCols + ", expected " + rows + " x " + cols);
        }
        return a;
    }

    /** Shape check plus: every entry finite, else {@link IllegalArgumentException}. */
    static <M> M requireFiniteShape(DenseKernels<M> kernels, M a, int rows, int cols, String manifold, String role) {
        requireShape(kernels, a, rows, cols, manifold, role);
        if (!kernels.allFinite(a)) {
            throw new IllegalArgumentException(manifold + ": " + role + " has a NaN or infinite entry");
        }
        return a;
    }

    /** Rejects a negative or NaN tolerance. */
    static double requireTolerance(double tolerance, String manifold) {
        if (!(tolerance >= 0)) {
            throw new IllegalArgumentException(manifold + ": tolerance must be >= 0, got " + tolerance);
        }
        return tolerance;
    }

    /** Rejects a null generator. */
    static RandomGenerator requireRandom(RandomGenerator random, String manifold) {
        if (random == null) {
            throw new IllegalArgumentException(manifold + ": random generator must not be null");
        }
        return random;
    }

    /**
     * Fills {@code host} with independent standard normal entries in row-major order, so that a
     * seeded generator gives the same matrix on every backend.
     */
    static DMatrixRMaj fillGaussian(RandomGenerator random, DMatrixRMaj host) {
        double[] data = host.data;
        int size = host.getNumElements();
        for (int index = 0; index < size; index++) {
            data[index] = random.nextGaussian();
        }
        return host;
    }
}
