package dev.stiefel.solver;

import dev.stiefel.manifold.Manifold;
import dev.stiefel.problem.EuclideanHessian;
import dev.stiefel.problem.Preconditioner;
import dev.stiefel.problem.Problem;
import java.util.Optional;

/**
 * {@code factor f} for a problem {@code f}, derivatives scaled alike and the preconditioner
 * unchanged, with {@code factor} a power of two so that every value is the problem's value
 * scaled exactly. {@link IterativeSolver} runs on it when the gradient norm at the start is so
 * large that squared norms, slopes and curvatures would overflow: a solver run on
 * {@code f / 2^k} makes the same decisions as on {@code f} wherever those are scale-invariant,
 * and its reported values are scaled back.
 *
 * <p>The preconditioner stays the problem's: in the preconditioned recurrences (truncated CG,
 * conjugate-gradient directions) it acts on gradients and residuals that all carry the factor,
 * so leaving it unscaled keeps their ratios, and the trust region's {@code P^-1} norm, as
 * without the factor.
 *
 * @param <P> point and tangent-vector type
 */
final class ScaledProblem<P> implements Problem<P> {

    private final Problem<P> problem;
    private final Manifold<P> manifold;
    private final double factor;

    ScaledProblem(Problem<P> problem, double factor) {
        this.problem = problem;
        this.manifold = problem.manifold();
        this.factor = factor;
    }

    @Override
    public Manifold<P> manifold() {
        return manifold;
    }

    @Override
    public double cost(P x) {
        return factor * problem.cost(x);
    }

    /**
     * The Euclidean gradient is an ambient vector; for the embedded manifolds of this library
     * {@code linearCombination} is the ambient combination, and scaling by a power of two is
     * exact.
     */
    @Override
    public void euclideanGradient(P x, P out) {
        problem.euclideanGradient(x, out);
        manifold.linearCombination(x, factor, out, 0.0, out, out);
    }

    @Override
    public double costAndEuclideanGradient(P x, P gradientOut) {
        double cost = problem.costAndEuclideanGradient(x, gradientOut);
        manifold.linearCombination(x, factor, gradientOut, 0.0, gradientOut, gradientOut);
        return factor * cost;
    }

    /** The problem's Hessian part, its products scaled as the gradient is. */
    @Override
    public Optional<EuclideanHessian<P>> euclideanHessian() {
        return problem.euclideanHessian().map(hessian -> (x, v, out) -> {
            hessian.apply(x, v, out);
            manifold.linearCombination(x, factor, out, 0.0, out, out);
        });
    }

    /** The problem's preconditioner part, unchanged. */
    @Override
    public Optional<Preconditioner<P>> preconditioner() {
        return problem.preconditioner();
    }
}
