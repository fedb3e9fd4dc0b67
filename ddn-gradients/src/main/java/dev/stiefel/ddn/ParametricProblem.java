package dev.stiefel.ddn;

import dev.stiefel.problem.Problem;

/**
 * A problem {@code y(x) = argmin_y f(x, y) s.t. y in M} whose cost also depends on parameters
 * {@code x}: what a declarative node needs to differentiate its solution with respect to
 * {@code x} (Gould, Hartley, Campbell, "Deep Declarative Networks", TPAMI 2021, Prop. 4.5).
 *
 * <p>The {@link Problem} methods are derivatives in {@code y} at the current parameters. The one
 * extra ingredient is the adjoint of the mixed second derivative
 * {@code B = D_x (grad_y f)(x, y)}: given a direction {@code w} in y's ambient space it returns
 * {@code B^T w = grad_x <grad_y f(x, y), w>}, a vector in x's space.
 *
 * @param <P> point type of y
 * @param <X> type of the parameters x
 */
public interface ParametricProblem<P, X> extends Problem<P> {

    /**
     * {@code out = grad_x <grad_y f(x, y), w>} at the current parameters.
     *
     * @param y the point (typically the solution)
     * @param w a direction in the ambient space of y
     * @param out receives the result, in the shape of x
     */
    void mixedDerivativeAdjoint(P y, P w, X out);
}
