package dev.stiefel.etf.train;

import dev.stiefel.etf.ClassifierHead;
import dev.stiefel.etf.CrossEntropy;
import dev.stiefel.kernel.SumsOfSquares;
import java.util.ArrayList;
import java.util.List;
import org.ejml.data.DMatrixRMaj;

/**
 * Trains an {@link UnconstrainedFeatureModel} through a {@link ClassifierHead} with mean
 * cross-entropy (the paper's Section 4 experiments). One iteration:
 * <ol>
 *   <li>draw a batch ({@link BatchSampler}: stratified when {@code B >= C}, by default the
 *   authors' k-fold batches, uniform otherwise, or the full data set) and gather its feature
 *   rows;</li>
 *   <li>{@code logits = head.forward(batch)} (the head normalises, scales by tau, centres if it
 *   does and, for the implicit head, updates its EMA and solves for the nearest ETF);</li>
 *   <li>{@code loss, dL/dlogits = CrossEntropy}, then {@code dL/dfeatures = head.backward}
 *   (which also fills the head's own parameter gradients);</li>
 *   <li>one optimiser step on the features (batch rows only) and the head's parameters, then
 *   {@link ClassifierHead#afterUpdate()} (the standard head re-normalises its classifiers).</li>
 * </ol>
 *
 * <p>AGD fan convention (AGD's {@code sqrt(fan_out/fan_in)} is PyTorch's
 * {@code sqrt(shape[0]/shape[1])} of the stored weight): the feature tensor is stored
 * {@code N x d} as a PyTorch {@code nn.Parameter(torch.randn(N, d))} would be, so
 * {@code fan_out = N}, {@code fan_in = d}; a head parameter maps the d features to C logits
 * (PyTorch stores {@code nn.Linear(d, C).weight} as {@code C x d}), so {@code fan_out = C},
 * {@code fan_in = d} whichever way the head stores it. L counts these tensors: 1 for the ETF
 * heads, 2 for the standard head.
 *
 * <p>Metrics ({@link NeuralCollapseMetrics}) are evaluated on the whole data set at iteration
 * 0, every {@code evaluateEvery} iterations and after the last one, with the logits centred by
 * the data mean exactly when the head centres ({@link ClassifierHead#featureCentring()}); their
 * time is excluded from {@link TrainingResult#trainingMillis()}. All buffers are allocated once
 * (one label buffer per batch size, of which k-fold batches have at most two): an iteration
 * allocates nothing in the trainer itself. Not thread-safe; one trainer per thread.
 * {@link #close()} frees the metrics' native buffers; the model and the head stay the caller's.
 *
 * <p>A run stops with an {@link ArithmeticException} as soon as it is no longer training: the
 * batch loss is not finite, a gradient is not finite, an updated feature row holds a NaN or
 * an infinity, or the features diverged, i.e. an updated entry's magnitude exceeds
 * {@value #DIVERGENCE_GROWTH} times the larger of 1 and the start's largest magnitude. The
 * normalisation makes the loss blind to the features' scale, so a runaway step size (say an
 * AGD gain of 1e300) would otherwise go on "training" on numbers near overflow; sensible
 * settings grow the features by a few orders of magnitude at most.
 */
public final class Trainer implements AutoCloseable {

    private final UnconstrainedFeatureModel model;
    private final ClassifierHead head;
    private final TrainingOptions options;
    private final BatchSampler sampler;
    private final Optimizer optimizer;
    private final NeuralCollapseMetrics metrics;
    private final int[] allLabels;

    private final int[] batchIndices;
    /** Labels of a batch, one buffer per batch size seen (the head wants exactly B labels). */
    private final int[][] batchLabelsBySize;
    private final DMatrixRMaj batchFeatures;
    private final DMatrixRMaj logits;
    private final DMatrixRMaj logitsGradient;
    private final DMatrixRMaj batchFeatureGradient;
    private final TrainableTensor featureTensor;
    private final List<TrainableTensor> tensors = new ArrayList<>();
    private int iteration;
    /** Largest feature magnitude allowed before the run counts as diverged. */
    private final double divergenceBound;

