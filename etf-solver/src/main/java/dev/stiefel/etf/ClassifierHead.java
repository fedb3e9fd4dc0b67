package dev.stiefel.etf;

import java.util.List;
import org.ejml.data.DMatrixRMaj;

/**
 * A classifier head a JVM trainer calls once per step: features in, logits out, and the
 * gradient back to the features. Features are rows ({@code B x d}), logits are {@code B x C}.
 *
 * <p>Call order per training step: {@link #forward}, then (for training) {@link #backward}
 * with {@code dL/dlogits} of the same batch; {@code backward} also fills the gradients of
 * the head's own trainable {@link #parameters()} (empty for the ETF heads).
 * Heads keep workspaces and state across steps and are not thread-safe.
 *
 * <p>The logits are {@code z_i = W^T x_i} with {@code x_i} the normalised feature
 * {@code h~_i = tau h_i / ||h_i||}, centred or not by the batch mean as
 * {@link #featureCentring()} says (docs/mathematics.md section 3).
 *
 * <p>A head that owns native or device memory (the library's heads own native BLAS buffers;
 * the implicit head also its solver's state) frees it in {@link #close()}; a head is then
 * unusable.
 */
public interface ClassifierHead extends AutoCloseable {

    /** Number of classes C. */
    int numClasses();

    /** Feature dimension d. */
    int featureDimension();

    /**
     * Logits of a batch. The labels are needed by heads whose classifier depends on the batch
     * (the implicit ETF head uses the class means); others ignore them.
     *
     * @param features batch features, {@code B x d}, finite
     * @param labels class of each row, in {@code [0, C)}
     * @param logitsOut reshaped to {@code B x C} and returned
     */
    DMatrixRMaj forward(DMatrixRMaj features, int[] labels, DMatrixRMaj logitsOut);

    /**
     * Gradient of the loss with respect to the features of the last {@link #forward} batch.
     *
     * @param logitsGradient {@code dL/dlogits}, {@code B x C}
     * @param featuresGradientOut reshaped to {@code B x d} and returned
     */
    DMatrixRMaj backward(DMatrixRMaj logitsGradient, DMatrixRMaj featuresGradientOut);

    /** Trainable parameters with their gradients from the last {@link #backward}; may be empty. */
    List<Parameter> parameters();

    /** Called by the trainer after it updated {@link #parameters()} (e.g. to re-normalise rows). */
    default void afterUpdate() {
    }

    /** The current classifier {@code W}, {@code d x C} (column c classifies class c). */
    DMatrixRMaj classifier();

    /**
     * What the logits subtract from the normalised features, and whether the backward pass
     * differentiates through it: {@code z_i = W^T h~_i} ({@link FeatureCentring#NONE}) or
     * {@code z_i = W^T (h~_i - hG)} with the batch mean {@code hG}. Evaluation on a whole data
     * set (the neural-collapse metrics) centres by that set's mean exactly when this says so.
     */
    FeatureCentring featureCentring();

    /**
     * Frees what the head owns beyond the Java heap (native BLAS buffers, device memory).
     * Closing twice is harmless; the head must not be used afterwards. The default has nothing
     * to free.
     */
    @Override
    default void close() {
    }

    /**
     * Logits of a batch with the current classifier, changing no state (for evaluation, e.g.
     * metrics over the whole data set between steps); not to be followed by {@link #backward}.
     *
     * @param features {@code B x d}, finite
     * @param logitsOut reshaped to {@code B x C} and returned
     * @throws UnsupportedOperationException when the head has no state-free evaluation
     */
    default DMatrixRMaj evaluate(DMatrixRMaj features, DMatrixRMaj logitsOut) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no state-free evaluation");
    }

    /**
     * Plain-array {@link #forward} for trainers without EJML: {@code features[i]} is row i.
     * Allocates its result.
     *
     * @return logits, {@code B x C}
     */
    default double[][] forward(double[][] features, int[] labels) {
        DMatrixRMaj logits = forward(fromRows(features, "features"), labels, new DMatrixRMaj(1, 1));
        return toArray(logits);
    }

    /**
     * Plain-array {@link #backward}. Allocates its result.
     *
     * @return {@code dL/dfeatures}, {@code B x d}
     */
    default double[][] backward(double[][] logitsGradient) {
        DMatrixRMaj gradient = backward(fromRows(logitsGradient, "logits gradient"), new DMatrixRMaj(1, 1));
        return toArray(gradient);
    }

    private static DMatrixRMaj fromRows(double[][] rows, String name) {
        if (rows == null || rows.length == 0) {
            throw new IllegalArgumentException(name + ": must have at least one row");
        }
        for (int row = 0; row < rows.length; row++) {
            if (rows[row] == null || rows[row].length != rows[0].length) {
                throw new IllegalArgumentException(name + ": row " + row + " is missing or not of length "
                        + rows[0].length);
            }
        }
        return new DMatrixRMaj(rows);
    }

    private static double[][] toArray(DMatrixRMaj matrix) {
        double[][] rows = new double[matrix.numRows][matrix.numCols];
        for (int row = 0; row < matrix.numRows; row++) {
            System.arraycopy(matrix.data, row * matrix.numCols, rows[row], 0, matrix.numCols);
        }
        return rows;
    }

    /** A trainable tensor and its gradient, both owned by the head. */
    record Parameter(String name, DMatrixRMaj value, DMatrixRMaj gradient) {
    }
}
