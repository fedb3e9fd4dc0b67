package dev.stiefel.etf.djl.data;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.Dataset;
import ai.djl.translate.Batchifier;
import ai.djl.util.Progress;
import java.nio.FloatBuffer;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;

/**
 * An {@link ImageSet} as a DJL {@link Dataset} of ready-made batches, for {@code EasyTrain.fit}
 * and {@code Trainer.iterateDataset}: every pass ({@link #getData}) visits the images in a fresh
 * random order (or in file order), normalised and augmented as {@link ImageSet#fill} does, in
 * batches of {@code (B, 1, rows, cols)} float32 pixels and {@code (B)} int32 labels; the last
 * incomplete batch is dropped. Each batch owns a sub-manager of the manager the trainer passes,
 * freed when the batch is closed (as {@code EasyTrain} does after each step).
 *
 * <p>The order and the augmentation draw from the given generator, so a run is repeatable from
 * its seed. Not thread-safe: one pass at a time.
 */
public final class ImageBatches implements Dataset {

    private final ImageSet images;
    private final Normalisation normalisation;
    private final Augmentation augmentation;
    private final int batchSize;
    private final boolean shuffle;
    private final SplittableRandom random;
    private final int[] order;
    private final float[] pixels;
    private final int[] labels;

    /**
     * @param batchSize images per batch, at least 1 and at most the set's size
     * @param shuffle whether each pass draws a new random order (else file order)
     * @param random the generator of the order and the augmentation
     * @throws IllegalArgumentException on null arguments or a batch size outside {@code [1, size]}
     */
    public ImageBatches(ImageSet images, Normalisation normalisation, Augmentation augmentation, int batchSize,
            boolean shuffle, SplittableRandom random) {
        if (images == null || normalisation == null || augmentation == null || random == null) {
            throw new IllegalArgumentException("image batches: images, normalisation, augmentation and random must not"
                    + " be null");
        }
        if (batchSize < 1 || batchSize > images.size()) {
            throw new IllegalArgumentException("image batches: batch size must be in [1, " + images.size() + "], got "
                    + batchSize);
        }
        this.images = images;
        this.normalisation = normalisation;
        this.augmentation = augmentation;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.random = random;
        this.order = new int[images.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        this.pixels = new float[batchSize * images.rows() * images.cols()];
        this.labels = new int[batchSize];
    }

    /** Batches per pass (the last incomplete batch is dropped). */
    public int batchesPerPass() {
        return images.size() / batchSize;
    }

    /** Images per batch. */
    public int batchSize() {
        return batchSize;
    }

    /** Nothing to prepare: the images are in memory. */
    @Override
    public void prepare(Progress progress) {
        // in memory already
    }

    /** One pass over the images, shuffled first when this dataset shuffles. */
    @Override
    public Iterable<Batch> getData(NDManager manager) {
        if (shuffle) {
            for (int i = order.length - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int swap = order[i];
                order[i] = order[j];
                order[j] = swap;
            }
        }
        return () -> new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < batchesPerPass();
            }

            @Override
            public Batch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException("no batch left in this pass");
                }
                int index = next++;
                images.fill(order, index * batchSize, batchSize, normalisation, augmentation, random, pixels, labels);
                NDManager scope = manager.newSubManager();
                NDList data = new NDList(scope.create(FloatBuffer.wrap(pixels),
                        new Shape(batchSize, 1, images.rows(), images.cols())));
                NDList classes = new NDList(scope.create(labels.clone()));
                return new Batch(scope, data, classes, batchSize, Batchifier.STACK, Batchifier.STACK, index,
                        batchesPerPass());
            }
        };
    }
}
