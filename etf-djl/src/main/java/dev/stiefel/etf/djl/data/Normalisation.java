package dev.stiefel.etf.djl.data;

/**
 * Per-channel normalisation of pixel values scaled to {@code [0, 1]}:
 * {@code x' = (x / 255 - mean) / std}.
 *
 * @param mean channel mean of the scaled pixels
 * @param std channel standard deviation of the scaled pixels, positive
 */
public record Normalisation(double mean, double std) {

    /**
     * @throws IllegalArgumentException on a non-finite mean or a non-positive standard deviation
     */
    public Normalisation {
        if (!Double.isFinite(mean) || !(std > 0) || !Double.isFinite(std)) {
            throw new IllegalArgumentException("normalisation needs a finite mean and a positive std, got mean " + mean
                    + ", std " + std);
        }
    }
}
