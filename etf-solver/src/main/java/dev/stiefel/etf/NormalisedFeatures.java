package dev.stiefel.etf;

import dev.stiefel.kernel.SumsOfSquares;
import dev.stiefel.kernel.MatrixChecks;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * The feature side shared by every head (docs/mathematics.md sections 1 and 3), forward and backward:
 * <pre>
 *   h~_i = tau h_i / ||h_i||            (normalisation onto the sphere of radius tau)
 *   hG   = (1/B) sum_i h~_i             (batch mean; the bias b = -W^T hG centres the features)
 *   hc_i = h~_i - hG                    (so that logits z_i = W^T h~_i + b = W^T hc_i)
 *   Hbar = [hbar_c - hG]                (centred class means over the classes present)
 * </pre>
 * Features are rows ({@code B x d}); class means are columns ({@code d x C}). Workspaces are
 * reshaped per batch (no allocation once the largest batch has been seen). Not thread-safe.
 */
final class NormalisedFeatures {

    private final int dimension;
    private final int numClasses;
    private final double tau;

    private final DMatrixRMaj normalised = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj centred = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj meansByRow = new DMatrixRMaj(1, 1);
    private final double[] globalMean;
    /**
     * {@code s_i = max_j |h_ij|} and {@code ||h_i / s_i||}: {@code ||h_i|| = s_i ||h_i / s_i||},
     * kept as the pair because the product may overflow or be subnormal.
     */
    private double[] scales = new double[0];
    private double[] scaledNorms = new double[0];
    private int[] labels = new int[0];
    private int batchSize;
    private final int[] classCounts;
    private final double[] columnSum;

    NormalisedFeatures(int dimension, int numClasses, double tau) {
        this.dimension = dimension;
        this.numClasses = numClasses;
        this.tau = tau;
        globalMean = new double[dimension];
        classCounts = new int[numClasses];
        columnSum = new double[dimension];
    }

    double tau() {
        return tau;
    }

    /**
     * Validates the batch, normalises and centres it.
     *
     * @return the centred normalised features {@code hc} ({@code B x d}, owned here)
     * @throws IllegalArgumentException on an empty batch, a wrong shape, a non-finite entry or
     *     a bad label
     * @throws ArithmeticException when a feature row is zero (its direction is undefined)
     */
    DMatrixRMaj forward(DMatrixRMaj features, int[] batchLabels) {
        if (features == null) {
            throw new IllegalArgumentException("features: must not be null");
        }
        if (features.numRows == 0) {
            throw new IllegalArgumentException("features: empty batch (0 rows)");
        }
        MatrixChecks.requireShape(features, features.numRows, dimension, "features");
        CrossEntropy.requireLabels(batchLabels, features.numRows, numClasses);
        batchSize = features.numRows;
        if (scales.length < batchSize) {
            scales = new double[batchSize];
            scaledNorms = new double[batchSize];
            labels = new int[batchSize];
        }
        System.arraycopy(batchLabels, 0, labels, 0, batchSize);
        normalised.reshape(batchSize, dimension);
        centred.reshape(batchSize, dimension);
        java.util.Arrays.fill(globalMean, 0.0);
        for (int row = 0; row < batchSize; row++) {
            int offset = row * dimension;
            // one pass of plain squares where their sum neither overflows nor comes near
            // underflow; otherwise the row is scaled by its largest entry first. A NaN or an
            // infinity makes the sum unsafe, so finiteness is checked on that path only.
            double sumOfSquares = SumsOfSquares.of(features.data, offset, dimension);
            double scale = 1.0;
            double scaledNorm;
            if (SumsOfSquares.isSafe(sumOfSquares)) {
                scaledNorm = Math.sqrt(sumOfSquares);
            } else {
                MatrixChecks.requireFiniteRow(features, row, "features");
                scale = SumsOfSquares.largestMagnitude(features.data, offset, dimension);
                if (!(scale > 0)) {
                    throw new ArithmeticException("features: row " + row + " is zero; it cannot be normalised");
                }
                scaledNorm = SumsOfSquares.scaledNorm(features.data, offset, dimension, scale);
            }
            scales[row] = scale;
            scaledNorms[row] = scaledNorm;
            double factor = tau / scaledNorm;
            if (scale == 1.0) {
                for (int col = 0; col < dimension; col++) {
                    double value = factor * features.data[offset + col];
                    normalised.data[offset + col] = value;
                    globalMean[col] += value;
                }
            } else {
                for (int col = 0; col < dimension; col++) {
                    double value = factor * (features.data[offset + col] / scale);
                    normalised.data[offset + col] = value;
                    globalMean[col] += value;
                }
            }
        }
        for (int col = 0; col < dimension; col++) {
            globalMean[col] /= batchSize;
        }
        for (int row = 0; row < batchSize; row++) {
            int offset = row * dimension;
            for (int col = 0; col < dimension; col++) {
                centred.data[offset + col] = normalised.data[offset + col] - globalMean[col];
            }
        }
        return centred;
    }

