package dev.stiefel.ddn;

/**
 * The backward pass of a declarative node {@code y(x) = argmin_{y in M} f(x, y)}: the
 * vector-Jacobian product {@code dL/dx = (dy/dx)^T dL/dy} at a solution (Gould, Hartley,
 * Campbell, "Deep Declarative Networks", TPAMI 2021).
 *
 * <p>Sign convention, shared by every implementation. With the Riemannian gradient
 * {@code grad f(x, y) = 0} at the solution, differentiating in {@code x} gives
 * {@code Hess f(y)[dy] + P_y(B dx) = 0}, {@code B = D_x grad_y f}. Hence, with
 * {@code xi = Hess f(y)^-1 P_y(Vbar)} (a tangent vector; the Hessian and the projection are
 * self-adjoint on the tangent space),
 * <pre>
 *   dL/dx = -B^T xi = -problem.mixedDerivativeAdjoint(y, xi).
 * </pre>
 * The four methods of {@link BackwardMethod} differ only in how {@code xi} is found: in closed
 * form ({@link BackwardMethod#CLOSED_FORM}, for the polar factor), by conjugate gradients
 * ({@link BackwardMethod#MATRIX_FREE}), or from an explicit KKT system
 * ({@link BackwardMethod#DENSE}, {@link BackwardMethod#DENSE_KRONECKER}).
 *
 * <p>Implementations that keep backend workspaces across calls (device memory on a GPU
 * backend) free them in {@link #close()}.
 *
 * @param <P> point type of y (the manifold's storage)
 */
public interface DeclarativeBackward<P> extends AutoCloseable {

    /**
     * {@code out = dL/dx} at the solution {@code solution} of {@code problem}.
     *
     * @param problem the problem at its current parameters x; its {@link
     *     ParametricProblem#manifold()} is the constraint set
     * @param solution a minimiser of the problem; not modified
     * @param upstream {@code Vbar = dL/dy}, an ambient vector of y's shape; not modified
     * @param out receives {@code dL/dx}, in the shape of x
     * @return {@code out}
     * @throws ArithmeticException when the implicit function theorem does not apply (singular
     *     or, for a solve that needs it, indefinite Hessian; rank-deficient data)
     */
    <X> X vjp(ParametricProblem<P, X> problem, P solution, P upstream, X out);

    /** Which method this is. */
    BackwardMethod method();

    /**
     * Frees the workspaces kept across calls. Closing twice is harmless; a later
     * {@link #vjp} allocates them again. The default keeps none.
     */
    @Override
    default void close() {
    }
}
