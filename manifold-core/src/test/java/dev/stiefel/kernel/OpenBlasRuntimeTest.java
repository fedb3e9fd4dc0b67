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
}
