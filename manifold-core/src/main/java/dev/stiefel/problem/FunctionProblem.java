package dev.stiefel.problem;

import dev.stiefel.manifold.Manifold;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@link Problem} from functions ({@link Problem#of}); its Hessian part is the Hessian function
 * when one was given and empty otherwise; it has no preconditioner.
 */
final class FunctionProblem<P> implements Problem<P> {

    private final Manifold<P> manifold;
    private final CostFunction<P> cost;
    private final GradientFunction<P> gradient;
    private final CostAndGradientFunction<P> costAndGradient;
    private final Optional<EuclideanHessian<P>> hessian;

    FunctionProblem(Manifold<P> manifold, CostFunction<P> cost, GradientFunction<P> gradient,
            CostAndGradientFunction<P> costAndGradient, EuclideanHessian<P> hessian) {
        this.manifold = Objects.requireNonNull(manifold, "manifold");
        this.cost = Objects.requireNonNull(cost, "cost");
        this.gradient = gradient;
        this.costAndGradient = costAndGradient;
        this.hessian = Optional.ofNullable(hessian);
    }

    @Override
    public Manifold<P> manifold() {
        return manifold;
    }

    @Override
    public double cost(P x) {
        return cost.cost(x);
    }

    @Override
    public void euclideanGradient(P x, P out) {
        gradient.gradient(x, out);
    }

    @Override
    public double costAndEuclideanGradient(P x, P gradientOut) {
        return costAndGradient.costAndGradient(x, gradientOut);
    }

    @Override
    public Optional<EuclideanHessian<P>> euclideanHessian() {
        return hessian;
    }

    @Override
    public String toString() {
        return "Problem on " + manifold.name() + (hessian.isPresent() ? " (with Hessian)" : " (no Hessian)");
    }
}
