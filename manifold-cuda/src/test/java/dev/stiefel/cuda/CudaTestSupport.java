package dev.stiefel.cuda;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * One CUDA binding per test JVM, loaded on first use by {@link CudaBackends#load()}. Tests that
 * need a device call {@link #binding()}, which skips them (JUnit assumption) with the loader's
 * report when no device or binding is present, as on CI.
 */
public final class CudaTestSupport {

    private static CudaBackends.Loaded loaded;

    private CudaTestSupport() {
    }

    /** The loader's outcome, computed once. */
    public static synchronized CudaBackends.Loaded loaded() {
        if (loaded == null) {
            loaded = CudaBackends.load();
        }
        return loaded;
    }

    /** The shared binding, or a skipped test when none loads. */
    public static CudaBinding binding() {
        CudaBackends.Loaded result = loaded();
        assumeTrue(result.binding().isPresent(), () -> "skipped: no CUDA device or binding here\n" + result.report());
        return result.binding().get();
    }
}
