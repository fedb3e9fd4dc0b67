package dev.stiefel.etf;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import dev.stiefel.kernel.MatrixChecks;
import org.ejml.data.DMatrixRMaj;

/**
 * What the three heads share (paper eq. 8, docs/mathematics.md section 3): features normalised to norm
 * {@code tau} and centred by the batch mean (the bias {@code b = -W^T hG}), logits
 * {@code z_i = W^T h~_i + b = W^T (h~_i - hG)}, i.e. {@code Z = Hc W} with features as rows.
 * Subclasses provide {@code W} and what depends on it.
 *
 * <p>The products with {@code W} ({@code Z = Hc W}, {@code dL/dHc = dL/dZ W^T} and the
 * subclasses' {@code dL/dW = Hc^T dL/dZ}) go through the host kernels of {@link Kernels#cpu()}
 * (native OpenBLAS when it loads), on the row-major arrays of the workspaces, which are kept
 * across steps.
 */
abstract class NormalisedLinearHead implements ClassifierHead {

    protected final int dimension;
    protected final int numClasses;
    protected final NormalisedFeatures features;
    /** {@code W}, {@code d x C}. */
    protected final DMatrixRMaj classifier;
    /** Host kernels of the products with {@code W}. */
    protected final DenseKernels<DMatrixRMaj> kernels = Kernels.cpu();

    private final DMatrixRMaj centredGradient = new DMatrixRMaj(1, 1);
    /** A second feature pipeline, so that evaluation leaves the forward/backward pair intact. */
    private final NormalisedFeatures evaluationFeatures;
    private int[] evaluationLabels = new int[0];
    private boolean forwardDone;

    NormalisedLinearHead(int dimension, int numClasses, double tau) {
        if (numClasses < 2) {
            throw new IllegalArgumentException("a classifier head needs at least C = 2 classes, got C = " + numClasses);
        }
        if (dimension < 1) {
            throw new IllegalArgumentException("feature dimension must be >= 1, got d = " + dimension);
        }
        if (!(tau > 0) || !Double.isFinite(tau)) {
            throw new IllegalArgumentException("tau must be finite and > 0, got " + tau);
        }
        this.dimension = dimension;
        this.numClasses = numClasses;
        this.features = new NormalisedFeatures(dimension, numClasses, tau);
        this.evaluationFeatures = new NormalisedFeatures(dimension, numClasses, tau);
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

    /** Feature temperature {@code tau}. */
    public double tau() {
        return features.tau();
    }

    @Override
    public DMatrixRMaj forward(DMatrixRMaj batchFeatures, int[] labels, DMatrixRMaj logitsOut) {
        forwardDone = false;
        DMatrixRMaj centred = features.forward(batchFeatures, labels);
        updateClassifier();
        logitsOut.reshape(centred.numRows, numClasses);
        kernels.gemm(1.0, centred, false, classifier, false, 0.0, logitsOut);
        forwardDone = true;
        return logitsOut;
    }

    @Override
    public DMatrixRMaj backward(DMatrixRMaj logitsGradient, DMatrixRMaj featuresGradientOut) {
        if (!forwardDone) {
            throw new IllegalStateException("backward called without a successful forward");
        }
        MatrixChecks.requireShape(logitsGradient, features.batchSize(), numClasses, "logits gradient");
        MatrixChecks.requireFinite(logitsGradient, "logits gradient");
        centredGradient.reshape(features.batchSize(), dimension);
        kernels.gemm(1.0, logitsGradient, false, classifier, true, 0.0, centredGradient);
        DMatrixRMaj meansGradient = classifierBackward(features.centred(), logitsGradient);
        return features.backward(centredGradient, meansGradient, featuresGradientOut);
    }

    /**
     * Logits with the current classifier, changing no state (for evaluation; not followed by
     * {@link #backward}). The centring uses this batch's mean.
     */
    @Override
    public DMatrixRMaj evaluate(DMatrixRMaj batchFeatures, DMatrixRMaj logitsOut) {
        if (batchFeatures == null) {
            throw new IllegalArgumentException("features: must not be null");
        }
        if (evaluationLabels.length != batchFeatures.numRows) {
            // the labels do not matter for the logits; any valid ones do
            evaluationLabels = new int[batchFeatures.numRows];
        }
        DMatrixRMaj centred = evaluationFeatures.forward(batchFeatures, evaluationLabels);
        logitsOut.reshape(centred.numRows, numClasses);
        kernels.gemm(1.0, centred, false, classifier, false, 0.0, logitsOut);
        return logitsOut;
    }

    /** Sets {@link #classifier} for the batch just normalised (may read {@link #features}). */
    protected abstract void updateClassifier();

    /**
     * Back through the classifier: fills parameter gradients or returns {@code dL/dHbar} for the
     * class means; null when the loss depends on the features only through the logits.
     *
     * @param centred {@code Hc}, the centred normalised features
     * @param logitsGradient {@code dL/dZ}
     */
    protected abstract DMatrixRMaj classifierBackward(DMatrixRMaj centred, DMatrixRMaj logitsGradient);

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
