package dev.stiefel.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class KernelsTest {

    private String savedProperty;

    @AfterEach
    void restoreProperty() {
        if (savedProperty == null) {
            System.clearProperty(Kernels.BACKEND_PROPERTY);
        } else {
            System.setProperty(Kernels.BACKEND_PROPERTY, savedProperty);
        }
    }

    private void setProperty(String value) {
        savedProperty = System.getProperty(Kernels.BACKEND_PROPERTY);
        System.setProperty(Kernels.BACKEND_PROPERTY, value);
    }

    /**
     * The build ships OpenBLAS natives for linux-x86_64 (the CI platform): there the native
     * backend must load, so that its tests run instead of skipping and the default backend is
     * the native one. Elsewhere the EJML fallback is legitimate and this check does not apply.
     */
    @Test
    void openBlasNativesLoadOnLinuxX86_64() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        Assumptions.assumeTrue(os.startsWith("linux") && Set.of("amd64", "x86_64").contains(arch),
                () -> "not linux-x86_64 (" + os + ", " + arch + "): the EJML fallback is allowed here");
        assertTrue(OpenBlasKernels.isAvailable(),
                () -> "OpenBLAS natives failed to load on linux-x86_64: " + OpenBlasKernels.loadFailure());
        setProperty("auto");
        System.clearProperty(Kernels.BACKEND_PROPERTY);
        try (DenseKernels<?> cpu = Kernels.cpu()) {
            assertEquals("openblas", cpu.name());
        }
    }

    @Test
    void ejmlIsAFreshInstanceEachTime() {
        assertEquals("ejml", Kernels.ejml().name());
        assertEquals(64, Kernels.ejml().precisionBits());
        assertNotSame(Kernels.ejml(), Kernels.ejml());
    }

    @Test
    void propertyForcesEjml() {
        setProperty("ejml");
        assertEquals("ejml", Kernels.cpu().name());
        assertTrue(Kernels.cpuBackendReport().contains("ejml"), Kernels.cpuBackendReport());
    }

    @Test
    void withoutThePropertyOpenBlasIsPreferredWhenItLoads() {
        setProperty("");
        String expected = OpenBlasKernels.isAvailable() ? "openblas" : "ejml";
        assertEquals(expected, Kernels.cpu().name());
        assertTrue(Kernels.cpuBackendReport().startsWith("cpu kernels: " + expected), Kernels.cpuBackendReport());
    }

    @Test
    void propertyForcesOpenBlasOrExplainsWhyNot() {
        setProperty("OpenBLAS");
        if (OpenBlasKernels.isAvailable()) {
            assertEquals("openblas", Kernels.cpu().name());
            assertTrue(Kernels.cpuBackendReport().contains("forced"), Kernels.cpuBackendReport());
        } else {
            UnsupportedOperationException error = assertThrows(UnsupportedOperationException.class, Kernels::cpu);
            assertSame(OpenBlasKernels.loadFailure(), error.getCause());
            assertTrue(Kernels.cpuBackendReport().contains("failed to load"), Kernels.cpuBackendReport());
        }
    }

    /**
     * The report states the thread count OpenBLAS runs with, {@value OpenBlasKernels#THREADS_PROPERTY}
     * included: under {@code -Dstiefel.openblas.threads=1} it says 1, whatever
     * {@code OPENBLAS_NUM_THREADS} and the core count are.
     */
    @Test
    void reportCountsTheThreadsPropertyOpenBlasRunsWith() {
        setProperty("openblas");
        String previous = System.getProperty(OpenBlasKernels.THREADS_PROPERTY);
        int before = OpenBlasKernels.threads();
        // A count that is neither the environment's (surefire sets 1) nor this machine's cores.
        int wanted = Runtime.getRuntime().availableProcessors() + 1;
        try {
            System.setProperty(OpenBlasKernels.THREADS_PROPERTY, Integer.toString(wanted));
            assertTrue(Kernels.cpuBackendReport().contains(", " + wanted + " threads"), Kernels.cpuBackendReport());
            assertEquals(wanted, OpenBlasKernels.threads());
            assertEquals(wanted, org.bytedeco.openblas.global.openblas_nolapack.blas_get_num_threads());
        } finally {
            if (previous == null) {
                System.clearProperty(OpenBlasKernels.THREADS_PROPERTY);
            } else {
                System.setProperty(OpenBlasKernels.THREADS_PROPERTY, previous);
            }
            OpenBlasKernels.setThreads(before);
        }
    }

    @Test
    void unknownBackendIsRejected() {
        setProperty("fortran77");
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, Kernels::cpu);
        assertTrue(error.getMessage().contains("fortran77"), error.getMessage());
        assertTrue(Kernels.cpuBackendReport().contains("fortran77"), Kernels.cpuBackendReport());
    }

    @Test
    void deviceWithoutAnyProviderSaysWhereTheBackendsLive() {
        // manifold-core registers no provider: the device backends come from other modules
        UnsupportedOperationException absent = assertThrows(UnsupportedOperationException.class,
                () -> Kernels.device("cuda"));
        assertTrue(absent.getMessage().contains("no kernels provider named 'cuda'"), absent.getMessage());
        assertTrue(absent.getMessage().contains("manifold-cuda"), absent.getMessage());
    }

    @Test
    void deviceRejectsABlankName() {
        assertThrows(IllegalArgumentException.class, () -> Kernels.device(" "));
        assertThrows(IllegalArgumentException.class, () -> Kernels.device(null));
    }

    @Test
    void forcedOpenBlasWhoseNativesFailedToLoadThrowsTheDocumentedException() {
        UnsatisfiedLinkError failure = new UnsatisfiedLinkError("no jniopenblas in java.library.path");
        UnsupportedOperationException error = assertThrows(UnsupportedOperationException.class,
                () -> Kernels.cpu("openblas", failure));
        assertSame(failure, error.getCause());
        assertTrue(error.getMessage().contains(Kernels.BACKEND_PROPERTY + "=openblas"), error.getMessage());
        assertTrue(error.getMessage().contains("no jniopenblas"), error.getMessage());
        assertEquals("ejml", Kernels.cpu(null, failure).name());
        assertEquals("ejml", Kernels.cpu("ejml", failure).name());
    }
}
