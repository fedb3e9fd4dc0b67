package dev.stiefel.etf;

import dev.stiefel.kernel.SumsOfSquares;
import dev.stiefel.kernel.MatrixChecks;
import java.util.Arrays;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * The feature side shared by every head (docs/mathematics.md sections 1 and 3), forward and backward:
 * <pre>
 *   h~_i = tau h_i / ||h_i||            (normalisation onto the sphere of radius tau)
 *   hG   = (1/B) sum_i h~_i             (batch mean)
 *   x_i  = h~_i - hG  or  h~_i          (the classifier's input, by the {@link FeatureCentring})
 *   Hbar = [hbar_c - hG]                (centred class means over the classes present)
 * </pre>
 * Features are rows ({@code B x d}); class means are columns ({@code d x C}). Workspaces are
 * reshaped per batch (no allocation once the largest batch has been seen). Not thread-safe.
 *
 * <p><b>Rows too small to differentiate.</b> The normalisation's derivative
 * {@code (tau/||h_i||)(I - u_i u_i^T)} has norm {@code tau/||h_i||}. A pipeline built for a
 * backward pass ({@code differentiable}) refuses, in {@link #forward}, a row for which that
 * number overflows a double (for {@code tau = 5}, {@code ||h_i|| < 2.8e-308}), naming the row,
 * and {@link #backward} refuses to return a gradient row that overflows. An evaluation-only
 * pipeline normalises every finite nonzero row.
 */
final class NormalisedFeatures {

    private final int dimension;
    private final int numClasses;
    private final double tau;
    private final FeatureCentring centring;
    private final boolean differentiable;

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

    /**
     * @param centring what the classifier's input subtracts, and whether the backward pass
     *     differentiates through it
     * @param differentiable whether a {@link #backward} may follow a {@link #forward} (then rows
     *     whose normalisation's derivative overflows are refused)
     */
    NormalisedFeatures(int dimension, int numClasses, double tau, FeatureCentring centring, boolean differentiable) {
        this.dimension = dimension;
        this.numClasses = numClasses;
        this.tau = tau;
        this.centring = centring;
        this.differentiable = differentiable;
        globalMean = new double[dimension];
        classCounts = new int[numClasses];
        columnSum = new double[dimension];
    }

    double tau() {
        return tau;
    }

    FeatureCentring centring() {
        return centring;
    }

    /**
     * Validates the batch and normalises it; centres it when the centring says so.
     *
     * @return the classifier's input, {@code h~_i - hG} or {@code h~_i} by row ({@code B x d},
     *     owned here)
     * @throws IllegalArgumentException on an empty batch, a wrong shape, a non-finite entry or
     *     a bad label
     * @throws ArithmeticException when a feature row is zero (its direction is undefined) or, in
     *     a differentiable pipeline, when a row is so small that {@code tau/||h_i||}, the norm of
     *     the normalisation's derivative, overflows
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
        Arrays.fill(globalMean, 0.0);
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
            if (differentiable) {
                requireDifferentiable(row, scale, scaledNorm);
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
        if (!centring.centres()) {
            return normalised;
        }
        centred.reshape(batchSize, dimension);
        for (int row = 0; row < batchSize; row++) {
            int offset = row * dimension;
            for (int col = 0; col < dimension; col++) {
                centred.data[offset + col] = normalised.data[offset + col] - globalMean[col];
            }
        }
        return centred;
    }

    /**
     * {@code tau/||h_i|| = (tau / ||h_i/s_i||) / s_i} must be a finite double: the backward pass
     * multiplies every gradient row by it.
     */
    private void requireDifferentiable(int row, double scale, double scaledNorm) {
        double derivativeNorm = (tau / scaledNorm) / scale;
        if (!(derivativeNorm <= Double.MAX_VALUE)) {
            throw new ArithmeticException("features: row " + row + " has norm " + (scale * scaledNorm)
                    + ", so the derivative of its normalisation, tau/||h|| = " + tau + "/||h||, overflows a double;"
                    + " no finite feature gradient exists for it (rows of norm below "
                    + (tau / Double.MAX_VALUE) + " cannot be trained at tau = " + tau + ")");
        }
    }

    /** The normalised features {@code h~} of the last batch, {@code B x d}. */
    DMatrixRMaj normalised() {
        return normalised;
    }

    /** The classifier's input of the last batch ({@code h~_i - hG} or {@code h~_i}), {@code B x d}. */
    DMatrixRMaj classifierInput() {
        return centring.centres() ? centred : normalised;
    }

    int batchSize() {
        return batchSize;
    }

    /**
     * Centred class means {@code hbar_c - hG} of the last batch as columns of {@code out}
     * ({@code d x C}); columns of classes absent from the batch are 0 and {@code present[c]}
     * false. {@code hbar_c - hG} is the mean of the centred rows of class c.
     *
     * @throws IllegalStateException when this pipeline does not centre
     */
    DMatrixRMaj centredClassMeans(DMatrixRMaj out, boolean[] present) {
        if (!centring.centres()) {
            throw new IllegalStateException("centred class means need a centring pipeline, this one is " + centring);
        }
        // accumulated as rows of a C x d buffer (contiguous adds), transposed once at the end
        meansByRow.reshape(numClasses, dimension);
        meansByRow.zero();
        Arrays.fill(classCounts, 0);
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
     * Back through centring and normalisation to the raw features, with {@code x_i} the
     * classifier's input:
     * <pre>
     *   g_i  = dL/dx_i
     *        - (1/B) sum_j dL/dx_j                                   (only when hG is differentiated)
     *        + (1/n_{y_i}) dL/dHbar_{y_i} - (1/B) sum_{c present} dL/dHbar_c   (class means, when given)
     *   dL/dh_i = (tau/||h_i||) (g_i - u_i u_i^T g_i),   u_i = h_i/||h_i||   (normalisation)
     * </pre>
     * The class means {@code Hbar = [hbar_c - hG]} always carry the gradient of their centring.
     *
     * @param inputGradient {@code dL/dx}, {@code B x d}
     * @param meansGradient {@code dL/dHbar} ({@code d x C}) or null when the loss does not
     *     depend on the class means through another path
     * @param out reshaped to {@code B x d}; must not alias {@code inputGradient}
     * @throws IllegalStateException when this pipeline was built for evaluation only
     * @throws ArithmeticException naming the row when a gradient row overflows (a row of norm
     *     near the limit of {@link #forward} meeting a large upstream gradient)
     */
    DMatrixRMaj backward(DMatrixRMaj inputGradient, DMatrixRMaj meansGradient, DMatrixRMaj out) {
        if (!differentiable) {
            throw new IllegalStateException("this feature pipeline is for evaluation only; it has no backward pass");
        }
        MatrixChecks.requireShape(inputGradient, batchSize, dimension, "classifier input gradient");
        out.reshape(batchSize, dimension);
        Arrays.fill(columnSum, 0.0);
        if (centring.differentiatesMean()) {
            for (int row = 0; row < batchSize; row++) {
                int offset = row * dimension;
                for (int col = 0; col < dimension; col++) {
                    columnSum[col] += inputGradient.data[offset + col];
                }
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
                    double value = inputGradient.data[offset + col] - columnSum[col] / batchSize
                            + perClass * meansByRow.data[source + col];
                    out.data[offset + col] = value;
                    radial += value * normalised.data[offset + col];
                }
            } else {
                for (int col = 0; col < dimension; col++) {
                    double value = inputGradient.data[offset + col] - columnSum[col] / batchSize;
                    out.data[offset + col] = value;
                    radial += value * normalised.data[offset + col];
                }
            }
            // normalised row = tau u_i, so u_i u_i^T g = normalised (normalised . g) / tau^2
            double factor = (tau / scaledNorms[row]) / scales[row];
            double projection = radial / (tau * tau);
            boolean finite = true;
            for (int col = 0; col < dimension; col++) {
                double value = factor * (out.data[offset + col] - projection * normalised.data[offset + col]);
                out.data[offset + col] = value;
                finite &= Math.abs(value) <= Double.MAX_VALUE;
            }
            if (!finite) {
                throw new ArithmeticException("feature gradient: row " + row + " (norm "
                        + (scales[row] * scaledNorms[row]) + ") is not finite: tau/||h|| = " + factor
                        + " times its upstream gradient overflows a double");
            }
        }
        return out;
    }
}
