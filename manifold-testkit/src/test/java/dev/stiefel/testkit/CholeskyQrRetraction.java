package dev.stiefel.testkit;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.manifold.Retraction;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.manifold.StiefelRetraction;
import java.util.List;

/**
 * A Stiefel retraction as a user would add one: Cholesky QR, {@code R_X(V) = (X + V) L^(-T)}
 * with {@code L L^T = (X + V)^T (X + V)}. It is the map of the built-in
 * {@link StiefelRetraction#QR} ({@code qf} with a positive diagonal), computed by another
 * algorithm on any backend's kernels; first order for {@code p > 1}. No inverse.
 */
public final class CholeskyQrRetraction implements StiefelRetraction {

    /** The one instance. */
    public static final CholeskyQrRetraction INSTANCE = new CholeskyQrRetraction();

    private CholeskyQrRetraction() {
    }

    @Override
    public String name() {
        return "CHOLESKY_QR";
    }

    @Override
    public <M> Retraction<M> bind(Stiefel<M> stiefel) {
        return new Bound<>(stiefel.kernels(), stiefel.rows(), stiefel.columns());
    }

    @Override
    public String toString() {
        return name();
    }

    private static final class Bound<M> implements Retraction<M> {
        private final DenseKernels<M> kernels;
        private final M sum;
        private final M gram;
        private final M lower;
        private final M inverse;
        private final M identity;

        Bound(DenseKernels<M> kernels, int n, int p) {
            this.kernels = kernels;
            sum = kernels.create(n, p);
            gram = kernels.create(p, p);
            lower = kernels.create(p, p);
            inverse = kernels.create(p, p);
            identity = kernels.create(p, p);
            kernels.setIdentity(identity);
        }

        @Override
        public String name() {
            return "CHOLESKY_QR";
        }

        /**
         * {@code qf} is invariant under positive scaling, so {@code X + V} is first scaled to unit
         * norm: the Gram matrix of a long step would overflow.
         */
        @Override
        public void retract(M x, M v, M out) {
            kernels.addScaled(1.0, x, 1.0, v, sum);
            double norm = kernels.normF(sum);
            if (norm == Double.POSITIVE_INFINITY) {
                kernels.scale(0x1p-512, sum);
                norm = kernels.normF(sum);
            }
            kernels.scale(1.0 / norm, sum);
            kernels.gemm(1.0, sum, true, sum, false, 0.0, gram);
            kernels.cholesky(gram, lower);
            kernels.solve(lower, identity, inverse);
            kernels.gemm(1.0, sum, false, inverse, true, 0.0, out);
        }

        @Override
        public void close() {
            for (M m : List.of(sum, gram, lower, inverse, identity)) {
                kernels.free(m);
            }
        }
    }
}
