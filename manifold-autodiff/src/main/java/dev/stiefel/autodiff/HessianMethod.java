package dev.stiefel.autodiff;

/**
 * How an {@link AutodiffProblem} computes Euclidean Hessian-vector products; chosen explicitly in
 * {@link AutodiffOptions} and reported by {@link AutodiffProblem#hessianMethod()}, never switched
 * silently. A method is a factory: {@link #start} makes the product for one problem, checking
 * that the problem's engine supports it. Further methods implement this interface.
 *
 * <ul>
 *   <li>{@link #DOUBLE_BACKWARD}: exact, by differentiating the gradient's own graph
 *       (Pearlmutter, "Fast exact multiplication by the Hessian", Neural Computation 6(1), 1994):
 *       {@code Hess f(x)[v] = grad_x <grad f(x), v>}. Needs DJL's PyTorch engine.</li>
 *   <li>{@link #FINITE_DIFFERENCE_OF_GRADIENTS}: central differences of reverse-mode gradients,
 *       {@code (grad f(x + h v) - grad f(x - h v)) / (2 h)}, error {@code O(h^2)} (Nocedal and
 *       Wright, "Numerical Optimization", 2nd ed., Springer 2006, sec. 8.1). Needs only first
 *       derivatives, so it works on any engine and with operations that have no second
 *       derivative.</li>
 * </ul>
 */
public interface HessianMethod {

    /** Exact Hessian-vector products by double backward on the PyTorch engine. */
    HessianMethod DOUBLE_BACKWARD = PyTorchDoubleBackward.METHOD;

    /** Central finite differences of gradients, on any engine. */
    HessianMethod FINITE_DIFFERENCE_OF_GRADIENTS = FiniteDifferenceOfGradients.METHOD;

    /**
     * The method's name, as in messages.
     *
     * @return e.g. {@code "DOUBLE_BACKWARD"}
     */
    String name();

    /**
     * Starts this method for one cost.
     *
     * @param cost the cost whose Hessian is wanted
     * @return the product, owned by the caller, who closes it
     * @throws IllegalArgumentException when the cost's engine does not support this method (the
     *     message names the alternative)
     */
    HessianVectorProduct start(DifferentiableCost cost);
}
