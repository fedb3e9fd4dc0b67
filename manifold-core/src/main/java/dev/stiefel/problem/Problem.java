package dev.stiefel.problem;

import dev.stiefel.manifold.Manifold;

/**
 * An optimisation problem {@code min f(x), x in M}, given by Euclidean derivatives of a smooth
 * extension of {@code f} to the embedding space (pymanopt's {@code Problem(manifold, cost,
 * euclidean_gradient, euclidean_hessian)}). The manifold turns them into Riemannian ones.
 *
 * <p>Outputs are written into caller-provided storage of the manifold's type. When
 * {@link #hasEuclideanHessian()} is false, solvers approximate the Riemannian Hessian by finite
 * differences of gradients, as Manopt and pymanopt do.
 *
 * @param <P> point and tangent-vector type
 */
public interface Problem<P> {

    /** The search space. */
    Manifold<P> manifold();

    /** {@code f(x)}. */
    double cost(P x);

    /** Euclidean gradient of the extension at {@code x}, written into {@code out}. */
    void euclideanGradient(P x, P out);

    /**
     * Cost and Euclidean gradient at the same point, sharing their intermediate work; solvers
     * call this rather than the two separately. Override when the two share work.
     *
     * @return {@code f(x)}
     */
    default double costAndEuclideanGradient(P x, P gradientOut) {
        euclideanGradient(x, gradientOut);
        return cost(x);
    }

    /** Whether {@link #euclideanHessian} is implemented. */
    default boolean hasEuclideanHessian() {
        return false;
    }

    /**
     * Euclidean Hessian of the extension at {@code x} applied to {@code v}, written into
     * {@code out}.
     */
    default void euclideanHessian(P x, P v, P out) {
        throw new UnsupportedOperationException("this problem supplies no Euclidean Hessian");
    }
}