    /** Growth of the largest feature magnitude over the start's (or 1) at which a run has diverged. */
    public static final double DIVERGENCE_GROWTH = 1e12;

    /**
     * @param model the features to train (updated in place)
     * @param head a fresh head with the model's C and d
     * @param options training options
     * @param seed seed of the batch draws
     * @throws IllegalArgumentException when the head's shape differs from the model's or the
     *     batch size does not fit
     */
    public Trainer(UnconstrainedFeatureModel model, ClassifierHead head, TrainingOptions options, long seed) {
        if (head.numClasses() != model.numClasses() || head.featureDimension() != model.featureDimension()) {
            throw new IllegalArgumentException("head has C = " + head.numClasses() + ", d = "
                    + head.featureDimension() + " but the model has C = " + model.numClasses() + ", d = "
                    + model.featureDimension());
        }
        this.model = model;
        this.head = head;
        this.options = options;
        int n = model.numSamples();
        int d = model.featureDimension();
        int c = model.numClasses();
        int batchSize = options.resolvedBatchSize(c, n);
        BatchSampler.Mode mode = BatchSampler.modeFor(options.fullBatch(), batchSize, c, options.stratification());
        this.allLabels = model.labels();
        this.sampler = new BatchSampler(mode, allLabels, c, batchSize, seed);
        this.optimizer = options.optimizer().create(options);
        this.metrics = new NeuralCollapseMetrics(c, options.tau());

        int largest = sampler.largestBatchSize();
        this.batchIndices = new int[largest];
        this.batchLabelsBySize = new int[largest + 1][];
        this.batchFeatures = new DMatrixRMaj(largest, d);
        this.logits = new DMatrixRMaj(largest, c);
        this.logitsGradient = new DMatrixRMaj(largest, c);
        this.batchFeatureGradient = new DMatrixRMaj(largest, d);
        this.featureTensor = TrainableTensor.gathered("features", model.features(), batchFeatureGradient, n, d);
        this.featureTensor.setRows(batchIndices, largest);
        this.divergenceBound = DIVERGENCE_GROWTH * Math.max(1.0,
                SumsOfSquares.largestMagnitude(model.features().data, 0, model.features().getNumElements()));
        tensors.add(featureTensor);
        for (ClassifierHead.Parameter parameter : head.parameters()) {
            tensors.add(TrainableTensor.dense(parameter.name(), parameter.value(), parameter.gradient(), c, d));
        }
    }

    public TrainingOptions options() {
        return options;
    }

    /** The batch mode in use. */
    public BatchSampler.Mode batchMode() {
        return sampler.mode();
    }

    /** The largest batch in use (k-fold batches differ by at most one sample). */
    public int batchSize() {
        return sampler.largestBatchSize();
    }

    /** Number of weight tensors L the optimiser sees. */
    public int tensorCount() {
        return tensors.size();
    }

    /** Optimiser steps done so far. */
    public int iteration() {
        return iteration;
    }

    /**
     * Runs {@code options.iterations()} steps with evaluations.
     *
     * @param listener progress and metrics observer
     * @throws ArithmeticException when the loss, a gradient or the features stop being finite or
     *     the features diverge (see the class comment)
     */
    public TrainingResult run(TrainingListener listener) {
        List<NeuralCollapseSnapshot> history = new ArrayList<>();
        double trainingNanos = 0;
        history.add(evaluate(0));
        listener.evaluated(history.get(0));
        for (int t = 1; t <= options.iterations(); t++) {
            long start = System.nanoTime();
            double loss = step();
            trainingNanos += System.nanoTime() - start;
            listener.iterationDone(t, loss);
            if (t % options.evaluateEvery() == 0 || t == options.iterations()) {
                NeuralCollapseSnapshot snapshot = evaluate(t).withElapsedMillis(trainingNanos / 1e6);
                history.add(snapshot);
                listener.evaluated(snapshot);
            }
        }
        return new TrainingResult(history, metrics.margins(null), trainingNanos / 1e6, options.iterations());
    }

