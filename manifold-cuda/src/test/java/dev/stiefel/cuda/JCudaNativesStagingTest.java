package dev.stiefel.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import jcuda.JCudaVersion;
import jcuda.LibUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs everywhere (touches no native code): the JCusolver 11.7.0 native is staged under the
 * name JCuda 12.6.0's loader asks for, byte for byte, in {@code java.io.tmpdir}.
 */
class JCudaNativesStagingTest {

    @Test
    void theShippedNativeIsStagedUnderTheNameTheLoaderExpects(@TempDir Path temporary) throws Exception {
        String previous = System.getProperty("java.io.tmpdir");
        System.setProperty("java.io.tmpdir", temporary.toString());
        try {
            JCudaBinding.stageJCusolverNatives();
        } finally {
            System.setProperty("java.io.tmpdir", previous);
        }
        String expected = LibUtils.createLibraryFileName(LibUtils.createPlatformLibraryName("JCusolver-" + JCudaVersion.get()));
        String shipped = LibUtils.createLibraryFileName(
                LibUtils.createPlatformLibraryName("JCusolver-" + JCudaBinding.JCUSOLVER_VERSION));
        Path staged = temporary.resolve(expected);
        assertTrue(Files.exists(staged), "staged " + staged);
        try (InputStream in = JCudaBinding.class.getResourceAsStream("/lib/" + shipped)) {
            assertNotNull(in, "the jcusolver-natives jar ships " + shipped);
            assertArrayEquals(in.readAllBytes(), Files.readAllBytes(staged), "staged bytes are the shipped native");
        }
        try (var listing = Files.list(temporary)) {
            assertTrue(listing.allMatch(path -> path.equals(staged)), "no partial files left behind");
        }
    }
}
