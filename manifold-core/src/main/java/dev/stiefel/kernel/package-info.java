/**
 * Dense linear algebra behind one seam, {@link dev.stiefel.kernel.DenseKernels}: the pure-Java
 * reference {@link dev.stiefel.kernel.EjmlKernels}, the native
 * {@link dev.stiefel.kernel.OpenBlasKernels}, and the factory {@link dev.stiefel.kernel.Kernels}
 * that picks between them ({@code -Dstiefel.kernels=ejml|openblas}). Argument validation
 * shared by every module is in {@link dev.stiefel.kernel.MatrixChecks}. Every backend passes
 * the contract suite {@code DenseKernelsContract} of the test kit (artifact {@code manifold-testkit}).
 */
package dev.stiefel.kernel;
