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
 * created, and by {@link #threads()}), else the last {@link #setThreads}, else
 * {@code OPENBLAS_NUM_THREADS} (or {@code GOTO_NUM_THREADS}, {@code OMP_NUM_THREADS}, which
 * OpenBLAS also reads) when set, else a load-aware default decided once, when the first
 * instance is created: the cores that other processes leave idle, at least 1
 * ({@link #loadAwareThreads}). OpenBLAS's threads wait for each other by spinning, so when
 * another process keeps a core busy a team of threads that needs that core waits for the
 * scheduler at every synchronisation: on a 2-core machine with one core busy, a UFM training
 * step went from 0.24 s to 8 s with 2 threads, while an idle core left unused costs at most the
 * parallel speed-up. OpenBLAS's own default, every core, is right only on a quiet machine.
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

    /** The load-aware default, once decided; null before. */
    private static volatile LoadAwareDefault loadAwareDefault;

    /** The time constant of the one-minute load average. */
    private static final double LOAD_AVERAGE_MILLIS = 60_000.0;

    /** How long other processes' CPU use is sampled when the default is decided. */
    static final long SAMPLE_MILLIS = 200;

    /**
     * How long the second sample lasts, taken only when the load average says more cores are
     * busy than the first sample saw.
     */
    static final long CONFIRMING_SAMPLE_MILLIS = 1000;

    /** The environment variables OpenBLAS reads its thread count from, in its order. */
    static final java.util.List<String> THREAD_VARIABLES =
            java.util.List.of("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS");

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
     * now, as every new instance applies it), else the last {@link #setThreads}, else the
     * environment's count, else the load-aware default (decided now if not yet). JavaCPP's
     * {@code blas_get_num_threads} only remembers the last count set from Java (-1 before), so
     * an environment count is read as OpenBLAS reads it. Without the natives, what they would
     * run with.
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
        if (property > 0) {
            return property;
        }
        int environment = environmentThreads();
        return environment > 0 ? environment : loadAwareDefault().threads();
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
        if (threads > 0) {
            if (threads != configuredThreads) {
                setThreads(threads);
            }
            return;
        }
        if (configuredThreads == 0 && environmentThreads() == 0) {
            setThreads(loadAwareDefault().threads());
        }
    }

    /**
     * The load-aware default count and what it was judged from.
     *
     * @param threads the count: the cores other processes leave idle, at least 1
     * @param cores available processors
     * @param loadAverage the one-minute system load average at the decision (negative when the
     *     platform has none)
     * @param ownLoad this process's share of the load average: its average CPU use since it
     *     started, in cores, times {@code 1 - exp(-uptime / 60 s)} (the load average weighs the
     *     last minute)
     * @param otherCores other processes' CPU use over the {@value #SAMPLE_MILLIS} ms sample, in cores
     * @param confirmingCores other processes' CPU use over the {@value #CONFIRMING_SAMPLE_MILLIS} ms
     *     second sample, in cores; NaN when the first sample and the load average agreed
     */
    public record LoadAwareDefault(int threads, int cores, double loadAverage, double ownLoad, double otherCores,
            double confirmingCores) {

        /** One line for reports. */
        public String describe() {
            return String.format(java.util.Locale.ROOT,
                    "load-aware default: %d cores, load average %.2f (this process %.2f), other processes %.2f cores%s",
                    cores, loadAverage, ownLoad, otherCores, Double.isNaN(confirmingCores) ? ""
                            : String.format(java.util.Locale.ROOT, " (%.2f over %d ms)", confirmingCores,
                                    CONFIRMING_SAMPLE_MILLIS));
        }
    }

    /**
     * The load-aware default, decided on first use (sampling other processes' CPU use for
     * {@value #SAMPLE_MILLIS} ms) and then kept for the life of the process.
     */
    public static LoadAwareDefault loadAwareDefault() {
        LoadAwareDefault decided = loadAwareDefault;
        if (decided == null) {
            synchronized (OpenBlasRuntime.class) {
                decided = loadAwareDefault;
                if (decided == null) {
                    decided = measureLoadAwareDefault();
                    loadAwareDefault = decided;
                }
            }
        }
        return decided;
    }

    /**
     * The cores other processes leave idle, at least 1: {@code cores - busy}, with {@code busy}
     * judged from two estimates of the cores other processes keep busy, each rounded (half a core
     * or more counts as a busy core): the one-minute load average less this process's share of it
     * ({@code loadAverage - ownLoad}; ignored when the load average is negative, i.e.
     * unavailable), and {@code otherCores}, a short sample of the other processes' CPU use. The
     * load average sees a steady load but lags a change by about a minute in both directions; the
     * sample sees the present but may catch a short burst. When the sample says more, it is taken
     * (a new load, or a burst: erring towards fewer threads is the cheaper error). When the load
     * average says more, it is either a steady load the short sample missed or a load that has
     * ended and whose average still decays; a longer sample, {@code confirmingCores}, tells them
     * apart: {@code busy} is then the larger of the two samples. Without that sample (NaN) the
     * load average counts.
     *
     * @param confirmingCores other processes' CPU use over a longer second sample, in cores, or
     *     NaN when none was taken
     */
    public static int loadAwareThreads(int cores, double loadAverage, double ownLoad, double otherCores,
            double confirmingCores) {
        if (cores < 1) {
            throw new IllegalArgumentException("cores: expected at least 1, got " + cores);
        }
        long averaged = averagedBusyCores(loadAverage, ownLoad);
        long sampled = sampledBusyCores(otherCores);
        long busy;
        if (averaged <= sampled) {
            busy = sampled;
        } else if (Double.isFinite(confirmingCores)) {
            busy = Math.max(sampled, Math.round(confirmingCores));
        } else {
            busy = averaged;
        }
        return (int) Math.max(1, Math.min(cores, cores - Math.max(0, busy)));
    }

    /**
     * Whether {@link #loadAwareThreads} would use a confirming sample: the load average says more
     * busy cores than the first sample.
     */
    static boolean needsConfirmingSample(double loadAverage, double ownLoad, double otherCores) {
        return averagedBusyCores(loadAverage, ownLoad) > sampledBusyCores(otherCores);
    }

    private static long averagedBusyCores(double loadAverage, double ownLoad) {
        return loadAverage >= 0 ? Math.round(loadAverage - Math.max(0.0, ownLoad)) : 0;
    }

    private static long sampledBusyCores(double cores) {
        return Double.isFinite(cores) ? Math.round(cores) : 0;
    }

    private static LoadAwareDefault measureLoadAwareDefault() {
        int cores = Runtime.getRuntime().availableProcessors();
        java.lang.management.OperatingSystemMXBean system = java.lang.management.ManagementFactory
                .getOperatingSystemMXBean();
        double loadAverage = system.getSystemLoadAverage();
        double ownLoad = 0.0;
        double otherCores = 0.0;
        double confirmingCores = Double.NaN;
        if (system instanceof com.sun.management.OperatingSystemMXBean detailed) {
            long uptimeMillis = java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime();
            double ownCores = uptimeMillis > 0 ? detailed.getProcessCpuTime() / (uptimeMillis * 1e6) : 0.0;
            ownLoad = Math.max(0.0, ownCores) * (1.0 - Math.exp(-uptimeMillis / LOAD_AVERAGE_MILLIS));
            // The CPU-load figures are measured between consecutive calls: prime, wait, read.
            otherCores = sampleOtherCores(detailed, cores, SAMPLE_MILLIS);
            if (needsConfirmingSample(loadAverage, ownLoad, otherCores)) {
                confirmingCores = sampleOtherCores(detailed, cores, CONFIRMING_SAMPLE_MILLIS);
            }
        }
        return new LoadAwareDefault(loadAwareThreads(cores, loadAverage, ownLoad, otherCores, confirmingCores), cores,
                loadAverage, ownLoad, otherCores, confirmingCores);
    }

    /** Other processes' CPU use over the next {@code millis} ms, in cores (0 when unknown). */
    private static double sampleOtherCores(com.sun.management.OperatingSystemMXBean system, int cores, long millis) {
        system.getCpuLoad();
        system.getProcessCpuLoad();
        try {
            Thread.sleep(millis);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
        double systemShare = system.getCpuLoad();
        double processShare = system.getProcessCpuLoad();
        return systemShare >= 0 && processShare >= 0 ? Math.max(0.0, systemShare - processShare) * cores : 0.0;
    }

    /**
     * Where the count {@link #threads()} reports comes from, for reports: the property, a
     * {@link #setThreads} call, an environment variable, or the load-aware default and what it
     * was judged from.
     */
    public static String threadsSource() {
        if (positiveIntegerProperty(THREADS_PROPERTY, 0) > 0) {
            return "-D" + THREADS_PROPERTY;
        }
        String variable = environmentVariable();
        if (variable != null) {
            return variable;
        }
        LoadAwareDefault decided = loadAwareDefault;
        if (decided != null && configuredThreads == decided.threads()) {
            return decided.describe();
        }
        return configuredThreads > 0 ? "set by OpenBlasRuntime.setThreads" : "not decided yet";
    }

    /** The count of the first of {@link #THREAD_VARIABLES} that is a positive integer, 0 when none is. */
    static int environmentThreads() {
        String variable = environmentVariable();
        return variable == null ? 0 : Integer.parseInt(System.getenv(variable).trim());
    }

    private static String environmentVariable() {
        for (String name : THREAD_VARIABLES) {
            String value = System.getenv(name);
            if (value != null) {
                try {
                    if (Integer.parseInt(value.trim()) > 0) {
                        return name;
                    }
                } catch (NumberFormatException ignored) {
                    // OpenBLAS ignores an unparsable value too
                }
            }
        }
        return null;
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

    /** OpenBLAS's count at start-up: the environment's when set, else every core. */
    private static int startupThreads() {
        int environment = environmentThreads();
        return environment > 0 ? environment : Runtime.getRuntime().availableProcessors();
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
