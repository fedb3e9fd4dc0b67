package dev.stiefel.etf;

import dev.stiefel.kernel.SumsOfSquares;
import dev.stiefel.kernel.MatrixChecks;
import java.util.List;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.QRDecomposition;

/**
 * The "standard" head of the paper's comparisons: a trainable classifier {@code W}
 * ({@code d x C}, column c classifies class c), as the authors' code defines it
 * (docs/mathematics.md section 7, "Heads", names the file):
 * <ul>
 *   <li>logits {@code z_i = W^T h~_i} on the normalised features {@code h~_i = tau h_i/||h_i||},
 *   with no centring and no bias ({@link FeatureCentring#NONE}: a bias-free linear layer);</li>
 *   <li>start: Automatic Gradient Descent's weight initialisation (Bernstein et al. 2023), a
 *   uniformly random semi-orthogonal matrix scaled by {@code sqrt(fan_out/fan_in) = sqrt(C/d)}
 *   ({@link #orthogonalStart}); for {@code d >= C} its columns are orthonormal times
 *   {@code sqrt(C/d)}, so {@code W^T W = (C/d) I};</li>
 *   <li>after every optimiser step the classifier vectors are re-normalised to unit norm
 *   ({@link #afterUpdate()}; the rows of the authors' {@code C x d} weight are our columns).</li>
 * </ul>
 * {@link FeatureCentring#BATCH_MEAN_DIFFERENTIATED} (features centred by the batch mean, as in
 * the ETF heads, so that the three heads differ only in {@code W}) is kept as a named
 * alternative; it departs from the authors' code (docs/mathematics.md section 7).
 *
 * <p>Rows too small to differentiate are refused as in every head ({@link ClassifierHead},
 * docs/mathematics.md section 8). {@link #close()} frees the head's native BLAS buffers.
 */
public final class LearnedLinearHead extends NormalisedLinearHead {

    private final DMatrixRMaj gradient;
    private final List<Parameter> parameters;
    private final double[] columnNorms;

    /**
     * The authors' head: {@link FeatureCentring#NONE}, started by {@link #orthogonalStart} from
     * {@code seed}.
     *
     * @throws IllegalArgumentException on {@code C < 2}, {@code d < 1} or {@code tau <= 0}
     */
    public LearnedLinearHead(int dimension, int numClasses, double tau, long seed) {
        this(dimension, numClasses, tau, seed, FeatureCentring.NONE);
    }

    /**
     * Started by {@link #orthogonalStart} from {@code seed}, with the given centring.
     *
     * @throws IllegalArgumentException on {@code C < 2}, {@code d < 1}, {@code tau <= 0} or a
     *     null centring
     */
    public LearnedLinearHead(int dimension, int numClasses, double tau, long seed, FeatureCentring centring) {
        super(dimension, numClasses, tau, centring);
        orthogonalStart(dimension, numClasses, seed, classifier);
        gradient = new DMatrixRMaj(dimension, numClasses);
        parameters = List.of(new Parameter("classifier", classifier, gradient));
        columnNorms = new double[numClasses];
    }

    /**
     * Starts from the given classifier (copied, then its columns normalised), without centring.
     *
     * @throws IllegalArgumentException on a non-finite entry or {@code tau <= 0}
     * @throws ArithmeticException on a zero column
     */
    public LearnedLinearHead(DMatrixRMaj initialClassifier, double tau) {
        this(initialClassifier, tau, FeatureCentring.NONE);
    }

    /**
     * Starts from the given classifier (copied, then its columns normalised), with the given
     * centring.
     *
     * @throws IllegalArgumentException on a non-finite entry, {@code tau <= 0} or a null centring
     * @throws ArithmeticException on a zero column
     */
    public LearnedLinearHead(DMatrixRMaj initialClassifier, double tau, FeatureCentring centring) {
        super(initialClassifier.numRows, initialClassifier.numCols, tau, centring);
        MatrixChecks.requireFinite(initialClassifier, "initial classifier");
        classifier.setTo(initialClassifier);
        gradient = new DMatrixRMaj(dimension, numClasses);
        parameters = List.of(new Parameter("classifier", classifier, gradient));
        columnNorms = new double[numClasses];
        afterUpdate();
    }

    /**
     * Automatic Gradient Descent's initialisation of a weight that maps d features to C logits
     * (Bernstein et al., "Automatic Gradient Descent", arXiv:2304.05187, 2023; PyTorch's
     * {@code orthogonal_} followed by the factor {@code sqrt(fan_out/fan_in)}): the Q factor of
     * the QR decomposition of a Gaussian matrix, its columns' signs fixed so that R has a
     * non-negative diagonal (which makes it uniformly distributed), times {@code sqrt(C/d)}.
     * For {@code d >= C}, {@code out = sqrt(C/d) Q} with {@code Q^T Q = I_C}; for {@code d < C},
     * {@code out = sqrt(C/d) Q^T} with {@code Q} ({@code C x d}) of orthonormal columns, so that
     * {@code out out^T = (C/d) I_d}. The Gaussian draws come from a {@link SplittableRandom}
     * seeded with {@code seed}.
     *
     * @param out reshaped to {@code d x C} and returned
     * @throws IllegalArgumentException on {@code d < 1} or {@code C < 1}
     */
    public static DMatrixRMaj orthogonalStart(int dimension, int numClasses, long seed, DMatrixRMaj out) {
        if (dimension < 1 || numClasses < 1) {
            throw new IllegalArgumentException("orthogonal start needs d, C >= 1, got d = " + dimension + ", C = "
                    + numClasses);
        }
        SplittableRandom random = new SplittableRandom(seed);
        int rows = Math.max(dimension, numClasses);
        int cols = Math.min(dimension, numClasses);
        DMatrixRMaj gaussian = new DMatrixRMaj(rows, cols);
        for (int index = 0; index < gaussian.data.length; index++) {
            gaussian.data[index] = random.nextGaussian();
        }
        QRDecomposition<DMatrixRMaj> qr = DecompositionFactory_DDRM.qr(rows, cols);
        if (!qr.decompose(gaussian)) {
            throw new ArithmeticException("QR decomposition of the Gaussian start failed");
        }
        DMatrixRMaj q = qr.getQ(null, true);
        DMatrixRMaj r = qr.getR(null, true);
        double scale = Math.sqrt((double) numClasses / dimension);
        out.reshape(dimension, numClasses);
        for (int col = 0; col < cols; col++) {
            double sign = r.get(col, col) < 0 ? -scale : scale;
            for (int row = 0; row < rows; row++) {
                double value = sign * q.get(row, col);
                if (dimension >= numClasses) {
                    out.unsafe_set(row, col, value);
                } else {
                    out.unsafe_set(col, row, value);
                }
            }
        }
        return out;
    }

    @Override
    protected void updateClassifier() {
        // trained by the caller
    }

    /** {@code dL/dW = X^T dL/dZ}; the class means do not enter this head. */
    @Override
    protected DMatrixRMaj classifierBackward(DMatrixRMaj input, DMatrixRMaj logitsGradient) {
        kernels.gemm(1.0, input, true, logitsGradient, false, 0.0, gradient);
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
