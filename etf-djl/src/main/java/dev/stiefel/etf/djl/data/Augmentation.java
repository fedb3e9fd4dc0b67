package dev.stiefel.etf.djl.data;

/**
 * Light training augmentation: a random crop of the image padded by {@code padding} pixels of
 * value 0 on every side (a shift by up to {@code padding} pixels each way), then a horizontal
 * flip with probability 1/2 when {@code horizontalFlip}.
 *
 * @param padding non-negative; 0 turns the crop off
 * @param horizontalFlip whether to flip at random
 */
public record Augmentation(int padding, boolean horizontalFlip) {

    /** No augmentation. */
    public static final Augmentation NONE = new Augmentation(0, false);

    /**
     * @throws IllegalArgumentException on a negative padding
     */
    public Augmentation {
        if (padding < 0) {
            throw new IllegalArgumentException("augmentation padding must be >= 0, got " + padding);
        }
    }

    public boolean isNone() {
        return padding == 0 && !horizontalFlip;
    }
}
