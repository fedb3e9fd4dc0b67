package dev.stiefel.etf.train;

import java.util.Locale;

/**
 * The unconstrained feature models of the paper's Section 4 (Markou, Ajanthan, Gould,
 * "Guiding Neural Collapse", NeurIPS 2024; {@code docs/mathematics.md} section 7).
 */
public enum UfmPreset {
    /** 10 classes, 1000 samples, dimension 512. */
    UFM_10(10, 1000, 512),
    /** 100 classes, 5000 samples, dimension 1024. */
    UFM_100(100, 5000, 1024),
    /** 200 classes, 5000 samples, dimension 1024. */
    UFM_200(200, 5000, 1024),
    /** 1000 classes, 10000 samples, dimension 1024. */
    UFM_1000(1000, 10000, 1024);

    private final int numClasses;
    private final int numSamples;
    private final int featureDimension;

    UfmPreset(int numClasses, int numSamples, int featureDimension) {
        this.numClasses = numClasses;
        this.numSamples = numSamples;
        this.featureDimension = featureDimension;
    }

    /** Number of classes C. */
    public int numClasses() {
        return numClasses;
    }

    /** Number of samples N (a multiple of C: the labels are balanced). */
    public int numSamples() {
        return numSamples;
    }

    /** Feature dimension d. */
    public int featureDimension() {
        return featureDimension;
    }

    /**
     * The default interval between full-data evaluations for C classes: 10 up to C = 10, 25 up
     * to C = 200, 50 above. An evaluation costs about as much as {@code 4 N d C / (B d C)} training
     * steps' products (two {@code N x d x C} products against a step's few {@code B x d x C}),
     * so the interval grows with the model to keep evaluation a minor share of a run.
     */
    public static int evaluationInterval(int numClasses) {
        if (numClasses <= 10) {
            return 10;
        }
        return numClasses <= 200 ? 25 : 50;
    }

    /** {@link #evaluationInterval(int)} for this preset's C. */
    public int evaluationInterval() {
        return evaluationInterval(numClasses);
    }

    /** The command-line spelling, e.g. {@code ufm-10}. */
    public String commandLineName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * Parses {@code ufm-10}, {@code UFM_10} or {@code ufm10} (case-insensitive).
     *
     * @throws IllegalArgumentException naming the accepted values when none matches
     */
    public static UfmPreset parse(String text) {
        String key = text.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (UfmPreset preset : values()) {
            if (preset.name().equals(key) || preset.name().replace("_", "").equals(key)) {
                return preset;
            }
        }
        throw new IllegalArgumentException("unknown UFM preset '" + text
                + "'; expected one of ufm-10, ufm-100, ufm-200, ufm-1000");
    }
}
