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

    /** {@code dst = src} after checking both are {@code rows x cols}: the copy of every matrix manifold. */
    static <M> void copy(DenseKernels<M> kernels, int rows, int cols, String manifold, M src, M dst) {
        requireShape(kernels, src, rows, cols, manifold, "src");
        requireShape(kernels, dst, rows, cols, manifold, "dst");
        kernels.copy(src, dst);
    }

    /** The embedded metric {@code tr(U^T V)} after checking both are {@code rows x cols}. */
    static <M> double inner(DenseKernels<M> kernels, int rows, int cols, String manifold, M u, M v) {
        requireShape(kernels, u, rows, cols, manifold, "u");
        requireShape(kernels, v, rows, cols, manifold, "v");
        return kernels.dot(u, v);
    }

    /**
     * {@code out = a u + b v} after checking all three are {@code rows x cols}; {@code out} may alias
     * {@code u} or {@code v}. Tangent spaces of an embedded manifold are linear subspaces of the
     * ambient space, so the ambient combination is the tangent one.
     */
    static <M> void linearCombination(DenseKernels<M> kernels, int rows, int cols, String manifold,
            double a, M u, double b, M v, M out) {
        requireShape(kernels, u, rows, cols, manifold, "u");
        requireShape(kernels, v, rows, cols, manifold, "v");
        requireShape(kernels, out, rows, cols, manifold, "out");
        kernels.addScaled(a, u, b, v, out);
    }

    /** {@code out = 0} after checking it is {@code rows x cols}. */
    static <M> void zeroTangent(DenseKernels<M> kernels, int rows, int cols, String manifold, M out) {
        requireShape(kernels, out, rows, cols, manifold, "out");
        kernels.zero(out);
    }

    /**
     * {@code out = P_x(G) / ||P_x(G)||_F} for a Gaussian {@code G} drawn into {@code host} (then
     * {@code ambient}) in row-major order; zero when the manifold is zero-dimensional or the
     * projection vanishes, so that a unit tangent is never a division by zero. {@code ambient}
     * is a device workspace of the point's shape and must not alias {@code x} or {@code out}.
     */
    static <M> void randomUnitTangent(Manifold<M> manifold, DenseKernels<M> kernels, M x,
            RandomGenerator random, DMatrixRMaj host, M ambient, M out) {
        kernels.copyFromHost(fillGaussian(random, host), ambient);
        manifold.projectToTangent(x, ambient, out);
        double norm = kernels.normF(out);
        if (manifold.dimension() == 0 || norm == 0.0) {
            kernels.zero(out);
        } else {
            kernels.scale(1.0 / norm, out);
        }
    }

    /**
     * {@code ||X^T X - I||_F}, the distance of {@code x}'s columns from orthonormality; overwrites
     * the {@code p x p} workspace {@code small}.
     */
    static <M> double orthonormalityDefect(DenseKernels<M> kernels, M x, M small) {
        kernels.gemm(1.0, x, true, x, false, 0.0, small);
        kernels.addIdentity(small, -1.0, small);
        return kernels.normF(small);
    }
}
