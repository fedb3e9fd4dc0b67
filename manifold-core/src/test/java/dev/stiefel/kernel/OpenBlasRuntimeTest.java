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
        assertEquals(2, OpenBlasRuntime.loadAwareThreads(2, 0.05, 0.0, 0.02, Double.NaN), "idle");
        assertEquals(1, OpenBlasRuntime.loadAwareThreads(2, 1.02, 0.01, 0.98, Double.NaN), "a busy loop beside it");
        assertEquals(1, OpenBlasRuntime.loadAwareThreads(2, 1.0, 0.0, 0.0, Double.NaN), "a steady load the sample missed");
        assertEquals(1, OpenBlasRuntime.loadAwareThreads(2, 0.1, 0.0, 0.97, Double.NaN), "a new load the average lags");
        assertEquals(2, OpenBlasRuntime.loadAwareThreads(2, 1.5, 1.4, 0.0, Double.NaN), "this process's own share");
        assertEquals(2, OpenBlasRuntime.loadAwareThreads(2, -1.0, 0.0, 0.0, Double.NaN), "no load average on this platform");
        assertEquals(1, OpenBlasRuntime.loadAwareThreads(2, 5.0, 0.0, 3.0, Double.NaN), "never fewer than one");
        assertEquals(13, OpenBlasRuntime.loadAwareThreads(16, 3.4, 0.2, 2.6, Double.NaN), "16 cores, 3 busy");
        assertEquals(2, OpenBlasRuntime.loadAwareThreads(2, 0.49, 0.0, 0.49, Double.NaN), "less than half a core is idle");
        assertThrows(IllegalArgumentException.class, () -> OpenBlasRuntime.loadAwareThreads(0, 0, 0, 0, Double.NaN));
    }

    /**
     * When the load average says more busy cores than the short sample, a longer sample decides:
     * a load that has ended (its average still decaying, 1.03 forty seconds after two busy loops
     * stopped) gives the cores back, a steady load the short sample missed keeps them taken.
     */
    @Test
    void aLongerSampleTellsAnEndedLoadFromOneTheShortSampleMissed() {
        assertTrue(OpenBlasRuntime.needsConfirmingSample(1.03, 0.01, 0.05));
        assertEquals(2, OpenBlasRuntime.loadAwareThreads(2, 1.03, 0.01, 0.05, 0.04), "the load has ended");
        assertEquals(1, OpenBlasRuntime.loadAwareThreads(2, 1.03, 0.01, 0.05, 0.96), "a steady load, missed");
        assertEquals(1, OpenBlasRuntime.loadAwareThreads(2, 1.03, 0.01, 0.05, Double.NaN), "no second sample");
        assertTrue(!OpenBlasRuntime.needsConfirmingSample(1.02, 0.01, 0.98), "the two agree");
        assertTrue(!OpenBlasRuntime.needsConfirmingSample(0.1, 0.0, 0.97), "the sample says more");
        assertEquals(1, OpenBlasRuntime.loadAwareThreads(2, 0.1, 0.0, 0.97, 0.02),
                "a confirming sample never overrides a first sample that saw more");
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
