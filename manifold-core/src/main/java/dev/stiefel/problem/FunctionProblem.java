package dev.stiefel.problem;

import dev.stiefel.manifold.Manifold;
import java.util.Objects;

/**
 * A {@link Problem} from functions ({@link Problem#of}); has a Hessian exactly when a Hessian
 * function was given.
 */
final class FunctionProblem<P> implements Problem<P> {

    private final Manifold<P> manifold;
    private final CostFunction<P> cost;
    private final GradientFunction<P> gradient;
    private final CostAndGradientFunction<P> costAndGradient;
    private final HessianFunction<P> hessian;

    FunctionProblem(Manifold<P> manifold, CostFunction<P> cost, GradientFunction<P> gradient,
            CostAndGradientFunction<P> costAndGradient, HessianFunction<P> hessian) {
        this.manifold = Objects.requireNonNull(manifold, "manifold");
        this.cost = Objects.requireNonNull(cost, "cost");
        this.gradient = gradient;
        this.costAndGradient = costAndGradient;
        this.hessian = hessian;
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
    public boolean hasEuclideanHessian() {
        return hessian != null;
    }

    @Override
    public void euclideanHessian(P x, P v, P out) {
        if (hessian == null) {
            throw new UnsupportedOperationException("this problem was built without a Euclidean Hessian");
        }
        hessian.hessian(x, v, out);
    }

    @Override
    public boolean hasPreconditioner() {
        return false;
    }

    @Override
    public String toString() {
        return "Problem on " + manifold.name() + (hessian == null ? " (no Hessian)" : " (with Hessian)");
    }
}
