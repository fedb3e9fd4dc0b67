package dev.stiefel.problem;

/**
 * The Euclidean Hessian of a problem's smooth extension to the embedding space, as a
 * Hessian-vector product; a {@link Problem} that has one gives it as
 * {@link Problem#euclideanHessian()}. The manifold turns it into the Riemannian Hessian
 * (Absil, Mahony, Trumpf, "An extrinsic look at the Riemannian Hessian", 2013).
 *
 * @param <P> point and tangent-vector type
 */
@FunctionalInterface
public interface EuclideanHessian<P> {

    /**
     * Euclidean Hessian of the extension at {@code x} applied to {@code v}, written into
     * {@code out}.
     *
     * @param x the point
     * @param v the direction, a vector of the embedding space
     * @param out receives {@code D egrad(x)[v]}
     */
    void apply(P x, P v, P out);
}
