package dev.stiefel.problem;

import dev.stiefel.manifold.Manifold;
import java.util.Objects;
import java.util.Optional;

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
 * <p>Outputs are written into caller-provided storage of the manifold's type. A problem says
 * what else it has through its optional parts: {@link #euclideanHessian()} and
 * {@link #preconditioner()} are empty unless the problem gives them, and the Hessian and the
 * preconditioner are reachable only through them, so a problem cannot implement one and have it
 * ignored. A function-built problem has a Hessian part exactly when a Hessian function was
 * passed. Without a Hessian, solvers approximate the Riemannian Hessian by finite differences of
 * gradients, as Manopt and pymanopt do; without a preconditioner, they use the identity.
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
     * The Euclidean Hessian of the extension, when the problem has one; empty by default, and
     * then solvers take finite differences of gradients. A problem with a Hessian returns it
     * here, e.g. {@code Optional.of(this::hessian)}. Solvers read it when a solve starts.
     */
    default Optional<EuclideanHessian<P>> euclideanHessian() {
        return Optional.empty();
    }

    /**
     * The preconditioner, when the problem has one; empty by default, and then solvers use the
     * identity (Boumal 2023, sec. 6.4). Solvers read it when a solve starts.
     */
    default Optional<Preconditioner<P>> preconditioner() {
        return Optional.empty();
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
            EuclideanHessian<P> euclideanHessian) {
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
            CostAndGradientFunction<P> costAndGradient, EuclideanHessian<P> euclideanHessian) {
        Objects.requireNonNull(costAndGradient, "costAndGradient");
        return new FunctionProblem<>(manifold, cost, costAndGradient::costAndGradient, costAndGradient,
                euclideanHessian);
    }
}