    /**
     * One training iteration: batch, forward, backward, optimiser step, head update.
     *
     * @return the batch loss before the step
     * @throws ArithmeticException when the loss, a gradient or the updated features are not
     *     finite, or the features diverged
     */
    public double step() {
        int count = sampler.next(batchIndices);
        double loss = lossAndGradients(batchIndices, count);
        featureTensor.setRows(batchIndices, count);
        optimizer.step(tensors);
        head.afterUpdate();
        iteration++;
        requireTraining(count);
        return loss;
    }

    /**
     * Checks the feature rows the last step updated.
     *
     * @throws ArithmeticException naming the iteration and the row when one is not finite or diverged
     */
    private void requireTraining(int count) {
        DMatrixRMaj features = model.features();
        int d = features.numCols;
        double[] data = features.data;
        for (int k = 0; k < count; k++) {
            int row = batchIndices[k];
            int offset = row * d;
            for (int j = 0; j < d; j++) {
                double magnitude = Math.abs(data[offset + j]);
                if (!(magnitude <= divergenceBound)) {
                    throw new ArithmeticException(Double.isFinite(magnitude)
                            ? "training diverged at iteration " + iteration + ": feature row " + row + " has an entry of"
                                    + " magnitude " + magnitude + ", more than " + DIVERGENCE_GROWTH + " times the start's "
                                    + "largest (or 1); lower the step size (AGD gain or learning rate)"
                            : "training diverged at iteration " + iteration + ": feature row " + row
                                    + " is no longer finite (" + data[offset + j] + ")");
                }
            }
        }
    }

    /**
     * Forward and backward on the given samples without updating anything but the head's
     * internal state (the implicit head advances its EMA): fills the batch feature gradient
     * ({@link #batchFeatureGradient()}, row k for sample {@code indices[k]}) and the head's
     * parameter gradients.
     *
     * @return the batch loss
     */
    double lossAndGradients(int[] indices, int count) {
        DMatrixRMaj features = model.features();
        int d = features.numCols;
        batchFeatures.reshape(count, d);
        int[] labels = batchLabelsBySize[count];
        if (labels == null) {
            labels = new int[count];
            batchLabelsBySize[count] = labels;
        }
        for (int k = 0; k < count; k++) {
            System.arraycopy(features.data, indices[k] * d, batchFeatures.data, k * d, d);
            labels[k] = allLabels[indices[k]];
        }
        head.forward(batchFeatures, labels, logits);
        double loss = CrossEntropy.lossAndGradient(logits, labels, logitsGradient);
        if (!Double.isFinite(loss)) {
            throw new ArithmeticException("loss is not finite at iteration " + (iteration + 1));
        }
        head.backward(logitsGradient, batchFeatureGradient);
        return loss;
    }

    /** The feature gradient of the last batch ({@code B x d}). */
    DMatrixRMaj batchFeatureGradient() {
        return batchFeatureGradient;
    }

    /**
     * Metrics on the whole data set with the head's current classifier, the logits centred by
     * the data mean when the head centres.
     */
    public NeuralCollapseSnapshot evaluate(int atIteration) {
        return metrics.evaluate(atIteration, model.features(), allLabels, head.classifier(),
                head.featureCentring().centres());
    }

    /**
     * Frees the native buffers of the metrics' kernels. The model and the head are the caller's
     * (close the head separately). Closing twice is harmless; the trainer must not be used
     * afterwards.
     */
    @Override
    public void close() {
        metrics.close();
    }

    /** The metrics (for tests of {@link #close()}). */
    NeuralCollapseMetrics metrics() {
        return metrics;
    }

    /** Per-sample margins of the last evaluation. */
    public double[] margins() {
        return metrics.margins(null);
    }
}
