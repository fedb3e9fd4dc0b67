package dev.stiefel.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The {@code META-INF/services} registration: {@link Kernels#device(String)} finds {@code "cuda"}
 * and {@code "cuda-f32"} on this module's class path, and either returns kernels of the right
 * precision (with a device) or fails with the loader's report (without one).
 */
class CudaKernelsProviderTest {

    @ParameterizedTest
    @CsvSource({"cuda, 64", "cuda-f32, 32"})
    void providersAreRegisteredAndGiveTheirPrecisionOrTheLoaderReport(String name, int bits) throws Exception {
        assertEquals(name, Kernels.provider(name).name());
        if (CudaTestSupport.loaded().binding().isPresent()) {
            DenseKernels<?> kernels = Kernels.device(name);
            assertEquals(bits, kernels.precisionBits());
            assertTrue(kernels instanceof CudaKernels);
            ((CudaKernels) kernels).close();
        } else {
            UnsupportedOperationException absent = assertThrows(UnsupportedOperationException.class,
                    () -> Kernels.device(name));
            assertTrue(absent.getMessage().contains("device '" + name + "' is not available"), absent.getMessage());
            assertTrue(absent.getMessage().contains("no CUDA backend available"), absent.getMessage());
        }
    }

    @Test
    void unknownDeviceNamesTheProvidersThatExist() {
        UnsupportedOperationException unknown = assertThrows(UnsupportedOperationException.class,
                () -> Kernels.device("tpu"));
        assertTrue(unknown.getMessage().contains("no kernels provider named 'tpu'"), unknown.getMessage());
        assertTrue(unknown.getMessage().contains("cuda-f32"), unknown.getMessage());
    }
}