    /** The normalised features {@code h~} of the last batch, {@code B x d}. */
    DMatrixRMaj normalised() {
        return normalised;
    }

    /** The centred normalised features of the last batch, {@code B x d}. */
    DMatrixRMaj centred() {
        return centred;
    }

    int batchSize() {
        return batchSize;
    }

    /**
     * Centred class means {@code hbar_c - hG} of the last batch as columns of {@code out}
     * ({@code d x C}); columns of classes absent from the batch are 0 and {@code present[c]}
     * false. {@code hbar_c - hG} is the mean of the centred rows of class c.
     */
    DMatrixRMaj centredClassMeans(DMatrixRMaj out, boolean[] present) {
        // accumulated as rows of a C x d buffer (contiguous adds), transposed once at the end
        meansByRow.reshape(numClasses, dimension);
        meansByRow.zero();
        java.util.Arrays.fill(classCounts, 0);
        for (int row = 0; row < batchSize; row++) {
            int label = labels[row];
            classCounts[label]++;
            int offset = row * dimension;
            int target = label * dimension;
            for (int col = 0; col < dimension; col++) {
                meansByRow.data[target + col] += centred.data[offset + col];
            }
        }
        for (int label = 0; label < numClasses; label++) {
            present[label] = classCounts[label] > 0;
            if (present[label]) {
                double inverse = 1.0 / classCounts[label];
                int target = label * dimension;
                for (int col = 0; col < dimension; col++) {
                    meansByRow.data[target + col] *= inverse;
                }
            }
        }
        out.reshape(dimension, numClasses);
        CommonOps_DDRM.transpose(meansByRow, out);
        return out;
    }

    /**
     * Back through centring and normalisation to the raw features:
     * <pre>
     *   g_i  = dL/dhc_i - (1/B) sum_j dL/dhc_j                          (centring by hG)
     *        + (1/n_{y_i}) dL/dHbar_{y_i} - (1/B) sum_{c present} dL/dHbar_c   (class means)
     *   dL/dh_i = (tau/||h_i||) (g_i - u_i u_i^T g_i),   u_i = h_i/||h_i||   (normalisation)
     * </pre>
     *
     * @param centredGradient {@code dL/dhc}, {@code B x d}
     * @param meansGradient {@code dL/dHbar} ({@code d x C}) or null when the loss does not
     *     depend on the class means through another path
     * @param out reshaped to {@code B x d}; must not alias {@code centredGradient}
     */
    DMatrixRMaj backward(DMatrixRMaj centredGradient, DMatrixRMaj meansGradient, DMatrixRMaj out) {
        MatrixChecks.requireShape(centredGradient, batchSize, dimension, "centred features gradient");
        out.reshape(batchSize, dimension);
        java.util.Arrays.fill(columnSum, 0.0);
        for (int row = 0; row < batchSize; row++) {
            int offset = row * dimension;
            for (int col = 0; col < dimension; col++) {
                columnSum[col] += centredGradient.data[offset + col];
            }
        }
        if (meansGradient != null) {
            MatrixChecks.requireShape(meansGradient, dimension, numClasses, "class means gradient");
            // rows of the C x d transpose are the per-class gradients, read contiguously below
            meansByRow.reshape(numClasses, dimension);
            CommonOps_DDRM.transpose(meansGradient, meansByRow);
            for (int label = 0; label < numClasses; label++) {
                if (classCounts[label] > 0) {
                    int source = label * dimension;
                    // hG enters every centred mean with weight -1/B per row: collected with the centring term
                    for (int col = 0; col < dimension; col++) {
                        columnSum[col] += meansByRow.data[source + col];
                    }
                }
            }
        }
        for (int row = 0; row < batchSize; row++) {
            int offset = row * dimension;
            int label = labels[row];
            double radial = 0;
            if (meansGradient != null) {
                double perClass = 1.0 / classCounts[label];
                int source = label * dimension;
                for (int col = 0; col < dimension; col++) {
                    double value = centredGradient.data[offset + col] - columnSum[col] / batchSize
                            + perClass * meansByRow.data[source + col];
                    out.data[offset + col] = value;
                    radial += value * normalised.data[offset + col];
                }
            } else {
                for (int col = 0; col < dimension; col++) {
                    double value = centredGradient.data[offset + col] - columnSum[col] / batchSize;
                    out.data[offset + col] = value;
                    radial += value * normalised.data[offset + col];
                }
            }
            // normalised row = tau u_i, so u_i u_i^T g = normalised (normalised . g) / tau^2
            double factor = (tau / scaledNorms[row]) / scales[row];
            double projection = radial / (tau * tau);
            for (int col = 0; col < dimension; col++) {
                out.data[offset + col] = factor * (out.data[offset + col] - projection * normalised.data[offset + col]);
            }
        }
        return out;
    }
}
