package dev.stiefel.etf;

import java.util.List;
import org.ejml.data.DMatrixRMaj;

/**
 * The fixed simplex-ETF head of the paper's comparisons: {@code W = [I_C; 0] Mh} (canonical
 * direction, unit-norm columns), frozen; features normalised to norm {@code tau} and centred by
 * the batch mean as in every head (paper eq. 8). No trainable parameters.
 */
public final class FixedEtfHead extends NormalisedLinearHead {

    /**
     * @throws IllegalArgumentException on {@code C < 2}, {@code d < C} or {@code tau <= 0}
     */
    public FixedEtfHead(int dimension, int numClasses, double tau) {
        super(checked(dimension, numClasses), numClasses, tau);
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
    protected DMatrixRMaj classifierBackward(DMatrixRMaj centred, DMatrixRMaj logitsGradient) {
        return null;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of();
    }
}
