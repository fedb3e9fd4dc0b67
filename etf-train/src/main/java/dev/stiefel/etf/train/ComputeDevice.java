package dev.stiefel.etf.train;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import java.util.Locale;

/**
 * Where the heads' dense work runs. The training loop itself stays on the host; a device
 * backend plugs in through {@link Kernels#device(String)} (module {@code manifold-cuda} provides
 * {@code "cuda"} when it is on the class path; this module cannot depend on it).
 */
public enum ComputeDevice {
    /** {@link Kernels#cpu()}: OpenBLAS when its natives load, else EJML. */
    CPU,
    /** {@code Kernels.device("cuda")}: float64 on the GPU, when module manifold-cuda and a device are there. */
    CUDA;

    /** The {@link dev.stiefel.kernel.KernelsProvider} name of {@link #CUDA}. */
    static final String CUDA_PROVIDER = "cuda";

    /**
     * New kernels for the heads' solves.
     *
     * @throws UnsupportedOperationException when the backend is not on the class path or its
     *     device is absent; the message says which and why
     */
    public DenseKernels<?> kernels() {
        return switch (this) {
            case CPU -> Kernels.cpu();
            case CUDA -> {
                try {
                    yield Kernels.device(CUDA_PROVIDER);
                } catch (UnsupportedOperationException absent) {
                    throw new UnsupportedOperationException("cuda backend not available: " + absent.getMessage()
                            + " (use --device cpu)", absent);
                }
            }
        };
    }

    /**
     * Checks that {@link #kernels()} would succeed, releasing what the check opened
     * ({@link DenseKernels#close()}).
     *
     * @throws UnsupportedOperationException as {@link #kernels()}
     */
    public void requireAvailable() {
        DenseKernels<?> kernels = kernels();
        try {
            kernels.close();
        } catch (RuntimeException releaseFailure) {
            throw new UnsupportedOperationException(commandLineName() + " backend failed to release its "
                    + "workspaces: " + releaseFailure.getMessage(), releaseFailure);
        }
    }

    /**
     * Parses {@code cpu} or {@code cuda} (case-insensitive).
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static ComputeDevice parse(String text) {
        for (ComputeDevice device : values()) {
            if (device.name().equalsIgnoreCase(text.trim())) {
                return device;
            }
        }
        throw new IllegalArgumentException("unknown device '" + text + "'; expected cpu or cuda");
    }

    /** The command-line spelling. */
    public String commandLineName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
