package dev.stiefel.etf;

import dev.stiefel.testkit.TestMatrices;
import org.ejml.data.DMatrixRMaj;

/** Finite-difference checks of a head's backward pass with the mean cross-entropy as the loss. */
final class HeadChecks {

    /** Five-point stencil step: its error is O(h^4), about 1e-12 here. */
    static final double STENCIL_STEP = 1e-3;

    private HeadChecks() {
    }

    /** Loss of one forward pass from a freshly reset head. */
    static double loss(ClassifierHead head, Runnable reset, DMatrixRMaj features, int[] labels) {
        reset.run();
        DMatrixRMaj logits = head.forward(features, labels, new DMatrixRMaj(1, 1));
        return CrossEntropy.loss(logits, labels);
    }

    /** {@code dL/dfeatures} by the head's backward pass after a reset and one forward. */
    static DMatrixRMaj analyticFeaturesGradient(ClassifierHead head, Runnable reset, DMatrixRMaj features,
            int[] labels) {
        reset.run();
        DMatrixRMaj logits = head.forward(features, labels, new DMatrixRMaj(1, 1));
        DMatrixRMaj logitsGradient = new DMatrixRMaj(1, 1);
        CrossEntropy.lossAndGradient(logits, labels, logitsGradient);
        return head.backward(logitsGradient, new DMatrixRMaj(1, 1));
    }

    /** {@code dL/dfeatures} by the five-point stencil, each evaluation from a reset head. */
    static DMatrixRMaj numericFeaturesGradient(ClassifierHead head, Runnable reset, DMatrixRMaj features,
            int[] labels) {
        DMatrixRMaj perturbed = features.copy();
        DMatrixRMaj numeric = new DMatrixRMaj(features.numRows, features.numCols);
        for (int index = 0; index < features.getNumElements(); index++) {
            final int entry = index;
            numeric.data[entry] = TestMatrices.fivePoint(step -> {
                perturbed.data[entry] = features.data[entry] + step;
                double value = loss(head, reset, perturbed, labels);
                perturbed.data[entry] = features.data[entry];
                return value;
            }, STENCIL_STEP);
        }
        return numeric;
    }

    /**
     * Features on a perfect ETF configuration: row i is {@code scale_i * classifier column y_i}
     * with random positive scales (the normalisation removes them).
     */
    static DMatrixRMaj etfFeatures(DMatrixRMaj classifier, int[] labels, java.util.SplittableRandom random) {
        DMatrixRMaj features = new DMatrixRMaj(labels.length, classifier.numRows);
        for (int row = 0; row < labels.length; row++) {
            double scale = 0.5 + 3 * random.nextDouble();
            for (int col = 0; col < classifier.numRows; col++) {
                features.set(row, col, scale * classifier.get(col, labels[row]));
            }
        }
        return features;
    }
}
