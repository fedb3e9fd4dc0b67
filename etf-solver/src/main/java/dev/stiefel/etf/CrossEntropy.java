package dev.stiefel.etf;

import dev.stiefel.kernel.MatrixChecks;
import org.ejml.data.DMatrixRMaj;

/**
 * Mean softmax cross-entropy over a batch of logits (rows), and its gradient.
 *
 * <p>{@code L = (1/B) sum_i [logsumexp(z_i) - z_{i, y_i}]},
 * {@code dL/dz_i = (softmax(z_i) - e_{y_i}) / B}. The log-sum-exp subtracts the row maximum
 * first, so large logits neither overflow nor lose the small terms.
 */
public final class CrossEntropy {

    private CrossEntropy() {
    }

    /**
     * Mean cross-entropy of the rows of {@code logits} ({@code B x C}) against {@code labels}.
     *
     * @throws IllegalArgumentException on an empty batch, a label count other than B, a label
     *     outside {@code [0, C)} or a non-finite logit
     */
    public static double loss(DMatrixRMaj logits, int[] labels) {
        validate(logits, labels);
        final int numClasses = logits.numCols;
        double total = 0;
        for (int row = 0; row < logits.numRows; row++) {
            int offset = row * numClasses;
            total += rowLoss(logits.data, offset, numClasses, labels[row]);
        }
        return total / logits.numRows;
    }

    /**
     * Mean cross-entropy and its gradient {@code dL/dlogits} in one pass.
     *
     * @param gradientOut reshaped to {@code B x C}; must not alias {@code logits}
     * @return the mean loss
     */
    public static double lossAndGradient(DMatrixRMaj logits, int[] labels, DMatrixRMaj gradientOut) {
        validate(logits, labels);
        if (gradientOut == logits) {
            throw new IllegalArgumentException("gradientOut must not alias logits");
        }
        final int batch = logits.numRows;
        final int numClasses = logits.numCols;
        gradientOut.reshape(batch, numClasses);
        double total = 0;
        double[] z = logits.data;
        double[] gradient = gradientOut.data;
        for (int row = 0; row < batch; row++) {
            int offset = row * numClasses;
            double max = Double.NEGATIVE_INFINITY;
            for (int col = 0; col < numClasses; col++) {
                max = Math.max(max, z[offset + col]);
            }
            // one exponential per logit: exp(z - max) is kept and later divided by its sum,
            // which is softmax(z) as exp(z - logsumexp(z)) would be, to rounding
            double sum = 0;
            for (int col = 0; col < numClasses; col++) {
                double shifted = Math.exp(z[offset + col] - max);
                gradient[offset + col] = shifted;
                sum += shifted;
            }
            total += max + Math.log(sum) - z[offset + labels[row]];
            double factor = 1.0 / (sum * batch);
            for (int col = 0; col < numClasses; col++) {
                gradient[offset + col] *= factor;
            }
            gradient[offset + labels[row]] -= 1.0 / batch;
        }
        return total / batch;
    }

    /**
     * Validates labels for a batch of {@code batch} rows and {@code numClasses} classes.
     *
     * @throws IllegalArgumentException naming the first bad label
     */
    static void requireLabels(int[] labels, int batch, int numClasses) {
        if (labels == null) {
            throw new IllegalArgumentException("labels: must not be null");
        }
        if (labels.length != batch) {
            throw new IllegalArgumentException("labels: expected " + batch + " labels (one per row), got "
                    + labels.length);
        }
        for (int index = 0; index < batch; index++) {
            if (labels[index] < 0 || labels[index] >= numClasses) {
                throw new IllegalArgumentException("labels: label " + labels[index] + " at index " + index
                        + " is outside [0, " + numClasses + ")");
            }
        }
    }

    private static void validate(DMatrixRMaj logits, int[] labels) {
        if (logits == null) {
            throw new IllegalArgumentException("logits: must not be null");
        }
        if (logits.numRows == 0 || logits.numCols == 0) {
            throw new IllegalArgumentException("logits: empty batch " + logits.numRows + " x " + logits.numCols);
        }
        MatrixChecks.requireFinite(logits, "logits");
        requireLabels(labels, logits.numRows, logits.numCols);
    }

    /**
     * Cross-entropy {@code logsumexp(z) - z_label} of one row {@code z} of {@code numClasses}
     * logits starting at {@code offset}, for callers that stream over their own rows and have
     * validated them (finite logits, label in range): nothing is checked here.
     */
    public static double rowLoss(double[] logits, int offset, int numClasses, int label) {
        return logSumExp(logits, offset, numClasses) - logits[offset + label];
    }

    private static double logSumExp(double[] data, int offset, int length) {
        double max = Double.NEGATIVE_INFINITY;
        for (int index = 0; index < length; index++) {
            max = Math.max(max, data[offset + index]);
        }
        double sum = 0;
        for (int index = 0; index < length; index++) {
            sum += Math.exp(data[offset + index] - max);
        }
        return max + Math.log(sum);
    }

    /**
     * {@link #loss(DMatrixRMaj, int[])} on plain arrays: the rows of {@code logits} are the batch.
     *
     * @param logits {@code B x C}, rectangular
     * @param labels B labels in {@code [0, C)}
     * @return the mean loss
     * @throws IllegalArgumentException as the matrix form, or for ragged rows
     */
    public static double loss(double[][] logits, int[] labels) {
        return loss(rowsToMatrix(logits), labels);
    }

    /**
     * {@link #lossAndGradient(DMatrixRMaj, int[], DMatrixRMaj)} on plain arrays, for trainers
     * that hold their batches as {@code double[][]}.
     *
     * @param logits {@code B x C}, rectangular
     * @param labels B labels in {@code [0, C)}
     * @param gradientOut {@code B x C}, receives {@code dL/dlogits}; must not be {@code logits}
     * @return the mean loss
     * @throws IllegalArgumentException as the matrix form, for ragged rows or a gradient of
     *     another shape
     */
    public static double lossAndGradient(double[][] logits, int[] labels, double[][] gradientOut) {
        if (gradientOut == logits) {
            throw new IllegalArgumentException("gradientOut must not alias logits");
        }
        DMatrixRMaj z = rowsToMatrix(logits);
        if (gradientOut == null || gradientOut.length != z.numRows) {
            throw new IllegalArgumentException("gradientOut must have " + z.numRows + " rows, one per logit row");
        }
        DMatrixRMaj gradient = new DMatrixRMaj(z.numRows, z.numCols);
        double loss = lossAndGradient(z, labels, gradient);
        for (int row = 0; row < z.numRows; row++) {
            if (gradientOut[row] == null || gradientOut[row].length != z.numCols) {
                throw new IllegalArgumentException("gradientOut row " + row + " must have " + z.numCols + " entries");
            }
            System.arraycopy(gradient.data, row * z.numCols, gradientOut[row], 0, z.numCols);
        }
        return loss;
    }

    private static DMatrixRMaj rowsToMatrix(double[][] rows) {
        if (rows == null || rows.length == 0 || rows[0] == null) {
            throw new IllegalArgumentException("logits must have at least one row");
        }
        int columns = rows[0].length;
        DMatrixRMaj matrix = new DMatrixRMaj(rows.length, columns);
        for (int row = 0; row < rows.length; row++) {
            if (rows[row] == null || rows[row].length != columns) {
                throw new IllegalArgumentException("logits row " + row + " has "
                        + (rows[row] == null ? "no" : rows[row].length) + " entries, row 0 has " + columns);
            }
            System.arraycopy(rows[row], 0, matrix.data, row * columns, columns);
        }
        return matrix;
    }
}
