package dev.stiefel.etf.djl.data;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Single-channel images of unsigned bytes and their class labels, held in memory (Fashion-MNIST's
 * 60000 training images take 47 MB). Batches are written as normalised floats in the
 * {@code (B, 1, rows, cols)} layout, optionally augmented.
 */
public final class ImageSet {

    private final byte[] pixels;
    private final int[] labels;
    private final int rows;
    private final int cols;
    private final int numClasses;

    /**
     * @param pixels {@code count * rows * cols} unsigned bytes, image after image, row-major
     * @param labels one label per image, in {@code [0, numClasses)}
     * @throws IllegalArgumentException on inconsistent sizes or a label out of range
     */
    public ImageSet(byte[] pixels, int[] labels, int rows, int cols, int numClasses) {
        if (rows < 1 || cols < 1 || numClasses < 2) {
            throw new IllegalArgumentException("images need rows, cols >= 1 and at least 2 classes, got " + rows + "x"
                    + cols + ", " + numClasses + " classes");
        }
        if ((long) labels.length * rows * cols != pixels.length) {
            throw new IllegalArgumentException(labels.length + " labels but " + pixels.length + " pixels for "
                    + rows + "x" + cols + " images");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException("label " + labels[i] + " of image " + i + " is outside [0, "
                        + numClasses + ")");
            }
        }
        this.pixels = pixels;
        this.labels = labels;
        this.rows = rows;
        this.cols = cols;
        this.numClasses = numClasses;
    }

    /**
     * An image file ({@code N x rows x cols}) with its label file ({@code N}).
     *
     * @throws IllegalArgumentException on mismatched counts or shapes, or a label out of range
     */
    public static ImageSet of(IdxFile images, IdxFile labels, int numClasses) {
        if (images.dimensions().length != 3) {
            throw new IllegalArgumentException("image IDX file must have 3 dimensions (N, rows, cols), got "
                    + Arrays.toString(images.dimensions()));
        }
        if (labels.dimensions().length != 1 || labels.count() != images.count()) {
            throw new IllegalArgumentException("label IDX file of dimensions " + Arrays.toString(labels.dimensions())
                    + " does not match " + images.count() + " images");
        }
        int[] classes = new int[labels.count()];
        for (int i = 0; i < classes.length; i++) {
            classes[i] = labels.data()[i] & 0xff;
        }
        return new ImageSet(images.data(), classes, images.dimensions()[1], images.dimensions()[2], numClasses);
    }

    public int size() {
        return labels.length;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    public int numClasses() {
        return numClasses;
    }

    public int label(int index) {
        return labels[index];
    }

    /** The first {@code count} images, copied (Fashion-MNIST's files are in random class order). */
    public ImageSet first(int count) {
        if (count < 1 || count > size()) {
            throw new IllegalArgumentException("cannot take the first " + count + " of " + size() + " images");
        }
        if (count == size()) {
            return this;
        }
        return new ImageSet(Arrays.copyOf(pixels, count * rows * cols), Arrays.copyOf(labels, count), rows, cols,
                numClasses);
    }

    /** Mean and standard deviation of all pixels scaled to {@code [0, 1]} (the training set's, for both sets). */
    public Normalisation normalisation() {
        long sum = 0;
        long sumOfSquares = 0;
        for (byte pixel : pixels) {
            int value = pixel & 0xff;
            sum += value;
            sumOfSquares += (long) value * value;
        }
        double n = pixels.length;
        double mean = sum / n;
        double variance = Math.max(sumOfSquares / n - mean * mean, 0);
        return new Normalisation(mean / 255, Math.sqrt(variance) / 255);
    }

    /**
     * Writes images {@code order[from], ..., order[from + count - 1]} normalised (and augmented)
     * into {@code out} as {@code (count, 1, rows, cols)}, and their labels into {@code labelsOut}.
     *
     * @param random draws of the augmentation; unused when {@code augmentation} is none
     * @throws IllegalArgumentException when the outputs are too small
     */
    public void fill(int[] order, int from, int count, Normalisation normalisation, Augmentation augmentation,
            SplittableRandom random, float[] out, int[] labelsOut) {
        int area = rows * cols;
        if (out.length < count * area || labelsOut.length < count) {
            throw new IllegalArgumentException("batch buffers hold " + out.length + " values and " + labelsOut.length
                    + " labels, need " + count * area + " and " + count);
        }
        float scale = (float) (1 / (255 * normalisation.std()));
        float shift = (float) (normalisation.mean() / normalisation.std());
        for (int b = 0; b < count; b++) {
            int image = order[from + b];
            labelsOut[b] = labels[image];
            int source = image * area;
            int target = b * area;
            int shiftRows = 0;
            int shiftCols = 0;
            boolean flip = false;
            if (!augmentation.isNone()) {
                int padding = augmentation.padding();
                shiftRows = padding == 0 ? 0 : random.nextInt(-padding, padding + 1);
                shiftCols = padding == 0 ? 0 : random.nextInt(-padding, padding + 1);
                flip = augmentation.horizontalFlip() && random.nextBoolean();
            }
            for (int r = 0; r < rows; r++) {
                int sourceRow = r + shiftRows;
                for (int c = 0; c < cols; c++) {
                    int sourceCol = (flip ? cols - 1 - c : c) + shiftCols;
                    int value = sourceRow < 0 || sourceRow >= rows || sourceCol < 0 || sourceCol >= cols ? 0
                            : pixels[source + sourceRow * cols + sourceCol] & 0xff;
                    out[target + r * cols + c] = value * scale - shift;
                }
            }
        }
    }
}
