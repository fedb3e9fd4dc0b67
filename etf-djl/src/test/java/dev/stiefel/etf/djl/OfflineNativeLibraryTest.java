package dev.stiefel.etf.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.util.Utils;
import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * The PyTorch engine runs offline and takes libtorch from the {@code pytorch-native-cpu} jar on
 * the class path: DJL extracts that jar's libraries to its cache folder
 * {@code <cache>/pytorch/<version>-<flavor>-<classifier>}, and the process maps exactly those
 * files (same size as the jar's entries); nothing can have been downloaded because
 * {@code ai.djl.offline} is set.
 */
class OfflineNativeLibraryTest {

    static final String NATIVE_PROPERTIES = "native/lib/pytorch.properties";

    @Test
    @EnabledOnOs(OS.LINUX)
    void libtorchComesFromTheNativeJarOnTheClassPath() throws IOException {
        assertEquals("true", System.getProperty("ai.djl.offline"), "tests must run with -Dai.djl.offline=true");
        assertEquals("PyTorch", Engine.getEngine("PyTorch").getEngineName());

        URL properties = getClass().getClassLoader().getResource(NATIVE_PROPERTIES);
        assertNotNull(properties, NATIVE_PROPERTIES + " is not on the class path: pytorch-native-cpu is missing");
        JarURLConnection connection = (JarURLConnection) properties.openConnection();
        String jarName = Path.of(connection.getJarFileURL().getPath()).getFileName().toString();
        assertTrue(jarName.startsWith("pytorch-native-cpu-") && jarName.endsWith("-linux-x86_64.jar"), jarName);

        Properties platform = new Properties();
        try (InputStream input = properties.openStream()) {
            platform.load(input);
        }
        Path libraryFolder = Utils.getEngineCacheDir("pytorch").resolve(platform.getProperty("version") + "-"
                + platform.getProperty("flavor") + "-" + platform.getProperty("classifier"));

        String mapped = Files.readAllLines(Path.of("/proc/self/maps")).stream()
                .filter(line -> line.endsWith("/libtorch_cpu.so")).map(line -> line.substring(line.indexOf('/')))
                .findFirst().orElseThrow(() -> new AssertionError("libtorch_cpu.so is not loaded"));
        Path loaded = Path.of(mapped);
        assertEquals(libraryFolder.toRealPath(), loaded.getParent().toRealPath(), "libtorch_cpu.so loaded from elsewhere");

        try (JarFile jar = new JarFile(connection.getJarFileURL().getPath())) {
            ZipEntry entry = jar.getEntry("pytorch/" + platform.getProperty("flavor") + "/"
                    + platform.getProperty("classifier") + "/libtorch_cpu.so");
            assertNotNull(entry, "libtorch_cpu.so is not in " + jarName);
            assertEquals(entry.getSize(), Files.size(loaded), "the loaded libtorch_cpu.so is not the jar's");
        }
    }
}
