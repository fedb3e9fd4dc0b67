package dev.stiefel.manifold;

import dev.stiefel.problem.EuclideanHessian;
import dev.stiefel.problem.Problem;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The separable cost {@code f(x) = sum_i f_i(x_i)} on a {@link Product}, whose Euclidean
 * derivatives are the factors' own, block by block.
 *
 * @param <P> the factors' point type
 */
public final class ProductProblem<P> implements Problem<ProductPoint<P>> {

    private final Product<P> manifold;
    private final List<Problem<P>> parts;

    public ProductProblem(Product<P> manifold, List<Problem<P>> parts) {
        this.manifold = manifold;
        this.parts = List.copyOf(parts);
    }

    @Override
    public Manifold<ProductPoint<P>> manifold() {
        return manifold;
    }

    @Override
    public double cost(ProductPoint<P> x) {
        double sum = 0.0;
        for (int i = 0; i < parts.size(); i++) {
            sum += parts.get(i).cost(x.component(i));
        }
        return sum;
    }

    @Override
    public void euclideanGradient(ProductPoint<P> x, ProductPoint<P> out) {
        for (int i = 0; i < parts.size(); i++) {
            parts.get(i).euclideanGradient(x.component(i), out.component(i));
        }
    }

    /** The factors' Hessian parts, block by block; present when every factor has one. */
    @Override
    public Optional<EuclideanHessian<ProductPoint<P>>> euclideanHessian() {
        List<EuclideanHessian<P>> hessians = new ArrayList<>();
        for (Problem<P> part : parts) {
            Optional<EuclideanHessian<P>> hessian = part.euclideanHessian();
            if (hessian.isEmpty()) {
                return Optional.empty();
            }
            hessians.add(hessian.get());
        }
        return Optional.of((x, v, out) -> {
            for (int i = 0; i < hessians.size(); i++) {
                hessians.get(i).apply(x.component(i), v.component(i), out.component(i));
            }
        });
    }
}
