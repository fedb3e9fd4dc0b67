package dev.stiefel.etf.djl.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.Batch;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * An image set as DJL batches: whole batches only, every image at most once per pass, a new
 * order each pass when shuffling and the file order otherwise, labels and pixels of the same
 * images, repeatable from the generator's seed; each batch's arrays freed with the batch.
 */
class ImageBatchesTest {

    /** Ten 1x1 images whose pixel is the image's index times 20 and whose label is index mod 3. */
    static ImageSet tenImages() {
        byte[] pixels = new byte[10];
        int[] labels = new int[10];
        for (int i = 0; i < 10; i++) {
            pixels[i] = (byte) (20 * i);
            labels[i] = i % 3;
        }
        return new ImageSet(pixels, labels, 1, 1, 3);
    }

    /** The image indices of one pass, read back from the pixels. */
    static List<Integer> pass(ImageBatches batches, NDManager manager, Normalisation normalisation) {
        List<Integer> seen = new ArrayList<>();
        for (Batch batch : batches.getData(manager)) {
            assertEquals(new Shape(3, 1, 1, 1), batch.getData().head().getShape());
            assertEquals(DataType.FLOAT32, batch.getData().head().getDataType());
            float[] pixels = batch.getData().head().toFloatArray();
            int[] labels = batch.getLabels().head().toIntArray();
            for (int k = 0; k < pixels.length; k++) {
                int index = (int) Math.round((pixels[k] * normalisation.std() + normalisation.mean()) * 255 / 20);
                assertEquals(index % 3, labels[k], "the label is that of the image");
                seen.add(index);
            }
            NDManager owner = batch.getManager();
            batch.close();
            assertTrue(!owner.isOpen(), "the batch's arrays are freed with it");
        }
        return seen;
    }

    @Test
    void passesHoldWholeBatchesOfDistinctImagesInAFreshOrder() {
        ImageSet images = tenImages();
        Normalisation normalisation = images.normalisation();
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            ImageBatches shuffled = new ImageBatches(images, normalisation, Augmentation.NONE, 3, true,
                    new SplittableRandom(5));
            assertEquals(3, shuffled.batchesPerPass());
            List<Integer> first = pass(shuffled, manager, normalisation);
            List<Integer> second = pass(shuffled, manager, normalisation);
            assertEquals(9, first.size(), "the last incomplete batch is dropped");
            assertEquals(9, new HashSet<>(first).size(), "no image twice in a pass");
            assertNotEquals(first, second, "each pass draws a new order");
            List<Integer> again = pass(new ImageBatches(images, normalisation, Augmentation.NONE, 3, true,
                    new SplittableRandom(5)), manager, normalisation);
            assertEquals(first, again, "repeatable from the seed");
            List<Integer> ordered = pass(new ImageBatches(images, normalisation, Augmentation.NONE, 3, false,
                    new SplittableRandom(5)), manager, normalisation);
            assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8), ordered);
            Set<Integer> all = new HashSet<>(first);
            assertTrue(all.stream().allMatch(i -> i >= 0 && i < 10));
        }
    }

    @Test
    void aBatchLargerThanTheSetIsRefused() {
        ImageSet images = tenImages();
        assertThrows(IllegalArgumentException.class, () -> new ImageBatches(images, images.normalisation(),
                Augmentation.NONE, 11, true, new SplittableRandom(1)));
    }
}
