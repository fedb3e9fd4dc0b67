package dev.stiefel.problem;

import dev.stiefel.manifold.Manifold;
import java.util.Objects;

/**
 * An optimisation problem {@code min f(x), x in M}, given by Euclidean derivatives of a smooth
 * extension of {@code f} to the embedding space (pymanopt's {@code Problem(manifold, cost,
 * euclidean_gradient, euclidean_hessian)}). The manifold turns them into Riemannian ones.
 *
 * <p>From functions, as in pymanopt:
 * <pre>{@code
 *   Problem<DMatrixRMaj> problem = Problem.of(stiefel,
 *           x -> ...,                  // f(x)
 *           (x, out) -> ...,           // Euclidean gradient into out
 *           (x, v, out) -> ...);       // Euclidean Hessian applied to v, into out (optional)
 * }</pre>
 * {@link #ofCostAndGradient} takes a function computing cost and gradient together when the
 * two share work.
 *
 * <p>Outputs are written into caller-provided storage of the manifold's type. Whether a
 * Euclidean Hessian exists is decided by what was given: a class that overrides
 * {@link #euclideanHessian} has one ({@link #hasEuclideanHessian()} detects the override), a
 * function-built problem has one when a Hessian function was passed. Without one, solvers
 * approximate the Riemannian Hessian by finite differences of gradients, as Manopt and pymanopt
 * do. The same holds for {@link #preconditioner}.
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

    /**
     * Whether {@link #euclideanHessian} is implemented. The default answers whether this
     * object's class overrides {@link #euclideanHessian}, so that an implementation cannot
     * supply a Hessian and have it ignored. Override only to delegate (a wrapper around another
     * problem answers what the wrapped one answers).
     */
    default boolean hasEuclideanHessian() {
        return ProblemSupport.overridesEuclideanHessian(getClass());
    }

    /**
     * Euclidean Hessian of the extension at {@code x} applied to {@code v}, written into
     * {@code out}.
     */
    default void euclideanHessian(P x, P v, P out) {
        throw new UnsupportedOperationException("this problem supplies no Euclidean Hessian");
    }

    /**
     * Whether {@link #preconditioner} is implemented; as {@link #hasEuclideanHessian()}, the
     * default detects an override.
     */
    default boolean hasPreconditioner() {
        return ProblemSupport.overridesPreconditioner(getClass());
    }

    /**
     * A preconditioner at {@code x}: a symmetric positive-definite operator on the tangent space
     * applied to the tangent vector {@code v}, ideally close to the inverse Riemannian Hessian
     * (Manopt's and pymanopt's {@code precon}; Boumal 2023, sec. 6.4). Trust regions
     * precondition their inner conjugate-gradient solve with it, conjugate gradients their
     * directions. The default is the identity. {@code out} may not alias {@code v}.
     */
    default void preconditioner(P x, P v, P out) {
        manifold().copy(v, out);
    }

    /** Cost {@code f(x)} of a function-built problem. */
    @FunctionalInterface
    interface CostFunction<P> {
        double cost(P x);
    }

    /** Euclidean gradient of a function-built problem, written into {@code out}. */
    @FunctionalInterface
    interface GradientFunction<P> {
        void gradient(P x, P out);
    }

    /** Cost and Euclidean gradient together (shared work); returns the cost. */
    @FunctionalInterface
    interface CostAndGradientFunction<P> {
        double costAndGradient(P x, P gradientOut);
    }

    /** Euclidean Hessian of a function-built problem applied to {@code v}, written into {@code out}. */
    @FunctionalInterface
    interface HessianFunction<P> {
        void hessian(P x, P v, P out);
    }

    /**
     * A problem from its cost and Euclidean gradient; Hessian-vector products will be finite
     * differences of gradients.
     */
    static <P> Problem<P> of(Manifold<P> manifold, CostFunction<P> cost, GradientFunction<P> euclideanGradient) {
        Objects.requireNonNull(euclideanGradient, "euclideanGradient");
        return new FunctionProblem<>(manifold, cost, euclideanGradient, (x, out) -> {
            euclideanGradient.gradient(x, out);
            return cost.cost(x);
        }, null);
    }

    /** A problem from its cost, Euclidean gradient and Euclidean Hessian-vector product. */
    static <P> Problem<P> of(Manifold<P> manifold, CostFunction<P> cost, GradientFunction<P> euclideanGradient,
            HessianFunction<P> euclideanHessian) {
        Objects.requireNonNull(euclideanGradient, "euclideanGradient");
        Objects.requireNonNull(euclideanHessian, "euclideanHessian (use the three-argument of() for none)");
        return new FunctionProblem<>(manifold, cost, euclideanGradient, (x, out) -> {
            euclideanGradient.gradient(x, out);
            return cost.cost(x);
        }, euclideanHessian);
    }

    /**
     * A problem whose cost and gradient share work: solvers evaluate both through
     * {@code costAndGradient}; {@code cost} alone serves line-search trials. The gradient alone
     * (rarely needed: finite-difference Hessians, approximate Armijo tests) is taken from
     * {@code costAndGradient}.
     *
     * @param euclideanHessian may be null (finite differences of gradients)
     */
    static <P> Problem<P> ofCostAndGradient(Manifold<P> manifold, CostFunction<P> cost,
            CostAndGradientFunction<P> costAndGradient, HessianFunction<P> euclideanHessian) {
        Objects.requireNonNull(costAndGradient, "costAndGradient");
        return new FunctionProblem<>(manifold, cost, costAndGradient::costAndGradient, costAndGradient,
                euclideanHessian);
    }
}
