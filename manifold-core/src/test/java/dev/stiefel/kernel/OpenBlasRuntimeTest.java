package dev.stiefel.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * OpenBLAS's process-wide state lives in {@link OpenBlasRuntime}: the natives load (on
 * linux-x86_64, where the project's tests run, they must), and the thread count is one value
 * for the process, set and read there whatever the number of kernel instances; the decompositions'
 * limit lowers it for a call and restores it.
 */
class OpenBlasRuntimeTest {

    @Test
    void nativesLoadOnLinuxX86() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        if (os.startsWith("linux") && (arch.equals("amd64") || arch.equals("x86_64"))) {
            assertTrue(OpenBlasRuntime.isAvailable(), () -> "OpenBLAS natives: " + OpenBlasRuntime.loadFailure());
            assertNull(OpenBlasRuntime.loadFailure());
        }
        assertEquals(OpenBlasRuntime.isAvailable(), OpenBlasKernels.isAvailable());
    }

    @Test
    @SuppressWarnings("try") // two open kernels are the point: the count they see is one for the process
    void theThreadCountIsOneValueForTheProcess() {
        int before = OpenBlasRuntime.threads();
        try (OpenBlasKernels first = new OpenBlasKernels(); OpenBlasKernels second = new OpenBlasKernels()) {
            OpenBlasRuntime.setThreads(3);
            assertEquals(3, OpenBlasRuntime.threads());
            assertEquals(3, OpenBlasKernels.threads());
            int previous = OpenBlasRuntime.limitThreads(1);
            assertEquals(3, previous);
            assertEquals(1, OpenBlasRuntime.currentThreads());
            OpenBlasRuntime.restoreThreads(previous, 1);
            assertEquals(3, OpenBlasRuntime.currentThreads());
            assertThrows(IllegalArgumentException.class, () -> OpenBlasRuntime.setThreads(0));
        } finally {
            OpenBlasRuntime.setThreads(before);
        }
    }

    /**
     * The default thread count leaves the cores other processes keep busy: on 2 cores with a
     * busy loop beside it, 1 thread (OpenBLAS's own default, every core, took a UFM step from
     * 0.24 s to 8 s there). Either estimate, the load average less this process's share or the
     * short sample, is enough to give up a core.
     */
    @Test
    void theDefaultLeavesTheCoresOtherProcessesKeepBusy() {
        assertEquals(2, OpenBlasRuntime.loadAwareThreads(2, 0.05, 0.0, 0.02), "idle");
        assertEquals(1, OpenBlasRuntime.loadAwareThreads(2, 1.02, 0.01, 0.98), "a busy loop beside it");
        assertEquals(1, OpenBlasRuntime.loadAwareThreads(2, 1.0, 0.0, 0.0), "a steady load the sample missed");
        assertEquals(1, OpenBlasRuntime.loadAwareThreads(2, 0.1, 0.0, 0.97), "a new load the average lags");
        assertEquals(2, OpenBlasRuntime.loadAwareThreads(2, 1.5, 1.4, 0.0), "this process's own share");
        assertEquals(2, OpenBlasRuntime.loadAwareThreads(2, -1.0, 0.0, 0.0), "no load average on this platform");
        assertEquals(1, OpenBlasRuntime.loadAwareThreads(2, 5.0, 0.0, 3.0), "never fewer than one");
        assertEquals(13, OpenBlasRuntime.loadAwareThreads(16, 3.4, 0.2, 2.6), "16 cores, 3 busy");
        assertEquals(2, OpenBlasRuntime.loadAwareThreads(2, 0.49, 0.0, 0.49), "less than half a core is idle");
        assertThrows(IllegalArgumentException.class, () -> OpenBlasRuntime.loadAwareThreads(0, 0, 0, 0));
    }

    /** The default is decided once, within the cores, and a report says what it was judged from. */
    @Test
    void theDefaultIsDecidedOnceAndReported() {
        OpenBlasRuntime.LoadAwareDefault decided = OpenBlasRuntime.loadAwareDefault();
        assertTrue(decided.threads() >= 1 && decided.threads() <= Runtime.getRuntime().availableProcessors(),
                decided::describe);
        assertTrue(decided == OpenBlasRuntime.loadAwareDefault(), "decided once");
        assertTrue(decided.describe().contains("load average"), decided::describe);
        String previous = System.getProperty(OpenBlasRuntime.THREADS_PROPERTY);
        try {
            System.setProperty(OpenBlasRuntime.THREADS_PROPERTY, "1");
            assertEquals("-D" + OpenBlasRuntime.THREADS_PROPERTY, OpenBlasRuntime.threadsSource());
        } finally {
            if (previous == null) {
                System.clearProperty(OpenBlasRuntime.THREADS_PROPERTY);
            } else {
                System.setProperty(OpenBlasRuntime.THREADS_PROPERTY, previous);
            }
        }
    }
}
