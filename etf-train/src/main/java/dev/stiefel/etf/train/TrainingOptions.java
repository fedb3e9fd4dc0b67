package dev.stiefel.etf.train;

/**
 * Options of a training run; immutable, change with the {@code withX} copies.
 *
 * <p>Defaults ({@link #defaults()}), after the paper's Section 4 where it gives a value:
 * <ul>
 *   <li>{@code iterations = 2000} (the paper's UFM runs);</li>
 *   <li>{@code batchSize = AUTOMATIC_BATCH_SIZE}, resolved to {@code max(256, C)}: the paper
 *   does not state a UFM batch size; 256 is its batch size on real data, and raising it to C
 *   keeps every batch stratified (every class present), the regime the paper recommends,
 *   instead of falling back to its less stable missing-class rule (UFM-1000 gets B = 1000,
 *   one sample per class);</li>
 *   <li>{@code stratification = K_FOLD}: the authors' sampler, scikit-learn's
 *   {@code StratifiedKFold} with {@code floor(N/B)} folds reshuffled every epoch, whose batches
 *   hold {@code N / floor(N/B)} samples give or take one (333 or 334 at UFM-10 with B = 256;
 *   {@link BatchSampler});</li>
 *   <li>{@code fullBatch = false};</li>
 *   <li>{@code optimizer = AGD}, {@code gain = 10} (the paper), {@code learningRate = 0.1}
 *   (SGD only);</li>
 *   <li>{@code evaluateEvery = 10} iterations (metrics on the whole data set);</li>
 *   <li>{@code tau = 5}: feature scale after normalisation, used by the metrics and given to
 *   the heads (docs/mathematics.md section 1).</li>
 * </ul>
 *
 * @param iterations number of optimiser steps, at least 1
 * @param batchSize samples per step in {@code [1, N]}, or {@link #AUTOMATIC_BATCH_SIZE}
 *     (with {@link Stratification#K_FOLD}, the B of {@code floor(N/B)} folds)
 * @param fullBatch every sample in every step (the batch size is then ignored)
 * @param optimizer which optimiser
 * @param gain AGD gain, positive
 * @param learningRate SGD learning rate, positive
 * @param evaluateEvery metrics every this many iterations (and at the start and the end), at least 1
 * @param tau feature scale, positive
 * @param stratification how batches of {@code B >= C} are stratified
 */
public record TrainingOptions(
        int iterations,
        int batchSize,
        boolean fullBatch,
        OptimizerKind optimizer,
        double gain,
        double learningRate,
        int evaluateEvery,
        double tau,
        Stratification stratification) {

    /** Batch size value meaning {@code max(DEFAULT_MINIMUM_BATCH_SIZE, C)}. */
    public static final int AUTOMATIC_BATCH_SIZE = 0;
    /** The automatic batch size's floor (the paper's batch size on real data). */
    public static final int DEFAULT_MINIMUM_BATCH_SIZE = 256;
    public static final int DEFAULT_ITERATIONS = 2000;
    public static final int DEFAULT_EVALUATE_EVERY = 10;
    public static final double DEFAULT_TAU = 5.0;

    /**
     * @throws IllegalArgumentException naming the first invalid value
     */
    public TrainingOptions {
        if (iterations < 1) {
            throw new IllegalArgumentException("iterations must be at least 1, got " + iterations);
        }
        if (batchSize < 0) {
            throw new IllegalArgumentException("batch size must be positive (or 0 for automatic), got " + batchSize);
        }
        if (optimizer == null) {
            throw new IllegalArgumentException("optimizer must not be null");
        }
        if (!(gain > 0) || !Double.isFinite(gain)) {
            throw new IllegalArgumentException("AGD gain must be positive and finite, got " + gain);
        }
        if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be positive and finite, got " + learningRate);
        }
        if (evaluateEvery < 1) {
            throw new IllegalArgumentException("evaluation interval must be at least 1, got " + evaluateEvery);
        }
        if (!(tau > 0) || !Double.isFinite(tau)) {
            throw new IllegalArgumentException("tau must be positive and finite, got " + tau);
        }
        if (stratification == null) {
            throw new IllegalArgumentException("stratification must not be null");
        }
    }

    /**
     * Options with the default stratification, {@link Stratification#K_FOLD}.
     *
     * @throws IllegalArgumentException naming the first invalid value
     */
    public TrainingOptions(int iterations, int batchSize, boolean fullBatch, OptimizerKind optimizer, double gain,
            double learningRate, int evaluateEvery, double tau) {
        this(iterations, batchSize, fullBatch, optimizer, gain, learningRate, evaluateEvery, tau,
                Stratification.K_FOLD);
    }

    /** The documented defaults. */
    public static TrainingOptions defaults() {
        return new TrainingOptions(DEFAULT_ITERATIONS, AUTOMATIC_BATCH_SIZE, false, OptimizerKind.AGD,
                AutomaticGradientDescent.DEFAULT_GAIN, StochasticGradientDescent.DEFAULT_LEARNING_RATE,
                DEFAULT_EVALUATE_EVERY, DEFAULT_TAU, Stratification.K_FOLD);
    }

    /** The batch size used with C classes and N samples: N for full batch, else as documented. */
    public int resolvedBatchSize(int numClasses, int numSamples) {
        if (fullBatch) {
            return numSamples;
        }
        int size = batchSize == AUTOMATIC_BATCH_SIZE ? Math.max(DEFAULT_MINIMUM_BATCH_SIZE, numClasses) : batchSize;
        return Math.min(size, numSamples);
    }

    public TrainingOptions withIterations(int value) {
        return new TrainingOptions(value, batchSize, fullBatch, optimizer, gain, learningRate, evaluateEvery, tau,
                stratification);
    }

    public TrainingOptions withBatchSize(int value) {
        return new TrainingOptions(iterations, value, fullBatch, optimizer, gain, learningRate, evaluateEvery, tau,
                stratification);
    }

    public TrainingOptions withFullBatch(boolean value) {
        return new TrainingOptions(iterations, batchSize, value, optimizer, gain, learningRate, evaluateEvery, tau,
                stratification);
    }

    public TrainingOptions withOptimizer(OptimizerKind value) {
        return new TrainingOptions(iterations, batchSize, fullBatch, value, gain, learningRate, evaluateEvery, tau,
                stratification);
    }

    public TrainingOptions withGain(double value) {
        return new TrainingOptions(iterations, batchSize, fullBatch, optimizer, value, learningRate, evaluateEvery, tau,
                stratification);
    }

    public TrainingOptions withLearningRate(double value) {
        return new TrainingOptions(iterations, batchSize, fullBatch, optimizer, gain, value, evaluateEvery, tau,
                stratification);
    }

    public TrainingOptions withEvaluateEvery(int value) {
        return new TrainingOptions(iterations, batchSize, fullBatch, optimizer, gain, learningRate, value, tau,
                stratification);
    }

    public TrainingOptions withTau(double value) {
        return new TrainingOptions(iterations, batchSize, fullBatch, optimizer, gain, learningRate, evaluateEvery, value,
                stratification);
    }

    public TrainingOptions withStratification(Stratification value) {
        return new TrainingOptions(iterations, batchSize, fullBatch, optimizer, gain, learningRate, evaluateEvery, tau,
                value);
    }
}
