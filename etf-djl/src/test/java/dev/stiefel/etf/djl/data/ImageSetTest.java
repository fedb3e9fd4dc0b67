package dev.stiefel.etf.djl.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileNotFoundException;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Normalisation, batch layout and augmentation of in-memory images; the missing-files error. */
class ImageSetTest {

    static final double EXACT_F32 = 1e-6;

    /** Two 2x3 images: the first 0..5 (times 51), the second constant 255. */
    static ImageSet twoImages() {
        byte[] pixels = new byte[12];
        for (int k = 0; k < 6; k++) {
            pixels[k] = (byte) (51 * k);
            pixels[6 + k] = (byte) 255;
        }
        return new ImageSet(pixels, new int[] {1, 0}, 2, 3, 2);
    }

    @Test
    void normalisationIsTheMeanAndStdOfThePixelsScaledToOne() {
        Normalisation n = twoImages().normalisation();
        double[] values = {0, 0.2, 0.4, 0.6, 0.8, 1, 1, 1, 1, 1, 1, 1};
        double mean = 0;
        for (double v : values) {
            mean += v / values.length;
        }
        double variance = 0;
        for (double v : values) {
            variance += (v - mean) * (v - mean) / values.length;
        }
        assertEquals(mean, n.mean(), 1e-12);
        assertEquals(Math.sqrt(variance), n.std(), 1e-12);
    }

    @Test
    void fillWritesNormalisedImagesInTheRequestedOrder() {
        ImageSet images = twoImages();
        Normalisation n = new Normalisation(0.5, 0.25);
        float[] out = new float[12];
        int[] labels = new int[2];
        images.fill(new int[] {1, 0}, 0, 2, n, Augmentation.NONE, new SplittableRandom(1), out, labels);
        assertArrayEquals(new int[] {0, 1}, labels);
        for (int k = 0; k < 6; k++) {
            assertEquals((1 - 0.5) / 0.25, out[k], EXACT_F32);
            assertEquals((0.2 * k - 0.5) / 0.25, out[6 + k], EXACT_F32);
        }
    }

    @Test
    void augmentationShiftsWithinThePaddingAndFlipsHorizontally() {
        ImageSet images = twoImages();
        Normalisation identity = new Normalisation(0, 1.0 / 255);
        float[] out = new float[6];
        int[] labels = new int[1];
        SplittableRandom random = new SplittableRandom(5);
        boolean sawFlip = false;
        boolean sawShift = false;
        for (int draw = 0; draw < 200; draw++) {
            images.fill(new int[] {0}, 0, 1, identity, new Augmentation(1, true), random, out, labels);
            boolean matched = false;
            for (int flip = 0; flip < 2 && !matched; flip++) {
                for (int dr = -1; dr <= 1 && !matched; dr++) {
                    for (int dc = -1; dc <= 1 && !matched; dc++) {
                        if (matches(out, flip == 1, dr, dc)) {
                            matched = true;
                            sawFlip |= flip == 1 && dr == 0 && dc == 0;
                            sawShift |= flip == 0 && (dr != 0 || dc != 0);
                        }
                    }
                }
            }
            assertTrue(matched, "draw " + draw + " is no flip and shift of the image");
        }
        assertTrue(sawFlip && sawShift, "200 draws never flipped or never shifted");
    }

    /** Whether {@code out} is the first image (value 51 k at k = 3 r + c) shifted by (dr, dc), flipped first. */
    static boolean matches(float[] out, boolean flip, int dr, int dc) {
        for (int r = 0; r < 2; r++) {
            for (int c = 0; c < 3; c++) {
                int sr = r + dr;
                int sc = (flip ? 2 - c : c) + dc;
                double expected = sr < 0 || sr >= 2 || sc < 0 || sc >= 3 ? 0 : 51 * (3 * sr + sc);
                if (Math.abs(out[3 * r + c] - expected) > 1e-3) {
                    return false;
                }
            }
        }
        return true;
    }

    @Test
    void inconsistentSizesAndLabelsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ImageSet(new byte[5], new int[] {0}, 2, 3, 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ImageSet(new byte[6], new int[] {2}, 2, 3, 2));
        assertTrue(e.getMessage().contains("label 2"), e.getMessage());
    }

    @Test
    void missingFilesNameTheDebianPackage(@TempDir Path empty) {
        FileNotFoundException e = assertThrows(FileNotFoundException.class, () -> FashionMnist.load(empty));
        assertTrue(e.getMessage().contains("dataset-fashion-mnist"), e.getMessage());
        assertTrue(e.getMessage().contains("train-images-idx3-ubyte.gz"), e.getMessage());
    }
}
