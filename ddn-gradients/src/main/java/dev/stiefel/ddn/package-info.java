/**
 * Deep declarative nodes on manifolds: the gradient of a loss through the solution of an
 * optimisation problem, {@code dL/dx = (dy/dx)^T dL/dy} with {@code y(x) = argmin f(x, y)}
 * (Gould, Hartley, Campbell, "Deep Declarative Networks", TPAMI 2021).
 *
 * <ul>
 *   <li>{@link dev.stiefel.ddn.ParametricProblem}: the seam, a problem in y plus the adjoint of
 *       its mixed second derivative;
 *   <li>{@link dev.stiefel.ddn.DeclarativeBackward} and {@link dev.stiefel.ddn.BackwardMethod}:
 *       the choice a caller makes, with the shared sign convention
 *       {@code dL/dx = -mixedDerivativeAdjoint(y, Hess^-1 P_y(dL/dy))};
 *   <li>{@link dev.stiefel.ddn.PolarBackward}: closed-form derivative of the polar factor, used
 *       for {@link dev.stiefel.ddn.ProcrustesParametricProblem}s;
 *   <li>{@link dev.stiefel.ddn.MatrixFreeImplicitBackward}: matrix-free conjugate gradients with the
 *       Riemannian Hessian;
 *   <li>{@link dev.stiefel.ddn.DenseKktBackward} and {@link dev.stiefel.ddn.StiefelDenseBackward}:
 *       the explicit KKT reference;
 *   <li>{@link dev.stiefel.ddn.KroneckerKktBackward}: the paper's dense method for problems with
 *       {@code Hess f[V] = V S} ({@link dev.stiefel.ddn.RightMultiplicationHessian}),
 *       {@code H = I_d (x) K} and the explicit constraint Jacobian.
 * </ul>
 */
package dev.stiefel.ddn;
