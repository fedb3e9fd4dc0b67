/**
 * Problems from a cost alone: {@link dev.stiefel.autodiff.AutodiffProblem} turns a cost written
 * in Deep Java Library {@code NDArray} operations into a {@link dev.stiefel.problem.Problem},
 * with the Euclidean gradient by reverse-mode automatic differentiation and Hessian-vector
 * products by double backward (PyTorch engine) or finite differences of gradients, as pymanopt's
 * autograd and PyTorch backends do (Townsend, Koep, Weichwald, JMLR 17(137), 2016). Everything
 * runs in {@code float64} on the CPU.
 */
package dev.stiefel.autodiff;
