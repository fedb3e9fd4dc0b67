package dev.stiefel.ddn;

/**
 * A parametric problem on St(n, p) that is a Procrustes problem in disguise: on the manifold
 * its cost is {@code f(x, U) = c(x) - <U, G(x)>}, and the x-dependence of the Euclidean
 * gradient of its extension is exactly {@code -G(x)}:
 * {@code grad_U f(x, U) = -G(x) + r(U)} with {@code r} independent of {@code x}. Then the
 * minimiser is {@code polar(G(x))} when {@code G} has full rank, and
 * {@code mixedDerivativeAdjoint(U, w) = -(DG)^T w}, which lets the closed-form polar backward
 * ({@link PolarBackward}) serve as a {@link DeclarativeBackward}.
 *
 * <p>Example: the nearest-ETF problem (7), {@code G = (2/sqrt(C-1)) Ht Mc + delta Uprox}
 * ({@code docs/mathematics.md} section 2).
 *
 * @param <P> point type
 * @param <X> parameter type
 */
public interface ProcrustesParametricProblem<P, X> extends ParametricProblem<P, X> {

    /**
     * {@code out = G(x)} at the current parameters.
     *
     * @return {@code out}
     */
    P procrustesMatrix(P out);
}
