package dev.stiefel.cli.fashion;

/**
 * What one epoch of training measured.
 *
 * @param epoch 1-based
 * @param trainSeconds wall time of the epoch's training steps (evaluations excluded)
 * @param trainLoss mean cross-entropy of the epoch's mini-batches, as trained (augmented, model changing)
 * @param trainAccuracy fraction of the epoch's training images classified right as they were trained on
 * @param testLoss mean cross-entropy on the test set (evaluation mode)
 * @param testAccuracy test accuracy (evaluation mode)
 * @param ncAccuracy accuracy of the neural-collapse evaluation on the fixed training subset
 *     (whole-subset centring, no augmentation); NaN when not evaluated this epoch
 * @param nc1 NC1 of the penultimate features of the fixed training subset; NaN when not evaluated
 * @param nc3 NC3 (classifier against class means) on that subset; NaN when not evaluated
 */
public record EpochRecord(int epoch, double trainSeconds, double trainLoss, double trainAccuracy, double testLoss,
        double testAccuracy, double ncAccuracy, double nc1, double nc3) {

    /** Header of the per-run CSV. */
    public static final String CSV_HEADER =
            "epoch,train_seconds,train_loss,train_accuracy,test_loss,test_accuracy,nc_train_accuracy,nc1,nc3";

    /** One CSV row (full double precision, empty cells for NaN). */
    public String toCsv() {
        return epoch + "," + trainSeconds + "," + trainLoss + "," + trainAccuracy + "," + testLoss + ","
                + testAccuracy + "," + cell(ncAccuracy) + "," + cell(nc1) + "," + cell(nc3);
    }

    private static String cell(double value) {
        return Double.isNaN(value) ? "" : Double.toString(value);
    }
}
