package dev.stiefel.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import org.ejml.data.DMatrixRMaj;

/**
 * The one place that decides which host backend runs. Each call returns a new instance,
 * because backends own workspaces and are not thread-safe.
 *
 * <p>{@link #cpu()} honours the system property {@value #BACKEND_PROPERTY}
 * ({@code ejml} or {@code openblas}); without it, it prefers OpenBLAS when its natives load.
 * {@link #device(String)} finds a backend of another module (e.g. {@code manifold-cuda}'s
 * {@code "cuda"}) through the {@link KernelsProvider} service.
 */
public final class Kernels {

    /** System property that forces the CPU backend: {@code ejml} or {@code openblas}. */
    public static final String BACKEND_PROPERTY = "stiefel.kernels";

    private static final String EJML = "ejml";
    private static final String OPENBLAS = "openblas";

    private Kernels() {
    }

    /** The pure-Java reference backend. */
    public static DenseKernels<DMatrixRMaj> ejml() {
        return new EjmlKernels();
    }

    /**
     * The native OpenBLAS backend.
     *
     * @throws UnsupportedOperationException when the natives cannot be loaded; the loading
     *     error is the cause
     */
    public static DenseKernels<DMatrixRMaj> openBlas() {
        return new OpenBlasKernels();
    }

    /**
     * The CPU backend: the one named by {@value #BACKEND_PROPERTY} when set, else OpenBLAS
     * when its natives load, else EJML.
     *
     * @throws IllegalArgumentException when the property names an unknown backend
     * @throws UnsupportedOperationException when the property asks for OpenBLAS and its natives
     *     cannot be loaded
     */
    public static DenseKernels<DMatrixRMaj> cpu() {
        return cpu(forcedBackend(), OpenBlasRuntime.loadFailure());
    }

    /**
     * {@link #cpu()} for a given forced backend (null when none) and OpenBLAS load failure
     * (null when the natives loaded), so that a failed load can be tested where they load.
     */
    static DenseKernels<DMatrixRMaj> cpu(String forced, Throwable openBlasLoadFailure) {
        if (forced == null) {
            return openBlasLoadFailure == null ? openBlas() : ejml();
        }
        if (forced.equals(EJML)) {
            return ejml();
        }
        if (openBlasLoadFailure != null) {
            throw new UnsupportedOperationException("-D" + BACKEND_PROPERTY + "=" + OPENBLAS
                    + " asks for the OpenBLAS backend, but its natives failed to load (" + openBlasLoadFailure
                    + "); use -D" + BACKEND_PROPERTY + "=" + EJML + " or leave the property unset", openBlasLoadFailure);
        }
        return openBlas();
    }

    /**
     * One line saying which backend {@link #cpu()} picks and why, for the command line to
     * print; it never throws (an invalid property is reported instead).
     */
    public static String cpuBackendReport() {
        String forced;
        try {
            forced = forcedBackend();
        } catch (IllegalArgumentException invalid) {
            return "cpu kernels: none (" + invalid.getMessage() + ")";
        }
        if (forced != null) {
            if (forced.equals(OPENBLAS) && !OpenBlasRuntime.isAvailable()) {
                return "cpu kernels: openblas requested by " + BACKEND_PROPERTY
                        + " but its natives failed to load (" + OpenBlasRuntime.loadFailure() + ")";
            }
            return "cpu kernels: " + forced + " (forced by -D" + BACKEND_PROPERTY + "=" + forced
                    + (forced.equals(OPENBLAS) ? openBlasThreads() : "") + ")";
        }
        if (OpenBlasRuntime.isAvailable()) {
            return "cpu kernels: openblas (natives loaded" + openBlasThreads() + ")";
        }
        return "cpu kernels: ejml (OpenBLAS natives failed to load: " + OpenBlasRuntime.loadFailure() + ")";
    }

    private static String openBlasThreads() {
        int threads = OpenBlasRuntime.threads();
        return ", " + threads + " threads from " + OpenBlasRuntime.threadsSource();
    }

    /** The validated property value, or null when unset or blank. */
    private static String forcedBackend() {
        String value = System.getProperty(BACKEND_PROPERTY);
        if (value == null || value.isBlank()) {
            return null;
        }
        String normalised = value.trim().toLowerCase(java.util.Locale.ROOT);
        if (!normalised.equals(EJML) && !normalised.equals(OPENBLAS)) {
            throw new IllegalArgumentException(BACKEND_PROPERTY + "=" + value
                    + ": unknown backend (expected " + EJML + " or " + OPENBLAS + ")");
        }
        return normalised;
    }

    /**
     * The kernels of the {@link KernelsProvider} named {@code name}, found with
     * {@link ServiceLoader} on the class path.
     *
     * @throws UnsupportedOperationException when no provider of that name is on the class path
     *     (the message lists those that are) or its device is absent (the message carries the
     *     provider's report)
     */
    public static DenseKernels<?> device(String name) {
        KernelsProvider provider = provider(name);
        Optional<DenseKernels<?>> kernels = provider.create();
        if (kernels.isEmpty()) {
            throw new UnsupportedOperationException("device '" + name + "' is not available: " + provider.report());
        }
        return kernels.get();
    }

    /**
     * The provider named {@code name} (without creating kernels, so nothing is opened on the device).
     *
     * @throws UnsupportedOperationException when none of that name is on the class path
     */
    public static KernelsProvider provider(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("device name must not be blank");
        }
        List<String> names = new ArrayList<>();
        for (KernelsProvider provider : ServiceLoader.load(KernelsProvider.class)) {
            if (provider.name().equals(name.trim())) {
                return provider;
            }
            names.add(provider.name());
        }
        throw new UnsupportedOperationException("no kernels provider named '" + name + "' on the class path"
                + (names.isEmpty() ? " (none at all; the device backends live in module manifold-cuda)"
                        : " (found: " + String.join(", ", names) + ")"));
    }
}
