package dev.stiefel.etf;

import dev.stiefel.kernel.SumsOfSquares;
import dev.stiefel.kernel.MatrixChecks;
import java.util.List;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;

/**
 * The "standard" head of the paper's comparisons: a trainable classifier {@code W}
 * ({@code d x C}, column c classifies class c) whose classifier vectors are re-normalised to
 * unit norm after every step ({@link #afterUpdate()}; the paper: "rows re-normalised to unit
 * norm", rows of its {@code C x d} weight, i.e. our columns). Features are normalised to norm
 * {@code tau} and centred by the batch mean as in the ETF heads, so the three heads differ only
 * in {@code W}. No separate bias is trained (docs/mathematics.md section 7: no biases).
 */
public final class LearnedLinearHead extends NormalisedLinearHead {


    private final DMatrixRMaj gradient;
    private final List<Parameter> parameters;
    private final double[] columnNorms;

    /**
     * Starts from standard-normal columns normalised to unit norm, drawn from {@code seed}.
     *
     * @throws IllegalArgumentException on {@code C < 2}, {@code d < 1} or {@code tau <= 0}
     */
    public LearnedLinearHead(int dimension, int numClasses, double tau, long seed) {
        super(dimension, numClasses, tau);
        SplittableRandom random = new SplittableRandom(seed);
        for (int index = 0; index < dimension * numClasses; index++) {
            classifier.data[index] = random.nextGaussian();
        }
        gradient = new DMatrixRMaj(dimension, numClasses);
        parameters = List.of(new Parameter("classifier", classifier, gradient));
        columnNorms = new double[numClasses];
        afterUpdate();
    }

    /**
     * Starts from the given classifier (copied, then its columns normalised).
     *
     * @throws IllegalArgumentException on a non-finite entry or {@code tau <= 0}
     * @throws ArithmeticException on a zero column
     */
    public LearnedLinearHead(DMatrixRMaj initialClassifier, double tau) {
        super(initialClassifier.numRows, initialClassifier.numCols, tau);
        MatrixChecks.requireFinite(initialClassifier, "initial classifier");
        classifier.setTo(initialClassifier);
        gradient = new DMatrixRMaj(dimension, numClasses);
        parameters = List.of(new Parameter("classifier", classifier, gradient));
        columnNorms = new double[numClasses];
        afterUpdate();
    }

    @Override
    protected void updateClassifier() {
        // trained by the caller
    }

    /** {@code dL/dW = Hc^T dL/dZ}; the class means do not enter this head. */
    @Override
    protected DMatrixRMaj classifierBackward(DMatrixRMaj centred, DMatrixRMaj logitsGradient) {
        kernels.gemm(1.0, centred, true, logitsGradient, false, 0.0, gradient);
        return null;
    }

    @Override
    public List<Parameter> parameters() {
        return parameters;
    }

    /**
     * Re-normalises each classifier vector (column of {@code W}) to unit norm. A column whose
     * sum of squares overflows or underflows is scaled by its largest magnitude first (as
     * {@code NormOps_DDRM.normF} does), so every finite nonzero column is normalised.
     *
     * @throws ArithmeticException when a column is zero or not finite (the update diverged)
     */
    @Override
    public void afterUpdate() {
        // row-major W: one pass accumulates the column norms, a second scales
        java.util.Arrays.fill(columnNorms, 0.0);
        double[] data = classifier.data;
        for (int row = 0; row < dimension; row++) {
            int offset = row * numClasses;
            for (int col = 0; col < numClasses; col++) {
                columnNorms[col] += data[offset + col] * data[offset + col];
            }
        }
        for (int col = 0; col < numClasses; col++) {
            double sum = columnNorms[col];
            if (SumsOfSquares.isSafe(sum)) {
                columnNorms[col] = 1.0 / Math.sqrt(sum);
            } else {
                normaliseScaled(col); // also names a zero or non-finite column
                columnNorms[col] = 1.0;
            }
        }
        for (int row = 0; row < dimension; row++) {
            int offset = row * numClasses;
            for (int col = 0; col < numClasses; col++) {
                data[offset + col] *= columnNorms[col];
            }
        }
    }

    /**
     * {@code w / ||w||} as {@code (w / m) / ||w / m||} with {@code m = max |w_i|}: the scaled
     * entries are at most 1 and one of them is 1, so their sum of squares neither overflows nor
     * underflows.
     */
    private void normaliseScaled(int col) {
        double largest = 0;
        for (int row = 0; row < dimension; row++) {
            double value = classifier.unsafe_get(row, col);
            if (!Double.isFinite(value)) {
                throw new ArithmeticException("learned classifier: column " + col + " has entry " + value
                        + " in row " + row + " and cannot be re-normalised");
            }
            largest = Math.max(largest, Math.abs(value));
        }
        if (largest == 0) {
            throw new ArithmeticException("learned classifier: column " + col + " is zero and cannot be re-normalised");
        }
        double sum = 0;
        for (int row = 0; row < dimension; row++) {
            double scaled = classifier.unsafe_get(row, col) / largest;
            sum += scaled * scaled;
        }
        double scaledNorm = Math.sqrt(sum);
        for (int row = 0; row < dimension; row++) {
            classifier.unsafe_set(row, col, classifier.unsafe_get(row, col) / largest / scaledNorm);
        }
    }
}
