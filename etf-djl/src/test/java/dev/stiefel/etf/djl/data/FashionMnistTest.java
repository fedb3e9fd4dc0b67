package dev.stiefel.etf.djl.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The real files of Debian's dataset-fashion-mnist: sizes and the balanced classes. Fails when the
 * files are missing and {@code CI=true}; skipped elsewhere without them.
 */
class FashionMnistTest {

    @Test
    void theDebianFilesHoldSixtyAndTenThousandBalancedImages() throws IOException {
        Path folder = Path.of(FashionMnist.DEFAULT_FOLDER);
        String missing = "Fashion-MNIST not installed in " + folder + " (Debian package " + FashionMnist.DEBIAN_PACKAGE
                + ")";
        // CI installs the package, so there a missing data set is a failure, not a skip
        if ("true".equals(System.getenv("CI"))) {
            assertTrue(FashionMnist.available(folder), missing);
        }
        assumeTrue(FashionMnist.available(folder), missing + "; skipped outside CI");
        FashionMnist data = FashionMnist.load(folder);
        assertEquals(60000, data.train().size());
        assertEquals(10000, data.test().size());
        assertEquals(28, data.train().rows());
        assertEquals(28, data.train().cols());
        int[] counts = new int[FashionMnist.CLASSES];
        for (int i = 0; i < data.train().size(); i++) {
            counts[data.train().label(i)]++;
        }
        for (int count : counts) {
            assertEquals(6000, count);
        }
        Normalisation n = data.train().normalisation();
        // Published per-channel statistics of the training set: mean 0.2860, std 0.3530.
        assertEquals(0.2860, n.mean(), 1e-4);
        assertEquals(0.3530, n.std(), 1e-4);
    }
}
