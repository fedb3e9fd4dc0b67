/**
 * The dense-kernel seam on NVIDIA GPUs: {@link dev.stiefel.cuda.CudaKernels} runs every matrix
 * operation of {@link dev.stiefel.kernel.DenseKernels} in cuBLAS and cuSOLVER on
 * {@link dev.stiefel.cuda.CudaMatrix} device storage, in float64 or float32
 * ({@link dev.stiefel.cuda.CudaPrecision}), through one of two bindings behind
 * {@link dev.stiefel.cuda.CudaBinding} (JCuda for CUDA 12 hosts, JavaCPP presets for CUDA 13),
 * chosen at run time by {@link dev.stiefel.cuda.CudaBackends}. The module compiles and loads
 * everywhere: without a device the provider reports why no binding loads, and its tests skip.
 */
package dev.stiefel.cuda;
