package dev.stiefel.kernel;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas;
import org.bytedeco.openblas.presets.openblas_nolapack;

/**
 * OpenBLAS as a process-wide resource: loading its natives (once, through JavaCPP) and its
 * thread count, which OpenBLAS keeps in one global for the whole process, whatever the number of
 * {@link OpenBlasKernels} instances. The kernels hold per-instance workspaces and call here for
 * anything global.
 *
 * <p>The thread count: {@value #THREADS_PROPERTY} when set (applied whenever an instance is
 * created, and by {@link #threads()}), else the last {@link #setThreads}, else what OpenBLAS
 * started with ({@code OPENBLAS_NUM_THREADS}, else every core).
 */
public final class OpenBlasRuntime {

    /** System property with OpenBLAS's thread count, applied when an instance is created. */
    public static final String THREADS_PROPERTY = "stiefel.openblas.threads";

    /**
     * System property: the most OpenBLAS threads the eigen and singular value decompositions
     * use (see {@link OpenBlasKernels#decompositionThreads(int)}); unset means the process-wide
     * count.
     */
    public static final String DECOMPOSITION_THREADS_PROPERTY = "stiefel.openblas.decompositionThreads";

    private static final Throwable LOAD_FAILURE = loadNatives();

    /** The last count set through {@link #setThreads}, 0 before. */
    private static volatile int configuredThreads;

    private OpenBlasRuntime() {
    }

    private static Throwable loadNatives() {
        try {
            Loader.load(openblas.class);
            return null;
        } catch (LinkageError | RuntimeException failure) {
            return failure;
        }
    }

    /** True when the natives loaded, so that {@link OpenBlasKernels} can be created. */
    public static boolean isAvailable() {
        return LOAD_FAILURE == null;
    }

    /** Why the natives did not load, or null when they did. */
    public static Throwable loadFailure() {
        return LOAD_FAILURE;
    }

    /**
     * Throws {@link UnsupportedOperationException}, with the loading error as its cause, unless
     * the natives loaded.
     */
    static void requireLoaded() {
        if (LOAD_FAILURE != null) {
            throw new UnsupportedOperationException("OpenBLAS natives failed to load: " + LOAD_FAILURE, LOAD_FAILURE);
        }
    }

    /**
     * The number of threads OpenBLAS runs with: {@value #THREADS_PROPERTY} when set (applied
     * now, as every new instance applies it), else the last {@link #setThreads}, else what
     * OpenBLAS started with ({@code OPENBLAS_NUM_THREADS}, else the cores). JavaCPP's
     * {@code blas_get_num_threads} only remembers the last count set from Java (-1 before), so
     * the start-up count is read as OpenBLAS reads it. Without the natives, what they would
     * start with.
     *
     * @throws IllegalArgumentException when {@value #THREADS_PROPERTY} is set to anything but a
     *     positive integer
     */
    public static int threads() {
        if (LOAD_FAILURE == null) {
            applyThreadProperty();
            return currentThreads();
        }
        int property = positiveIntegerProperty(THREADS_PROPERTY, 0);
        return property > 0 ? property : startupThreads();
    }

    /**
     * Sets OpenBLAS's number of threads for the whole process.
     *
     * @throws IllegalArgumentException when {@code threads < 1}
     * @throws UnsupportedOperationException when the natives did not load
     */
    public static void setThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads: expected at least 1, got " + threads);
        }
        requireLoaded();
        openblas_nolapack.blas_set_num_threads(threads);
        configuredThreads = threads;
    }

    /**
     * Applies {@value #THREADS_PROPERTY} when set: OpenBLAS's busy-waiting threads slow down by
     * an order of magnitude when the cores are oversubscribed, so shared machines want 1.
     */
    static void applyThreadProperty() {
        int threads = positiveIntegerProperty(THREADS_PROPERTY, 0);
        if (threads > 0 && threads != configuredThreads) {
            setThreads(threads);
        }
    }

    /** The count OpenBLAS runs with now: the last one set from Java, else the start-up count. */
    static int currentThreads() {
        int set = openblas_nolapack.blas_get_num_threads();
        return set > 0 ? set : startupThreads();
    }

    /**
     * Lowers the process-wide count to {@code limit} for the duration of one call (the
     * decompositions); returns the count to pass to {@link #restoreThreads}.
     */
    static int limitThreads(int limit) {
        int current = currentThreads();
        if (current > limit) {
            openblas_nolapack.blas_set_num_threads(limit);
        }
        return current;
    }

    /** Undoes {@link #limitThreads}. */
    static void restoreThreads(int previous, int limit) {
        if (previous > limit) {
            openblas_nolapack.blas_set_num_threads(previous);
        }
    }

    /** OpenBLAS's count at start-up: {@code OPENBLAS_NUM_THREADS} when a positive integer, else the cores. */
    private static int startupThreads() {
        String environment = System.getenv("OPENBLAS_NUM_THREADS");
        if (environment != null) {
            try {
                int threads = Integer.parseInt(environment.trim());
                if (threads > 0) {
                    return threads;
                }
            } catch (NumberFormatException ignored) {
                // OpenBLAS itself ignores an unparsable value and uses every core.
            }
        }
        return Runtime.getRuntime().availableProcessors();
    }

    /** A property that must be a positive integer when set; {@code unset} when it is not. */
    static int positiveIntegerProperty(String name, int unset) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank()) {
            return unset;
        }
        try {
            int parsed = Integer.parseInt(value.trim());
            if (parsed >= 1) {
                return parsed;
            }
        } catch (NumberFormatException notANumber) {
            throw new IllegalArgumentException(name + "=" + value + ": expected a positive integer", notANumber);
        }
        throw new IllegalArgumentException(name + "=" + value + ": expected a positive integer (a number of threads)");
    }
}
