package dev.stiefel.etf.train;

import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;

/**
 * An unconstrained feature model (Mixon, Parshall, Pi 2020; the paper's Section 4): the
 * features are free parameters, one d-vector per sample, stored as the rows of an
 * {@code N x d} matrix; the labels are balanced, {@code N / C} samples per class.
 *
 * <p>Sample {@code i} has label {@code i mod C}; the features start standard normal, drawn
 * row by row from a {@link SplittableRandom} seeded with the given seed, so a seed fixes the
 * start exactly. The feature matrix is owned by the model and updated in place by the trainer.
 */
public final class UnconstrainedFeatureModel {

    private final int numClasses;
    private final DMatrixRMaj features;
    private final int[] labels;

    private UnconstrainedFeatureModel(int numClasses, DMatrixRMaj features, int[] labels) {
        this.numClasses = numClasses;
        this.features = features;
        this.labels = labels;
    }

    /**
     * A model with standard-normal features.
     *
     * @param numClasses C >= 2
     * @param numSamples N, a positive multiple of C (balanced labels)
     * @param featureDimension d >= 1
     * @param seed seed of the standard-normal start
     * @throws IllegalArgumentException for {@code C < 2}, {@code d < 1}, or N not a positive multiple of C
     */
    public static UnconstrainedFeatureModel standardNormal(int numClasses, int numSamples,
            int featureDimension, long seed) {
        return normal(numClasses, numSamples, featureDimension, seed, 1.0);
    }

    /**
     * A model with normal features of standard deviation {@code std}: the same draws as
     * {@link #standardNormal(int, int, int, long)}, scaled. With {@code std = 1/sqrt(d)} the
     * rows have norm about 1, the scale AGD's own orthogonal initialisation gives a weight
     * of shape N x d ({@code sqrt(N/d)} times an orthonormal frame): AGD's steps are fixed in
     * relative size, so this scale decides how far the normalised features can turn per step.
     *
     * @param std standard deviation, finite and positive
     * @throws IllegalArgumentException for an invalid shape or std
     */
    public static UnconstrainedFeatureModel normal(int numClasses, int numSamples,
            int featureDimension, long seed, double std) {
        validateShape(numClasses, numSamples, featureDimension);
        if (!(std > 0) || Double.isInfinite(std)) {
            throw new IllegalArgumentException("initial feature std must be finite and positive, got " + std);
        }
        DMatrixRMaj features = new DMatrixRMaj(numSamples, featureDimension);
        GaussianSource gaussian = new GaussianSource(new SplittableRandom(seed));
        double[] data = features.data;
        for (int k = 0; k < data.length; k++) {
            data[k] = std * gaussian.next();
        }
        return new UnconstrainedFeatureModel(numClasses, features, balancedLabels(numClasses, numSamples));
    }

    /** A model with the shape of a paper preset and standard-normal features. */
    public static UnconstrainedFeatureModel standardNormal(UfmPreset preset, long seed) {
        return standardNormal(preset.numClasses(), preset.numSamples(), preset.featureDimension(), seed);
    }

    /**
     * A model holding the given features (copied) with balanced labels {@code i mod C};
     * for tests and for resuming from saved features.
     *
     * @throws IllegalArgumentException when the shape is invalid or an entry is not finite
     */
    public static UnconstrainedFeatureModel ofFeatures(int numClasses, DMatrixRMaj features) {
        validateShape(numClasses, features.numRows, features.numCols);
        for (int k = 0; k < features.getNumElements(); k++) {
            if (!Double.isFinite(features.data[k])) {
                throw new IllegalArgumentException("features contain a non-finite entry at row "
                        + (k / features.numCols) + ", column " + (k % features.numCols));
            }
        }
        return new UnconstrainedFeatureModel(numClasses, features.copy(),
                balancedLabels(numClasses, features.numRows));
    }

    /**
     * Checks C >= 2, d >= 1 and that N is a positive multiple of C.
     *
     * @throws IllegalArgumentException naming the offending value
     */
    public static void validateShape(int numClasses, int numSamples, int featureDimension) {
        if (numClasses < 2) {
            throw new IllegalArgumentException("number of classes C must be at least 2, got " + numClasses);
        }
        if (featureDimension < 1) {
            throw new IllegalArgumentException("feature dimension d must be positive, got " + featureDimension);
        }
        if (numSamples < numClasses || numSamples % numClasses != 0) {
            throw new IllegalArgumentException("number of samples N = " + numSamples
                    + " must be a positive multiple of the number of classes C = " + numClasses
                    + " (balanced labels)");
        }
    }

    private static int[] balancedLabels(int numClasses, int numSamples) {
        int[] labels = new int[numSamples];
        for (int i = 0; i < numSamples; i++) {
            labels[i] = i % numClasses;
        }
        return labels;
    }

    /** Number of classes C. */
    public int numClasses() {
        return numClasses;
    }

    /** Number of samples N. */
    public int numSamples() {
        return features.numRows;
    }

    /** Feature dimension d. */
    public int featureDimension() {
        return features.numCols;
    }

    /** The features, {@code N x d}, one row per sample; live (the trainer updates it in place). */
    public DMatrixRMaj features() {
        return features;
    }

    /** Label of sample {@code i}. */
    public int label(int sample) {
        return labels[sample];
    }

    /** A copy of the labels. */
    public int[] labels() {
        return labels.clone();
    }

    /**
     * Standard normal deviates by the polar Box–Muller method (Marsaglia 1964), so that the
     * stream depends only on {@link SplittableRandom}, whose sequence is specified.
     */
    static final class GaussianSource {
        private final SplittableRandom random;
        private double spare;
        private boolean hasSpare;

        GaussianSource(SplittableRandom random) {
            this.random = random;
        }

        double next() {
            if (hasSpare) {
                hasSpare = false;
                return spare;
            }
            double u;
            double v;
            double s;
            do {
                u = 2 * random.nextDouble() - 1;
                v = 2 * random.nextDouble() - 1;
                s = u * u + v * v;
            } while (s >= 1 || s == 0);
            double factor = Math.sqrt(-2 * Math.log(s) / s);
            spare = v * factor;
            hasSpare = true;
            return u * factor;
        }
    }
}
