package dev.stiefel.etf;

import java.util.List;
import org.ejml.data.DMatrixRMaj;

/**
 * The fixed simplex-ETF head of the paper's comparisons: {@code W = [I_C; 0] Mh} (canonical
 * direction, unit-norm columns), frozen, as the authors' code defines it (docs/mathematics.md
 * section 7, "Heads", names the file):
 * <ul>
 *   <li>logits {@code z_i = W^T (h~_i - hG)} on the normalised features
 *   {@code h~_i = tau h_i/||h_i||}, {@code hG} the batch mean: the bias {@code b = -W^T hG};</li>
 *   <li>the bias is a constant of the backward pass ({@link FeatureCentring#BATCH_MEAN_CONSTANT}):
 *   {@code dL/dh~_i = W dL/dz_i}, with no batch-mean term. The authors assign it to the bias's
 *   data outside the autograd graph.</li>
 * </ul>
 * {@link FeatureCentring#BATCH_MEAN_DIFFERENTIATED} (the gradient also through {@code hG}) is
 * kept as a named alternative; it departs from the authors' code (docs/mathematics.md
 * section 7). No trainable parameters. Rows too small to differentiate are refused as in every
 * head (docs/mathematics.md section 8). {@link #close()} frees the head's native BLAS buffers.
 */
public final class FixedEtfHead extends NormalisedLinearHead {

    /**
     * The authors' head: {@link FeatureCentring#BATCH_MEAN_CONSTANT}.
     *
     * @throws IllegalArgumentException on {@code C < 2}, {@code d < C} or {@code tau <= 0}
     */
    public FixedEtfHead(int dimension, int numClasses, double tau) {
        this(dimension, numClasses, tau, FeatureCentring.BATCH_MEAN_CONSTANT);
    }

    /**
     * With the given centring.
     *
     * @throws IllegalArgumentException on {@code C < 2}, {@code d < C}, {@code tau <= 0} or a
     *     null centring
     */
    public FixedEtfHead(int dimension, int numClasses, double tau, FeatureCentring centring) {
        super(checked(dimension, numClasses), numClasses, tau, centring);
        SimplexEtf.canonical(dimension, numClasses, classifier);
    }

    private static int checked(int dimension, int numClasses) {
        SimplexEtf.requireDimensions(dimension, numClasses);
        return dimension;
    }

    @Override
    protected void updateClassifier() {
        // frozen
    }

    @Override
    protected DMatrixRMaj classifierBackward(DMatrixRMaj input, DMatrixRMaj logitsGradient) {
        return null;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of();
    }
}
