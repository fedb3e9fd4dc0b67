package dev.stiefel.cuda;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.KernelsProvider;
import java.util.Optional;

/**
 * The {@link KernelsProvider} of this module: {@code "cuda"} ({@link CudaPrecision#FLOAT64}) and,
 * as the nested {@link Float32}, {@code "cuda-f32"}. The first {@link #create()} of the process
 * loads one binding with {@link CudaBackends#load()} (or records why none loads) and every
 * {@link #create()} puts new {@link CudaKernels} on that shared binding: a trainer creating a head
 * per seed opens the cuBLAS/cuSOLVER handles once. The binding lives as long as the process;
 * {@link CudaKernels#close()} releases the kernels' workspaces only.
 */
public class CudaKernelsProvider implements KernelsProvider {

    private final String name;
    private final CudaPrecision precision;

    private static CudaBackends.Loaded shared;

    /** The float64 provider, {@code "cuda"}. */
    public CudaKernelsProvider() {
        this("cuda", CudaPrecision.FLOAT64);
    }

    CudaKernelsProvider(String name, CudaPrecision precision) {
        this.name = name;
        this.precision = precision;
    }

    /** The float32 provider, {@code "cuda-f32"}. */
    public static final class Float32 extends CudaKernelsProvider {

        public Float32() {
            super("cuda-f32", CudaPrecision.FLOAT32);
        }
    }

    @Override
    public String name() {
        return name;
    }

    private static synchronized CudaBackends.Loaded shared() {
        if (shared == null) {
            shared = CudaBackends.load();
        }
        return shared;
    }

    @Override
    public Optional<DenseKernels<?>> create() {
        return shared().binding().map(binding -> new CudaKernels(binding, precision));
    }

    /** The loader's report of the process's shared binding (loading it on first use). */
    @Override
    public String report() {
        return shared().report();
    }
}
