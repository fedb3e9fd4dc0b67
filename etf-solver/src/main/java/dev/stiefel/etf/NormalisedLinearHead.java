package dev.stiefel.etf;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import dev.stiefel.kernel.MatrixChecks;
import org.ejml.data.DMatrixRMaj;

/**
 * What the three heads share (paper eq. 8, docs/mathematics.md section 3): features normalised
 * to norm {@code tau}, optionally centred by the batch mean ({@link FeatureCentring}), then
 * multiplied by the classifier: {@code Z = X W} with {@code X} the rows {@code x_i = h~_i - hG}
 * (or {@code h~_i}). Subclasses provide {@code W} and what depends on it.
 *
 * <p>The products with {@code W} ({@code Z = X W}, {@code dL/dX = dL/dZ W^T} and the
 * subclasses' {@code dL/dW = X^T dL/dZ}) go through host kernels of {@link Kernels#cpu()}
 * (native OpenBLAS when it loads), on the row-major arrays of the workspaces, which are kept
 * across steps. The head owns those kernels and frees their native buffers in {@link #close()}.
 *
 * <p>Rows too small to differentiate: {@link #forward} refuses a feature row whose
 * normalisation has a derivative of norm {@code tau/||h_i||} beyond the largest double, naming
 * the row ({@link ArithmeticException}); {@link #backward} refuses a gradient row that
 * overflows. {@link #evaluate} has no backward pass and normalises every finite nonzero row.
 */
abstract class NormalisedLinearHead implements ClassifierHead {

    protected final int dimension;
    protected final int numClasses;
    protected final NormalisedFeatures features;
    /** {@code W}, {@code d x C}. */
    protected final DMatrixRMaj classifier;
    /** Host kernels of the products with {@code W}, owned by the head. */
    protected final DenseKernels<DMatrixRMaj> kernels = Kernels.cpu();

    private final DMatrixRMaj inputGradient = new DMatrixRMaj(1, 1);
    /** A second feature pipeline, so that evaluation leaves the forward/backward pair intact. */
    private final NormalisedFeatures evaluationFeatures;
    private int[] evaluationLabels = new int[0];
    private boolean forwardDone;
    private boolean closed;

    NormalisedLinearHead(int dimension, int numClasses, double tau, FeatureCentring centring) {
        if (numClasses < 2) {
            throw new IllegalArgumentException("a classifier head needs at least C = 2 classes, got C = " + numClasses);
        }
        if (dimension < 1) {
            throw new IllegalArgumentException("feature dimension must be >= 1, got d = " + dimension);
        }
        if (!(tau > 0) || !Double.isFinite(tau)) {
            throw new IllegalArgumentException("tau must be finite and > 0, got " + tau);
        }
        if (centring == null) {
            throw new IllegalArgumentException("feature centring must not be null");
        }
        this.dimension = dimension;
        this.numClasses = numClasses;
        this.features = new NormalisedFeatures(dimension, numClasses, tau, centring, true);
        this.evaluationFeatures = new NormalisedFeatures(dimension, numClasses, tau, centring, false);
        this.classifier = new DMatrixRMaj(dimension, numClasses);
    }

    @Override
    public int numClasses() {
        return numClasses;
    }

    @Override
    public int featureDimension() {
        return dimension;
    }

    @Override
    public DMatrixRMaj classifier() {
        return classifier;
    }

    @Override
    public FeatureCentring featureCentring() {
        return features.centring();
    }

    /** Feature temperature {@code tau}. */
    public double tau() {
        return features.tau();
    }

    @Override
    public DMatrixRMaj forward(DMatrixRMaj batchFeatures, int[] labels, DMatrixRMaj logitsOut) {
        requireOpen();
        forwardDone = false;
        DMatrixRMaj input = features.forward(batchFeatures, labels);
        updateClassifier();
        logitsOut.reshape(input.numRows, numClasses);
        kernels.gemm(1.0, input, false, classifier, false, 0.0, logitsOut);
        forwardDone = true;
        return logitsOut;
    }

    @Override
    public DMatrixRMaj backward(DMatrixRMaj logitsGradient, DMatrixRMaj featuresGradientOut) {
        requireOpen();
        if (!forwardDone) {
            throw new IllegalStateException("backward called without a successful forward");
        }
        MatrixChecks.requireShape(logitsGradient, features.batchSize(), numClasses, "logits gradient");
        MatrixChecks.requireFinite(logitsGradient, "logits gradient");
        inputGradient.reshape(features.batchSize(), dimension);
        kernels.gemm(1.0, logitsGradient, false, classifier, true, 0.0, inputGradient);
        DMatrixRMaj meansGradient = classifierBackward(features.classifierInput(), logitsGradient);
        return features.backward(inputGradient, meansGradient, featuresGradientOut);
    }

    /**
     * Logits with the current classifier, changing no state (for evaluation; not followed by
     * {@link #backward}). A centring head centres by this batch's mean.
     */
    @Override
    public DMatrixRMaj evaluate(DMatrixRMaj batchFeatures, DMatrixRMaj logitsOut) {
        requireOpen();
        if (batchFeatures == null) {
            throw new IllegalArgumentException("features: must not be null");
        }
        if (evaluationLabels.length != batchFeatures.numRows) {
            // the labels do not matter for the logits; any valid ones do
            evaluationLabels = new int[batchFeatures.numRows];
        }
        DMatrixRMaj input = evaluationFeatures.forward(batchFeatures, evaluationLabels);
        logitsOut.reshape(input.numRows, numClasses);
        kernels.gemm(1.0, input, false, classifier, false, 0.0, logitsOut);
        return logitsOut;
    }

    /**
     * Frees the native buffers of the head's kernels (and, in subclasses, whatever else the head
     * owns). Closing twice is harmless; {@link #forward}, {@link #backward} and {@link #evaluate}
     * throw {@link IllegalStateException} afterwards.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        forwardDone = false;
        kernels.close();
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException(getClass().getSimpleName() + " was closed (its native buffers are freed)");
        }
    }

    /** Sets {@link #classifier} for the batch just normalised (may read {@link #features}). */
    protected abstract void updateClassifier();

    /**
     * Back through the classifier: fills parameter gradients or returns {@code dL/dHbar} for the
     * class means; null when the loss depends on the features only through the logits.
     *
     * @param input {@code X}, the classifier's input (centred or not)
     * @param logitsGradient {@code dL/dZ}
     */
    protected abstract DMatrixRMaj classifierBackward(DMatrixRMaj input, DMatrixRMaj logitsGradient);

    /** {@code out = scale * a Mc} (rows centred), host. */
    static DMatrixRMaj centreRows(DMatrixRMaj a, double scale, DMatrixRMaj out) {
        out.reshape(a.numRows, a.numCols);
        int cols = a.numCols;
        for (int row = 0; row < a.numRows; row++) {
            int offset = row * cols;
            double sum = 0;
            for (int col = 0; col < cols; col++) {
                sum += a.data[offset + col];
            }
            double mean = sum / cols;
            for (int col = 0; col < cols; col++) {
                out.data[offset + col] = scale * (a.data[offset + col] - mean);
            }
        }
        return out;
    }
}
