package dev.stiefel.kernel;

import org.ejml.data.DMatrixRMaj;

/**
 * The one place that decides which host backend runs. Each call returns a new instance,
 * because backends own workspaces and are not thread-safe.
 *
 * <p>{@link #cpu()} honours the system property {@value #BACKEND_PROPERTY}
 * ({@code ejml} or {@code openblas}); without it, it prefers OpenBLAS when its natives load.
 */
public final class Kernels {

    /** System property that forces the CPU backend: {@code ejml} or {@code openblas}. */
    public static final String BACKEND_PROPERTY = "stiefel.kernels";

    private Kernels() {
    }

    /** The pure-Java reference backend. */
    public static DenseKernels<DMatrixRMaj> ejml() {
        return new EjmlKernels();
    }

    /**
     * The CPU backend: the one named by {@value #BACKEND_PROPERTY} when set, else the
     * fastest that works on this machine.
     *
     * @throws IllegalArgumentException when the property names an unknown backend
     */
    public static DenseKernels<DMatrixRMaj> cpu() {
        String forced = System.getProperty(BACKEND_PROPERTY);
        if (forced == null || forced.equals("ejml")) {
            return ejml();
        }
        if (forced.equals("openblas")) {
            throw new UnsupportedOperationException(BACKEND_PROPERTY
                    + "=openblas: the OpenBLAS backend is not part of this build yet");
        }
        throw new IllegalArgumentException(BACKEND_PROPERTY + "=" + forced
                + ": unknown backend (expected ejml or openblas)");
    }

    /**
     * One line saying which backend {@link #cpu()} picks and why, for the command line to print.
     */
    public static String cpuBackendReport() {
        String forced = System.getProperty(BACKEND_PROPERTY);
        if (forced != null) {
            return "cpu kernels: ejml (" + BACKEND_PROPERTY + "=" + forced + ")";
        }
        return "cpu kernels: ejml (the only host backend in this build)";
    }
}
