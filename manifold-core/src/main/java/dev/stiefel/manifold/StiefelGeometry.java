package dev.stiefel.manifold;

import dev.stiefel.kernel.DenseKernels;

/**
 * Stateless formulas of the Stiefel geometry that other modules (declarative nodes, the
 * nearest-ETF problem) need without a {@link Stiefel} instance. Every method computes through the
 * given kernels, so it runs on any backend.
 */
public final class StiefelGeometry {

    private StiefelGeometry() {
    }

    /**
     * The Lagrange multiplier matrix of the constraint {@code X^T X = I} at a critical point, and
     * in general the symmetric matrix the Riemannian gradient subtracts:
     * {@code Sigma = sym(X^T G) = (X^T G + G^T X) / 2} with {@code G} the Euclidean gradient
     * (Edelman, Arias, Smith 1998, Sec. 2.4; Birtea, Comanescu 2012, the multipliers sigma).
     *
     * @param x point, {@code n x p}
     * @param euclideanGradient {@code n x p}
     * @param out {@code p x p}, overwritten; must not alias an input
     * @return {@code out}
     */
    public static <M> M multiplierMatrix(DenseKernels<M> kernels, M x, M euclideanGradient, M out) {
        if (out == x || out == euclideanGradient) {
            throw new IllegalArgumentException("multiplierMatrix: out must not alias x or the gradient");
        }
        kernels.gemm(1.0, x, true, euclideanGradient, false, 0.0, out);
        kernels.symmetricPart(out, out);
        return out;
    }
}
