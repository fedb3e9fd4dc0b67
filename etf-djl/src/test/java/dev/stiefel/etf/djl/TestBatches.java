package dev.stiefel.etf.djl;

import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;

/**
 * Seeded inputs, labels and start values for the head tests: batches of {@link #BATCH} rows of
 * {@link #INPUTS} inputs; steps 3 and 5 miss classes (labels only from the first three), the other
 * steps hold every class.
 */
final class TestBatches {

    static final int BATCH = 10;
    static final int INPUTS = 6;
    static final int DIMENSION = 12;
    static final int CLASSES = 5;
    static final int STEPS = 5;

    private TestBatches() {
    }

    /** Inputs of step {@code step} (1-based), {@code BATCH x INPUTS}. */
    static DMatrixRMaj inputs(int step) {
        SplittableRandom random = new SplittableRandom(1000 + step);
        DMatrixRMaj inputs = new DMatrixRMaj(BATCH, INPUTS);
        for (int i = 0; i < inputs.data.length; i++) {
            inputs.data[i] = random.nextGaussian();
        }
        return inputs;
    }

    /** Labels of step {@code step}: every class, except at steps 3 and 5 (classes 0 to 2 only). */
    static int[] labels(int step) {
        SplittableRandom random = new SplittableRandom(2000 + step);
        int[] labels = new int[BATCH];
        boolean missing = step == 3 || step == 5;
        for (int i = 0; i < BATCH; i++) {
            labels[i] = missing ? random.nextInt(3) : (i < CLASSES ? i : random.nextInt(CLASSES));
        }
        return labels;
    }

    /** A backbone weight, {@code DIMENSION x INPUTS}, entries of standard deviation 1/2. */
    static DMatrixRMaj weight(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        DMatrixRMaj weight = new DMatrixRMaj(DIMENSION, INPUTS);
        for (int i = 0; i < weight.data.length; i++) {
            weight.data[i] = 0.5 * random.nextGaussian();
        }
        return weight;
    }

    /** A backbone bias of {@code DIMENSION} entries. */
    static double[] bias(long seed) {
        SplittableRandom random = new SplittableRandom(seed + 1);
        double[] bias = new double[DIMENSION];
        for (int i = 0; i < bias.length; i++) {
            bias[i] = 0.3 * random.nextGaussian();
        }
        return bias;
    }

    /** The values rounded to float32 (so that float32 and float64 runs start alike). */
    static DMatrixRMaj roundedToFloat(DMatrixRMaj matrix) {
        DMatrixRMaj out = matrix.copy();
        for (int i = 0; i < out.data.length; i++) {
            out.data[i] = (float) out.data[i];
        }
        return out;
    }

    static double[] roundedToFloat(double[] values) {
        double[] out = values.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) out[i];
        }
        return out;
    }

    /** {@code ||actual - expected||_F / ||expected||_F}. */
    static double relativeError(DMatrixRMaj expected, DMatrixRMaj actual) {
        return relativeError(expected.data, actual.data, expected.getNumElements());
    }

    static double relativeError(double[] expected, double[] actual) {
        return relativeError(expected, actual, expected.length);
    }

    private static double relativeError(double[] expected, double[] actual, int length) {
        if (actual.length < length) {
            throw new IllegalArgumentException("sizes differ: " + length + " and " + actual.length);
        }
        double difference = 0;
        double scale = 0;
        for (int i = 0; i < length; i++) {
            difference += (actual[i] - expected[i]) * (actual[i] - expected[i]);
            scale += expected[i] * expected[i];
        }
        return Math.sqrt(difference) / Math.max(Math.sqrt(scale), Double.MIN_NORMAL);
    }
}
