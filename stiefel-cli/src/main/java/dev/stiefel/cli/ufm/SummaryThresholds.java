package dev.stiefel.cli.ufm;

/**
 * What "reached" means in a run summary.
 *
 * @param lossGap relative gap of the cross-entropy to its lower bound, {@code (CE - bound)/bound};
 *     default 0.01 (within 1 %)
 * @param nc1 NC1 threshold; default 0.01
 * @param nc3 NC3 threshold; default 0.05
 */
public record SummaryThresholds(double lossGap, double nc1, double nc3) {

    public static final double DEFAULT_LOSS_GAP = 0.01;
    public static final double DEFAULT_NC1 = 0.01;
    public static final double DEFAULT_NC3 = 0.05;

    /** @throws IllegalArgumentException when a threshold is not positive and finite */
    public SummaryThresholds {
        requirePositive("loss gap", lossGap);
        requirePositive("NC1 threshold", nc1);
        requirePositive("NC3 threshold", nc3);
    }

    public static SummaryThresholds defaults() {
        return new SummaryThresholds(DEFAULT_LOSS_GAP, DEFAULT_NC1, DEFAULT_NC3);
    }

    private static void requirePositive(String name, double value) {
        if (!(value > 0) || !Double.isFinite(value)) {
            throw new IllegalArgumentException(name + " must be positive and finite, got " + value);
        }
    }
}
