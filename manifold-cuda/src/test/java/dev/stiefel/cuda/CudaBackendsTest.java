package dev.stiefel.cuda;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;

/** Runs everywhere: the loader must report, never throw, with or without a GPU. */
class CudaBackendsTest {

    @Test
    void loadReportsEveryBindingItTriedAndNeverThrows(TestReporter reporter) {
        CudaBackends.Loaded loaded = CudaTestSupport.loaded();
        String report = loaded.report();
        // A report entry, not console output: launchers show it beside the test's result.
        reporter.publishEntry("cuda backend", report);
        assertFalse(report.isBlank(), "report");
        assertTrue(report.contains("jcuda"), "the JCuda binding is tried first: " + report);
        if (loaded.binding().isPresent()) {
            assertTrue(report.contains(": loaded, " + loaded.binding().get().name()), report);
        } else {
            assertTrue(report.contains("javacpp"), "the JavaCPP binding is tried next: " + report);
            assertTrue(report.endsWith("no CUDA backend available"), report);
        }
    }

    @Test
    void anUnknownBindingNameIsReportedNotThrown() {
        String previous = System.getProperty(CudaBackends.BINDING_PROPERTY);
        System.setProperty(CudaBackends.BINDING_PROPERTY, "opencl");
        try {
            CudaBackends.Loaded loaded = CudaBackends.load();
            assertFalse(loaded.binding().isPresent());
            assertTrue(loaded.report().contains("opencl"), loaded.report());
        } finally {
            if (previous == null) {
                System.clearProperty(CudaBackends.BINDING_PROPERTY);
            } else {
                System.setProperty(CudaBackends.BINDING_PROPERTY, previous);
            }
        }
    }
}
