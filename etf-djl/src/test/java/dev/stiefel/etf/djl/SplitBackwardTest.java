package dev.stiefel.etf.djl;

import static dev.stiefel.etf.djl.TestBatches.CLASSES;
import static dev.stiefel.etf.djl.TestBatches.DIMENSION;
import static dev.stiefel.etf.djl.TestBatches.STEPS;
import static dev.stiefel.etf.djl.TestBatches.relativeError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.loss.Loss;
import dev.stiefel.etf.train.HeadKind;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Gradients of data-parallel splits: a network whose batches are cut into {@link #SPLITS} splits
 * that run concurrently under a {@link ConcurrentSplitPooling} ({@code trainBatch}: every split's
 * forward, loss and backward in its own thread, then the completed backward) gets the logits and
 * the backbone gradients of the same network trained on the unsplit batches by DJL's
 * {@code EasyTrain.trainBatch}, step after step, over steps where splits or the whole batch miss
 * classes, for every head (the standard head's splits share the CPU's copy of its parameter and
 * re-normalise it once per step, before any split reads it). The loss is the cross-entropy summed over a split's rows and divided by the batch size,
 * so that the splits' losses add up to the unsplit batch's mean cross-entropy; the implicit head's
 * loss on each split depends on every split's rows (the pooled class means and batch mean), and
 * only the completed backward gives those rows the gradient of the other splits' losses.
 */
class SplitBackwardTest {

    static final int SPLITS = 3;
    static final double EXACT_F64 = 1e-10;
    static final double FLOAT32 = 1e-5;
    static final double LEARNING_RATE = 0.25;
    static final long SEED = 31;

    ExecutorService threads;

    @BeforeEach
    void setUp() {
        threads = Executors.newFixedThreadPool(SPLITS);
    }

    @AfterEach
    void tearDown() {
        threads.shutdownNow();
    }

    @ParameterizedTest
    @EnumSource(HeadKind.class)
    void float64SplitsGetTheGradientsOfTheUnsplitBatch(HeadKind kind) {
        run(kind, DataType.FLOAT64, EXACT_F64);
    }

    @ParameterizedTest
    @EnumSource(HeadKind.class)
    void float32SplitsGetTheGradientsOfTheUnsplitBatch(HeadKind kind) {
        run(kind, DataType.FLOAT32, FLOAT32);
    }

    private void run(HeadKind kind, DataType type, double tolerance) {
        Engine.getEngine("PyTorch").setRandomSeed(3);
        ConcurrentSplitPooling pooling = new ConcurrentSplitPooling(SPLITS);
        try (TinyNetwork whole = network(kind, type); TinyNetwork split = network(kind, type)) {
            split.head.setSplitPooling(pooling);
            for (int step = 1; step <= STEPS; step++) {
                DMatrixRMaj inputs = TestBatches.inputs(step);
                int[] labels = TestBatches.labels(step);
                whole.trainBatch(inputs, labels);
                split.trainBatch(inputs, labels, pooling::trainBatch);
                String where = kind + " " + type + " step " + step;
                assertTrue(relativeError(whole.logits, split.logits) < tolerance,
                        where + " logits: " + relativeError(whole.logits, split.logits));
                assertTrue(relativeError(whole.weightGradient, split.weightGradient) < tolerance,
                        where + " backbone weight gradient: " + relativeError(whole.weightGradient, split.weightGradient));
                assertTrue(relativeError(whole.biasGradient, split.biasGradient) < tolerance,
                        where + " backbone bias gradient: " + relativeError(whole.biasGradient, split.biasGradient));
                if (whole.classifierGradient != null) {
                    assertTrue(relativeError(whole.classifierGradient, split.classifierGradient) < tolerance,
                            where + " classifier gradient: "
                                    + relativeError(whole.classifierGradient, split.classifierGradient));
                }
                assertEquals(whole.head.step(), split.head.step(), where + ": one state step per training step");
                whole.step();
                split.step();
            }
        }
    }

    @Test
    void theNextStepRefusesABackwardThatWasNotCompleted() throws Exception {
        ConcurrentSplitPooling pooling = new ConcurrentSplitPooling(SPLITS);
        try (TinyNetwork split = network(HeadKind.IMPLICIT, DataType.FLOAT64)) {
            split.head.setSplitPooling(pooling);
            // the splits' forward and backward as a loop that forgets completeBackward
            split.trainBatch(TestBatches.inputs(1), TestBatches.labels(1), (trainer, batch) -> {
                Batch[] parts = batch.split(
                        new Device[] {Device.cpu(), Device.cpu(), Device.cpu()}, false);
                try (GradientCollector collector = trainer.newGradientCollector()) {
                    List<Future<?>> running = new ArrayList<>();
                    for (Batch part : parts) {
                        running.add(threads.submit(() -> {
                            NDList predictions = trainer.forward(part.getData(), part.getLabels());
                            collector.backward(trainer.getLoss().evaluate(part.getLabels(), predictions));
                        }));
                    }
                    for (Future<?> future : running) {
                        future.get();
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            IllegalStateException refused = assertThrows(IllegalStateException.class, () -> split.trainBatch(
                    TestBatches.inputs(2), TestBatches.labels(2), (trainer, batch) -> pooling.trainBatch(trainer, batch,
                            threads)));
            assertTrue(refused.getMessage().contains("completeBackward"), refused.getMessage());
            assertEquals(1, split.head.step(), "the refused step did not advance the state");
        }
    }

    @Test
    void aSplitThatFailsReleasesTheOthersWithItsFailure() {
        ConcurrentSplitPooling pooling = new ConcurrentSplitPooling(SPLITS, java.time.Duration.ofMinutes(10));
        try (TinyNetwork split = network(HeadKind.IMPLICIT, DataType.FLOAT64)) {
            split.head.setSplitPooling(pooling);
            int[] labels = TestBatches.labels(1);
            labels[labels.length - 1] = CLASSES; // a label out of range in the last split
            long start = System.nanoTime();
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> split.trainBatch(
                    TestBatches.inputs(1), labels, (trainer, batch) -> pooling.trainBatch(trainer, batch, threads)));
            assertTrue(refused.getMessage().contains("label " + CLASSES), refused.getMessage());
            assertTrue(System.nanoTime() - start < 60_000_000_000L, "the other splits did not wait for the timeout");
            assertEquals(0, split.head.step());
        }
    }

    @Test
    void aPoolingTheHeadDoesNotUseIsRefused() {
        ConcurrentSplitPooling pooling = new ConcurrentSplitPooling(SPLITS);
        try (TinyNetwork split = network(HeadKind.IMPLICIT, DataType.FLOAT64)) {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> split.trainBatch(
                    TestBatches.inputs(1), TestBatches.labels(1),
                    (trainer, batch) -> pooling.trainBatch(trainer, batch, threads)));
            assertTrue(refused.getMessage().contains("setSplitPooling"), refused.getMessage());
            assertEquals(0, split.head.step(), "refused before any split ran");
        }
    }

    /** 6 rows in 4 splits: DJL's own cut (pieces of ceil(6/4) = 2 rows) would leave the last split empty. */
    @ParameterizedTest
    @EnumSource(HeadKind.class)
    void batchesThatDoNotDivideEvenlyAreCutIntoSplitsOfNearlyEqualSize(HeadKind kind) {
        ConcurrentSplitPooling pooling = new ConcurrentSplitPooling(4);
        try (TinyNetwork whole = network(kind, DataType.FLOAT64, 6);
                TinyNetwork split = network(kind, DataType.FLOAT64, 6)) {
            split.head.setSplitPooling(pooling);
            for (int step = 1; step <= 2; step++) {
                DMatrixRMaj inputs = org.ejml.dense.row.CommonOps_DDRM.extract(TestBatches.inputs(step), 0, 6, 0,
                        TestBatches.INPUTS);
                int[] labels = java.util.Arrays.copyOf(TestBatches.labels(step), 6);
                whole.trainBatch(inputs, labels);
                split.trainBatch(inputs, labels, pooling::trainBatch);
                String where = kind + " step " + step;
                assertTrue(relativeError(whole.logits, split.logits) < EXACT_F64,
                        where + " logits: " + relativeError(whole.logits, split.logits));
                assertTrue(relativeError(whole.weightGradient, split.weightGradient) < EXACT_F64,
                        where + " weight gradient: " + relativeError(whole.weightGradient, split.weightGradient));
                assertTrue(relativeError(whole.biasGradient, split.biasGradient) < EXACT_F64,
                        where + " bias gradient: " + relativeError(whole.biasGradient, split.biasGradient));
                whole.step();
                split.step();
            }
        }
    }

    @Test
    void arraysWithoutTheRowsOnTheFirstAxisAreRefused() {
        ConcurrentSplitPooling pooling = new ConcurrentSplitPooling(SPLITS);
        try (TinyNetwork split = network(HeadKind.IMPLICIT, DataType.FLOAT64)) {
            split.head.setSplitPooling(pooling);
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> split.trainBatch(
                    TestBatches.inputs(1), TestBatches.labels(1), (trainer, batch) -> pooling.trainBatch(trainer,
                            new Batch(batch.getManager().newSubManager(), batch.getData(),
                                    new NDList(batch.getLabels().head().reshape(1, TestBatches.BATCH)),
                                    batch.getSize(), null, null, 0, 1))));
            assertTrue(refused.getMessage().contains("first axis"), refused.getMessage());
            assertEquals(0, split.head.step());
        }
    }

    @Test
    void batchNormalisationWithSplitsSharingADeviceIsRefused() {
        ConcurrentSplitPooling pooling = new ConcurrentSplitPooling(SPLITS);
        try (EtfHeadBlock head = EtfHeadBlock.create(HeadKind.IMPLICIT, DIMENSION, CLASSES, 5, 1e-3, SEED)) {
            head.setSplitPooling(pooling);
            Block model = new SequentialBlock().add(Linear.builder().setUnits(DIMENSION).build())
                    .add(BatchNorm.builder().build()).add(head);
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> trainOneBatchInSplits(model, crossEntropyOverTheBatch(TestBatches.BATCH), pooling));
            assertTrue(refused.getMessage().contains("batch normalisation"), refused.getMessage());
            assertEquals(0, head.step());
        }
    }

    @Test
    void aModelWithTwoHeadsIsRefusedBeforeAnySplitRuns() {
        ConcurrentSplitPooling pooling = new ConcurrentSplitPooling(SPLITS);
        try (EtfHeadBlock pooled = EtfHeadBlock.create(HeadKind.IMPLICIT, DIMENSION, CLASSES, 5, 1e-3, SEED);
                EtfHeadBlock other = EtfHeadBlock.create(HeadKind.FIXED, DIMENSION, CLASSES, 5, 1e-3, SEED)) {
            pooled.setSplitPooling(pooling);
            Block model = new SequentialBlock().add(Linear.builder().setUnits(DIMENSION).build())
                    .add(new ParallelBlock(outputs -> outputs.get(0), List.of(pooled, other)));
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> trainOneBatchInSplits(model, crossEntropyOverTheBatch(TestBatches.BATCH), pooling));
            assertTrue(refused.getMessage().contains("one EtfHeadBlock, found 2"), refused.getMessage());
            assertEquals(0, pooled.step());
        }
    }

    /** A loss that reads the backbone's features past the head as well: the completion names why it cannot run. */
    @Test
    void featuresThatAlsoReachTheLossPastTheHeadAreRefusedByName() {
        ConcurrentSplitPooling pooling = new ConcurrentSplitPooling(SPLITS);
        try (EtfHeadBlock head = EtfHeadBlock.create(HeadKind.IMPLICIT, DIMENSION, CLASSES, 5, 1e-3, SEED)) {
            head.setSplitPooling(pooling);
            Block model = new SequentialBlock().add(Linear.builder().setUnits(DIMENSION).build())
                    .add(new ParallelBlock(outputs -> new NDList(outputs.get(0).head(), outputs.get(1).head()),
                            List.of(head, Linear.builder().setUnits(1).build())));
            Loss withPenalty = new Loss("cross-entropy and a penalty on the features") {
                @Override
                public NDArray evaluate(NDList labels, NDList predictions) {
                    NDArray penalty = predictions.get(1).square().sum();
                    return crossEntropyOverTheBatch(TestBatches.BATCH).evaluate(labels,
                            new NDList(predictions.get(0))).add(penalty.mul(NormalisedBatch.scalar(penalty, 1e-3)));
                }
            };
            IllegalStateException refused = assertThrows(IllegalStateException.class,
                    () -> trainOneBatchInSplits(model, withPenalty, pooling));
            assertTrue(refused.getMessage().contains("only way to the loss"), refused.getMessage());
        }
    }

    /** {@code fit} is EasyTrain.fit in splits: one head step per batch, validation and onEpoch per epoch. */
    @Test
    void fitTrainsEveryBatchInSplitsAndValidatesEveryEpoch() throws Exception {
        ConcurrentSplitPooling pooling = new ConcurrentSplitPooling(SPLITS);
        int[] epochs = new int[1];
        int[] validationBatches = new int[1];
        ai.djl.training.listener.TrainingListener counting = new ai.djl.training.listener.TrainingListenerAdapter() {
            @Override
            public void onEpoch(Trainer trainer) {
                epochs[0]++;
            }

            @Override
            public void onValidationBatch(Trainer trainer, BatchData batchData) {
                validationBatches[0]++;
            }
        };
        try (EtfHeadBlock head = EtfHeadBlock.create(HeadKind.IMPLICIT, DIMENSION, CLASSES, 5, 1e-3, SEED);
                Model model = Model.newInstance("fit", Device.cpu(), "PyTorch")) {
            head.setSplitPooling(pooling);
            model.setBlock(new SequentialBlock().add(Linear.builder().setUnits(DIMENSION).build()).add(head));
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(crossEntropyOverTheBatch(
                    TestBatches.BATCH)).addTrainingListeners(counting))) {
                trainer.initialize(new Shape(TestBatches.BATCH, TestBatches.INPUTS));
                NDManager data = trainer.getManager().newSubManager();
                ai.djl.training.dataset.ArrayDataset rows = new ai.djl.training.dataset.ArrayDataset.Builder()
                        .setData(data.randomNormal(new Shape(3 * TestBatches.BATCH, TestBatches.INPUTS)))
                        .optLabels(data.arange(3 * TestBatches.BATCH).mod(data.create(CLASSES)))
                        .setSampling(TestBatches.BATCH, false).build();
                pooling.fit(trainer, 2, rows, rows);
                assertEquals(6, head.step(), "one head step per training batch: 3 batches x 2 epochs");
                assertEquals(2, epochs[0]);
                assertEquals(6, validationBatches[0]);
                assertThrows(IllegalArgumentException.class, () -> pooling.fit(trainer, -1, rows, null));
                data.close();
            }
        }
    }

    /** One batch of the test inputs through {@code pooling.trainBatch} on a float64 model of {@code block}. */
    private static void trainOneBatchInSplits(Block block, Loss loss, ConcurrentSplitPooling pooling) {
        try (Model model = Model.newInstance("splits", Device.cpu(), "PyTorch")) {
            model.setDataType(DataType.FLOAT64);
            model.setBlock(block);
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(loss))) {
                Shape inputs = new Shape(TestBatches.BATCH, TestBatches.INPUTS);
                trainer.initialize(inputs);
                NDManager scope = trainer.getManager().newSubManager();
                try (Batch batch = new Batch(scope, new NDList(scope.create(TestBatches.inputs(1).data, inputs)),
                        new NDList(scope.create(TestBatches.labels(1))), TestBatches.BATCH, null, null, 0, 1)) {
                    pooling.trainBatch(trainer, batch);
                }
            }
        }
    }

    @Test
    void aThreadPoolTooSmallForTheSplitsIsRefusedAtOnce() {
        ConcurrentSplitPooling pooling = new ConcurrentSplitPooling(SPLITS + 1);
        try (TinyNetwork split = network(HeadKind.IMPLICIT, DataType.FLOAT64)) {
            split.head.setSplitPooling(pooling);
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> split.trainBatch(
                    TestBatches.inputs(1), TestBatches.labels(1),
                    (trainer, batch) -> pooling.trainBatch(trainer, batch, threads)));
            assertTrue(refused.getMessage().contains("runs " + SPLITS + " tasks at once"), refused.getMessage());
            assertEquals(0, split.head.step());
        }
    }

    /** The standard head on the oblique manifold (not among the head kinds) in splits: the same first step. */
    @Test
    void theStandardHeadOnTheObliqueManifoldGetsTheUnsplitGradients() {
        ConcurrentSplitPooling pooling = new ConcurrentSplitPooling(SPLITS);
        try (TinyNetwork whole = obliqueNetwork(); TinyNetwork split = obliqueNetwork()) {
            split.head.setSplitPooling(pooling);
            whole.trainBatch(TestBatches.inputs(1), TestBatches.labels(1));
            split.trainBatch(TestBatches.inputs(1), TestBatches.labels(1),
                    (trainer, batch) -> pooling.trainBatch(trainer, batch, threads));
            assertTrue(relativeError(whole.logits, split.logits) < EXACT_F64);
            assertTrue(relativeError(whole.weightGradient, split.weightGradient) < EXACT_F64,
                    "" + relativeError(whole.weightGradient, split.weightGradient));
            assertTrue(relativeError(whole.classifierGradient, split.classifierGradient) < EXACT_F64,
                    "" + relativeError(whole.classifierGradient, split.classifierGradient));
        }
    }

    @Test
    void anInterruptedCallerWaitsForTheSplitsThenReportsTheInterruption() {
        ConcurrentSplitPooling pooling = new ConcurrentSplitPooling(SPLITS, java.time.Duration.ofMinutes(10));
        try (TinyNetwork split = network(HeadKind.IMPLICIT, DataType.FLOAT64)) {
            split.head.setSplitPooling(pooling);
            IllegalStateException refused = assertThrows(IllegalStateException.class, () -> split.trainBatch(
                    TestBatches.inputs(1), TestBatches.labels(1), (trainer, batch) -> {
                        Thread.currentThread().interrupt();
                        pooling.trainBatch(trainer, batch, threads);
                    }));
            assertTrue(Thread.interrupted(), "the interruption is restored on the caller's thread");
            assertTrue(refused.getMessage().contains("interrupted"), refused.getMessage());
            // every split had ended before the call returned: the batch closed after it is not in use
            IllegalStateException later = assertThrows(IllegalStateException.class, () -> split.trainBatch(
                    TestBatches.inputs(2), TestBatches.labels(2),
                    (trainer, batch) -> pooling.trainBatch(trainer, batch, threads)));
            assertTrue(later.getMessage().contains("out of step"), later.getMessage());
        }
    }

    @Test
    void anExecutorThatCannotRunEverySplitIsReportedWithoutWaiting() {
        ConcurrentSplitPooling pooling = new ConcurrentSplitPooling(SPLITS, java.time.Duration.ofMinutes(10));
        // room for one split: the second is rejected while the first waits for it
        ExecutorService tooSmall = new OneTaskExecutor();
        try (TinyNetwork split = network(HeadKind.IMPLICIT, DataType.FLOAT64)) {
            split.head.setSplitPooling(pooling);
            long start = System.nanoTime();
            assertThrows(java.util.concurrent.RejectedExecutionException.class, () -> split.trainBatch(
                    TestBatches.inputs(1), TestBatches.labels(1),
                    (trainer, batch) -> pooling.trainBatch(trainer, batch, tooSmall)));
            assertTrue(System.nanoTime() - start < 60_000_000_000L, "the running split did not wait for the timeout");
            assertEquals(0, split.head.step());
        } finally {
            tooSmall.shutdownNow();
        }
    }

    @Test
    void aBatchSmallerThanTheSplitsIsRefused() {
        ConcurrentSplitPooling pooling = new ConcurrentSplitPooling(TestBatches.BATCH + 1);
        try (TinyNetwork split = network(HeadKind.IMPLICIT, DataType.FLOAT64)) {
            split.head.setSplitPooling(pooling);
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> split.trainBatch(
                    TestBatches.inputs(1), TestBatches.labels(1),
                    (trainer, batch) -> pooling.trainBatch(trainer, batch, threads)));
            assertTrue(refused.getMessage().contains("cannot be cut into " + (TestBatches.BATCH + 1) + " splits"),
                    refused.getMessage());
        }
    }

    private static TinyNetwork network(HeadKind kind, DataType type) {
        return network(kind, type, TestBatches.BATCH);
    }

    private static TinyNetwork network(HeadKind kind, DataType type, int batchSize) {
        return network(EtfHeadBlock.create(kind, DIMENSION, CLASSES, 5, 1e-3, SEED), type, batchSize);
    }

    private static TinyNetwork obliqueNetwork() {
        return network(EtfHeadBlock.standardOnObliqueManifold(DIMENSION, CLASSES, 5, SEED), DataType.FLOAT64,
                TestBatches.BATCH);
    }

    private static TinyNetwork network(EtfHeadBlock head, DataType type, int batchSize) {
        return new TinyNetwork(head, type, TestBatches.roundedToFloat(TestBatches.weight(SEED)),
                TestBatches.roundedToFloat(TestBatches.bias(SEED)), LEARNING_RATE, batchSize,
                crossEntropyOverTheBatch(batchSize));
    }

    /** Runs its first task on a thread of its own and rejects every later one. */
    static final class OneTaskExecutor extends java.util.concurrent.AbstractExecutorService {
        private boolean used;

        @Override
        public synchronized void execute(Runnable task) {
            if (used) {
                throw new java.util.concurrent.RejectedExecutionException("one task only");
            }
            used = true;
            new Thread(task, "one-task").start();
        }

        @Override
        public void shutdown() {
        }

        @Override
        public List<Runnable> shutdownNow() {
            return List.of();
        }

        @Override
        public boolean isShutdown() {
            return false;
        }

        @Override
        public boolean isTerminated() {
            return false;
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) {
            return true;
        }
    }

    /** The cross-entropy summed over the rows it is given, divided by the whole batch's size. */
    static Loss crossEntropyOverTheBatch(int batchSize) {
        return new Loss("cross-entropy over the batch") {
            @Override
            public NDArray evaluate(NDList labels, NDList predictions) {
                NDArray logits = predictions.singletonOrThrow();
                NDArray picked = logits.logSoftmax(1).mul(labels.head().oneHot(CLASSES, logits.getDataType()));
                return picked.sum().neg().div(NormalisedBatch.scalar(logits, batchSize));
            }
        };
    }
}
