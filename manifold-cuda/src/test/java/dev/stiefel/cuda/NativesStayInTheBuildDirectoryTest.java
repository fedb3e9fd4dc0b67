package dev.stiefel.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import jcuda.JCudaVersion;
import jcuda.LibUtils;
import org.junit.jupiter.api.Test;

/**
 * Runs everywhere: JCuda unpacks its natives into {@code java.io.tmpdir} and leaves them there
 * (they may be mapped by a running process), so the module's tests point {@code java.io.tmpdir}
 * at the build directory ({@code target/}), which {@code mvn clean} removes, so that no
 * {@code libJCudaRuntime-12.6.0-linux-x86_64.so} is left in the machine's {@code /tmp}. Loading is
 * attempted even without a device, and unpacking comes before the device query.
 */
class NativesStayInTheBuildDirectoryTest {

    @Test
    void jcudaUnpacksItsNativesUnderTarget() {
        Path build = Path.of("target").toAbsolutePath().normalize();
        Path temporary = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().normalize();
        assertTrue(temporary.startsWith(build), () -> "java.io.tmpdir " + temporary + " is outside " + build);
        CudaTestSupport.loaded();
        String runtime = LibUtils.createLibraryFileName(LibUtils.createPlatformLibraryName(
                "JCudaRuntime-" + JCudaVersion.get()));
        assertTrue(Files.isRegularFile(temporary.resolve(runtime)),
                () -> runtime + " unpacked into " + temporary + "\n" + CudaTestSupport.loaded().report());
    }
}
