package dev.stiefel.cuda;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.KernelsProvider;
import java.util.Optional;

/**
 * The {@link KernelsProvider} of this module: {@code "cuda"} ({@link CudaPrecision#FLOAT64}) and,
 * as the nested {@link Float32}, {@code "cuda-f32"}. Each {@link #create()} opens one binding with
 * {@link CudaBackends#load()} and puts new {@link CudaKernels} on it; the binding lives as long as
 * the process (a trainer's device), since {@link CudaKernels#close()} releases workspaces only.
 */
public class CudaKernelsProvider implements KernelsProvider {

    private final String name;
    private final CudaPrecision precision;
    private volatile String lastReport = "not loaded yet";

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

    @Override
    public Optional<DenseKernels<?>> create() {
        CudaBackends.Loaded loaded = CudaBackends.load();
        lastReport = loaded.report();
        return loaded.binding().map(binding -> new CudaKernels(binding, precision));
    }

    /** The loader's report of the last {@link #create()} ({@code "not loaded yet"} before the first). */
    @Override
    public String report() {
        return lastReport;
    }
}
