package dev.stiefel.etf.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.etf.ClassifierHead;
import dev.stiefel.etf.CrossEntropy;
import dev.stiefel.etf.FeatureCentring;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TrainerTest {

    /** Five-point stencil, h = 1e-3: truncation O(h^4) ~ 1e-12 on these smooth, O(1) losses. */
    static final double STEP = 1e-3;
    static final double GRADIENT_RELATIVE = 1e-8;

    @ParameterizedTest
    @EnumSource(OptimizerKind.class)
    void loopGradientsMatchFiniteDifferencesWithTestHead(OptimizerKind optimizer) {
        SplittableRandom random = new SplittableRandom(5);
        DMatrixRMaj weights = AutomaticGradientDescentTest.random(6, 3, random);
        for (FeatureCentring centring : FeatureCentring.values()) {
            checkLoopGradients(() -> new LinearTestHead(weights, 5, true, centring),
                    TrainingOptions.defaults().withBatchSize(6).withOptimizer(optimizer), false);
        }
    }

    @ParameterizedTest
    @EnumSource(HeadKind.class)
    void loopGradientsMatchFiniteDifferencesForEachHead(HeadKind kind) {
        checkLoopGradients(() -> kind.create(6, 3, 5.0, 1e-3, 17, ComputeDevice.CPU),
                TrainingOptions.defaults().withBatchSize(6), kind == HeadKind.IMPLICIT_FORWARD_ONLY);
    }

    /**
     * A batch missing a class that earlier batches held: the heads apply the missing-class
     * rule (section 4.4: the implicit head keeps that class's previous EMA column); the loop's
     * gradients must still match finite differences. The checked batch holds classes 1 and 2 only.
     */
    @ParameterizedTest
    @EnumSource(HeadKind.class)
    void loopGradientsMatchFiniteDifferencesWithMissingClasses(HeadKind kind) {
        TrainingOptions options = TrainingOptions.defaults().withBatchSize(6);
        checkLoopGradients(() -> kind.create(6, 3, 5.0, 1e-3, 17, ComputeDevice.CPU), options,
                kind == HeadKind.IMPLICIT_FORWARD_ONLY, new int[] {4, 2});
    }

    /**
     * The metrics compute logits on their own (normalise, centre with the data mean, multiply by
     * {@code classifier()}); they must agree with the head's own state-free evaluation.
     */
    @ParameterizedTest
    @EnumSource(HeadKind.class)
    void metricsLossAgreesWithHeadEvaluation(HeadKind kind) {
        UnconstrainedFeatureModel model = UnconstrainedFeatureModel.standardNormal(4, 40, 9, 21);
        ClassifierHead head = kind.create(9, 4, 5.0, 1e-3, 22, ComputeDevice.CPU);
        Trainer trainer = new Trainer(model, head, TrainingOptions.defaults().withBatchSize(8), 23);
        for (int t = 0; t < 15; t++) {
            trainer.step();
        }
        NeuralCollapseSnapshot snapshot = trainer.evaluate(15);
        DMatrixRMaj logits = head.evaluate(model.features(), new DMatrixRMaj(1, 1));
        int[] labels = model.labels();
        assertEquals(CrossEntropy.loss(logits, labels), snapshot.crossEntropy(), 1e-12);
        int correct = 0;
        for (int i = 0; i < labels.length; i++) {
            int best = 0;
            for (int c = 1; c < 4; c++) {
                best = logits.get(i, c) > logits.get(i, best) ? c : best;
            }
            correct += best == labels[i] ? 1 : 0;
        }
        assertEquals((double) correct / labels.length, snapshot.accuracy(), 0);
    }

    @Test
    void trainingWithTestHeadDrivesLossDownAndRecordsHistory() {
        UnconstrainedFeatureModel model = UnconstrainedFeatureModel.standardNormal(4, 80, 16, 3);
        DMatrixRMaj weights = AutomaticGradientDescentTest.random(16, 4, new SplittableRandom(4));
        TrainingOptions options = TrainingOptions.defaults().withIterations(95).withEvaluateEvery(10)
                .withBatchSize(20);
        Trainer trainer = new Trainer(model, new LinearTestHead(weights, 5, true), options, 7);
        assertEquals(2, trainer.tensorCount());
        assertEquals(BatchSampler.Mode.STRATIFIED_K_FOLD, trainer.batchMode());
        List<Integer> seen = new ArrayList<>();
        TrainingResult result = trainer.run(new TrainingListener() {
            @Override
            public void evaluated(NeuralCollapseSnapshot snapshot) {
                seen.add(snapshot.iteration());
            }
        });
        assertEquals(List.of(0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95), seen);
        assertEquals(seen.size(), result.history().size());
        assertEquals(80, result.finalMargins().length);
        NeuralCollapseSnapshot first = result.history().get(0);
        NeuralCollapseSnapshot last = result.last();
        assertTrue(last.crossEntropy() < 0.5 * first.crossEntropy(),
                () -> "loss " + first.crossEntropy() + " -> " + last.crossEntropy());
        assertEquals(1.0, last.accuracy(), 0);
        assertTrue(last.elapsedMillis() >= 0 && result.trainingMillis() >= last.elapsedMillis() - 1e-9);
    }

    /** The trainer's own work in a step allocates nothing (the head used here allocates nothing either). */
    @Test
    void warmIterationsDoNotAllocate() {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        UnconstrainedFeatureModel model = UnconstrainedFeatureModel.standardNormal(4, 400, 32, 3);
        DMatrixRMaj weights = AutomaticGradientDescentTest.random(32, 4, new SplittableRandom(4));
        Trainer trainer = new Trainer(model, new LinearTestHead(weights, 5, true),
                TrainingOptions.defaults().withBatchSize(40), 7);
        for (int t = 0; t < 2000; t++) {
            trainer.step();
        }
        long id = Thread.currentThread().getId();
        // The least of a few windows: on a loaded machine the JIT may still be compiling the step
        // during one window (interpreted code allocates what compiled code scalar-replaces); an
        // allocation per step shows in every window.
        long allocated = Long.MAX_VALUE;
        for (int window = 0; window < 5 && allocated >= 1024; window++) {
            long before = threads.getThreadAllocatedBytes(id);
            for (int t = 0; t < 500; t++) {
                trainer.step();
            }
            allocated = Math.min(allocated, threads.getThreadAllocatedBytes(id) - before);
        }
        long least = allocated;
        // A few hundred bytes of slack for the measurement itself.
        assertTrue(least < 1024, () -> least + " bytes allocated in the best of five windows of 500 steps");
    }

    /**
     * The whole chain (batch gather, head forward with its state, cross-entropy, head backward,
     * scatter to the feature rows, head parameters) against a five-point finite difference of
     * the loss, after three real training steps so that EMA-like head state is non-trivial.
     * Heads are rebuilt and replayed through the recorded earlier batches for every difference.
     * With {@code solutionHeldFixed} (the implicit head's forward-only mode) the reference is the
     * loss with the classifier frozen at the value the head computed for this batch.
     */
    static void checkLoopGradients(Supplier<ClassifierHead> heads, TrainingOptions options,
            boolean solutionHeldFixed) {
        checkLoopGradients(heads, options, solutionHeldFixed, new int[] {4, 0, 7, 11, 9, 2});
    }

    static void checkLoopGradients(Supplier<ClassifierHead> heads, TrainingOptions options,
            boolean solutionHeldFixed, int[] batch) {
        int numClasses = 3;
        UnconstrainedFeatureModel model = UnconstrainedFeatureModel.standardNormal(numClasses, 12, 6, 11);
        RecordingHead recording = new RecordingHead(heads.get());
        Trainer trainer = new Trainer(model, recording, options, 13);
        for (int t = 0; t < 3; t++) {
            trainer.step();
        }
        int[] labels = new int[batch.length];
        for (int k = 0; k < batch.length; k++) {
            labels[k] = model.label(batch[k]);
        }
        List<DMatrixRMaj> earlierBatches = new ArrayList<>(recording.batches);
        List<int[]> earlierLabels = new ArrayList<>(recording.labels);
        List<DMatrixRMaj> parameterValues = new ArrayList<>();
        for (ClassifierHead.Parameter parameter : recording.parameters()) {
            parameterValues.add(parameter.value().copy());
        }
        trainer.lossAndGradients(batch, batch.length);
        DMatrixRMaj featureGradient = trainer.batchFeatureGradient().copy();
        List<DMatrixRMaj> parameterGradients = new ArrayList<>();
        for (ClassifierHead.Parameter parameter : recording.parameters()) {
            parameterGradients.add(parameter.gradient().copy());
        }

        DMatrixRMaj features = model.features();
        int d = features.numCols;
        DMatrixRMaj batchFeatures = new DMatrixRMaj(batch.length, d);
        for (int k = 0; k < batch.length; k++) {
            for (int j = 0; j < d; j++) {
                batchFeatures.set(k, j, features.get(batch[k], j));
            }
        }
        DMatrixRMaj frozenClassifier = recording.classifier().copy();
        FeatureCentring centring = recording.featureCentring();
        // a bias held constant in the backward pass: the loss to differentiate keeps the
        // unperturbed batch's mean as its centre
        double[] constantCentre = LinearTestHead.batchMeanOfNormalised(batchFeatures, options.tau());
        Replay replay = (perturbedFeatures, perturbedParameters) -> {
            if (solutionHeldFixed || centring == FeatureCentring.BATCH_MEAN_CONSTANT) {
                DMatrixRMaj classifier = perturbedParameters.isEmpty() ? frozenClassifier : perturbedParameters.get(0);
                LinearTestHead frozen = new LinearTestHead(classifier, options.tau(), false, centring);
                if (centring == FeatureCentring.BATCH_MEAN_CONSTANT) {
                    frozen.holdCentre(constantCentre);
                }
                DMatrixRMaj logits = new DMatrixRMaj(1, 1);
                frozen.forward(perturbedFeatures, labels, logits);
                return CrossEntropy.loss(logits, labels);
            }
            ClassifierHead fresh = heads.get();
            DMatrixRMaj logits = new DMatrixRMaj(1, 1);
            for (int t = 0; t < earlierBatches.size(); t++) {
                fresh.forward(earlierBatches.get(t), earlierLabels.get(t), logits);
            }
            for (int p = 0; p < perturbedParameters.size(); p++) {
                fresh.parameters().get(p).value().setTo(perturbedParameters.get(p));
            }
            fresh.forward(perturbedFeatures, labels, logits);
            return CrossEntropy.loss(logits, labels);
        };
        double scale = maxAbs(featureGradient);
        for (ClassifierHead.Parameter parameter : recording.parameters()) {
            scale = Math.max(scale, maxAbs(parameter.gradient()));
        }
        for (int k = 0; k < batch.length; k++) {
            for (int j = 0; j < d; j++) {
                final int row = k;
                final int col = j;
                double numeric = fivePoint(h -> {
                    DMatrixRMaj perturbed = batchFeatures.copy();
                    perturbed.add(row, col, h);
                    return replay.loss(perturbed, parameterValues);
                });
                assertEquals(numeric, featureGradient.get(k, j), GRADIENT_RELATIVE * scale,
                        "feature gradient (" + k + ", " + j + ")");
            }
        }
        for (int p = 0; p < parameterValues.size(); p++) {
            DMatrixRMaj value = parameterValues.get(p);
            for (int e = 0; e < value.getNumElements(); e++) {
                final int parameterIndex = p;
                final int element = e;
                double numeric = fivePoint(h -> {
                    List<DMatrixRMaj> perturbed = new ArrayList<>();
                    for (DMatrixRMaj v : parameterValues) {
                        perturbed.add(v.copy());
                    }
                    perturbed.get(parameterIndex).data[element] += h;
                    return replay.loss(batchFeatures, perturbed);
                });
                assertEquals(numeric, parameterGradients.get(p).data[e], GRADIENT_RELATIVE * scale,
                        "parameter " + p + " gradient element " + e);
            }
        }
    }

    static double fivePoint(java.util.function.DoubleUnaryOperator f) {
        return (-f.applyAsDouble(2 * STEP) + 8 * f.applyAsDouble(STEP) - 8 * f.applyAsDouble(-STEP)
                + f.applyAsDouble(-2 * STEP)) / (12 * STEP);
    }

    private static double maxAbs(DMatrixRMaj m) {
        double max = 0;
        for (int k = 0; k < m.getNumElements(); k++) {
            max = Math.max(max, Math.abs(m.data[k]));
        }
        return max;
    }

    private interface Replay {
        double loss(DMatrixRMaj batchFeatures, List<DMatrixRMaj> parameterValues);
    }

    /** Records the batches a head is fed, to replay them into a fresh head. */
    private static final class RecordingHead implements ClassifierHead {
        final ClassifierHead inner;
        final List<DMatrixRMaj> batches = new ArrayList<>();
        final List<int[]> labels = new ArrayList<>();

        RecordingHead(ClassifierHead inner) {
            this.inner = inner;
        }

        @Override
        public int numClasses() {
            return inner.numClasses();
        }

        @Override
        public int featureDimension() {
            return inner.featureDimension();
        }

        @Override
        public DMatrixRMaj forward(DMatrixRMaj features, int[] batchLabels, DMatrixRMaj logitsOut) {
            batches.add(features.copy());
            labels.add(batchLabels.clone());
            return inner.forward(features, batchLabels, logitsOut);
        }

        @Override
        public DMatrixRMaj backward(DMatrixRMaj logitsGradient, DMatrixRMaj featuresGradientOut) {
            return inner.backward(logitsGradient, featuresGradientOut);
        }

        @Override
        public List<Parameter> parameters() {
            return inner.parameters();
        }

        @Override
        public void afterUpdate() {
            inner.afterUpdate();
        }

        @Override
        public DMatrixRMaj classifier() {
            return inner.classifier();
        }

        @Override
        public FeatureCentring featureCentring() {
            return inner.featureCentring();
        }
    }

    @ParameterizedTest
    @EnumSource(HeadKind.class)
    void aRunawayStepSizeStopsTheRunInsteadOfReportingCollapse(HeadKind kind) {
        UnconstrainedFeatureModel model = UnconstrainedFeatureModel.standardNormal(4, 24, 8, 3);
        TrainingOptions options = TrainingOptions.defaults().withBatchSize(8).withIterations(20).withGain(1e300);
        Trainer trainer = new Trainer(model, kind.create(8, 4, 5.0, 1e-3, 3, ComputeDevice.CPU), options, 3);
        ArithmeticException stop = org.junit.jupiter.api.Assertions.assertThrows(ArithmeticException.class,
                () -> trainer.run(new TrainingListener() { }));
        // every head, the standard one included (its classifier columns re-normalise by a scaled
        // norm however large they grow), stops at the features' divergence check
        assertTrue(stop.getMessage().contains("diverged at iteration 1"), stop::getMessage);
    }

    /**
     * The default k-fold batches of N = 40, B = 12 hold 14, 13 and 13 samples: each step changes
     * exactly the feature rows of its batch (a twin sampler with the same seed names them).
     */
    @Test
    void eachStepUpdatesExactlyTheRowsOfItsKFoldBatch() {
        UnconstrainedFeatureModel model = UnconstrainedFeatureModel.normal(4, 40, 6, 8, 0.2);
        TrainingOptions options = TrainingOptions.defaults().withBatchSize(12);
        try (ClassifierHead head = HeadKind.FIXED.create(6, 4, 5.0, 1e-3, 8, ComputeDevice.CPU);
                Trainer trainer = new Trainer(model, head, options, 9)) {
            assertEquals(14, trainer.batchSize());
            BatchSampler twin = new BatchSampler(BatchSampler.Mode.STRATIFIED_K_FOLD, model.labels(), 4, 12, 9);
            int[] batch = new int[14];
            for (int t = 0; t < 7; t++) {
                DMatrixRMaj before = model.features().copy();
                trainer.step();
                int count = twin.next(batch);
                assertEquals(t % 3 == 0 ? 14 : 13, count);
                boolean[] inBatch = new boolean[40];
                for (int k = 0; k < count; k++) {
                    inBatch[batch[k]] = true;
                }
                for (int row = 0; row < 40; row++) {
                    boolean changed = false;
                    for (int col = 0; col < 6; col++) {
                        changed |= before.get(row, col) != model.features().get(row, col);
                    }
                    assertEquals(inBatch[row], changed, "step " + t + ", row " + row);
                }
            }
        }
    }

    /** Closing the trainer frees the native buffers of the metrics it created. */
    @Test
    void aClosedTrainerHasFreedItsMetricsKernels() {
        UnconstrainedFeatureModel model = UnconstrainedFeatureModel.standardNormal(4, 24, 8, 3);
        ClassifierHead head = HeadKind.FIXED.create(8, 4, 5.0, 1e-3, 3, ComputeDevice.CPU);
        Trainer trainer = new Trainer(model, head, TrainingOptions.defaults().withBatchSize(8), 3);
        trainer.evaluate(0);
        trainer.close();
        trainer.close();
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> trainer.evaluate(1));
        NeuralCollapseMetricsTest.assertClosedIfNative(trainer.metrics().kernels());
        // the head is the caller's and still works
        head.evaluate(model.features(), new DMatrixRMaj(1, 1));
        head.close();
    }

    @Test
    void theDefaultStepSizeTrainsWithoutTrippingTheDivergenceCheck() {
        UnconstrainedFeatureModel model = UnconstrainedFeatureModel.normal(4, 24, 8, 3, 1e-6);
        TrainingOptions options = TrainingOptions.defaults().withBatchSize(8).withIterations(200);
        Trainer trainer = new Trainer(model, new dev.stiefel.etf.FixedEtfHead(8, 4, 5.0), options, 3);
        for (int t = 0; t < 200; t++) {
            assertTrue(Double.isFinite(trainer.step()));
        }
    }
}
