package dev.stiefel.etf.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.stiefel.etf.train.HeadKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Data-parallel splits through the same pooling code DJL's multi-device training would drive:
 * each step's batch is cut into {@link #SPLITS} splits whose training forwards run concurrently,
 * one thread each, as the splits of a multi-device step do (DJL's own multi-device path cannot run
 * here: the PyTorch engine maps {@code cpu(1)} to {@code cpu()}, and {@code Trainer} refuses
 * duplicated devices). Under a {@link ConcurrentSplitPooling} the head advances its state once per
 * step, every split uses the same {@code U*}, and the state and the logits equal those of the same
 * head given the unsplit batch, over steps where some splits or the whole batch miss classes.
 */
class SplitPoolingTest {

    static final int SPLITS = 3;
    static final int ROWS_PER_SPLIT = 4;
    static final int DIMENSION = 8;
    static final int CLASSES = 4;
    static final int STEPS = 3;
    /** Splits against the unsplit batch: the pooled sums are added in another order (rounding). */
    static final double SAME_STEP = 1e-12;

    NDManager manager;
    ExecutorService threads;

    @BeforeEach
    void setUp() {
        Engine.getEngine("PyTorch").setRandomSeed(6);
        manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        threads = Executors.newFixedThreadPool(SPLITS);
    }

    @AfterEach
    void tearDown() {
        threads.shutdownNow();
        manager.close();
    }

    /** Labels of step {@code step}: step 1 every class; step 2 the first split holds class 0 only; step 3 no class 3. */
    static int[] labels(int step) {
        int[] labels = new int[SPLITS * ROWS_PER_SPLIT];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = switch (step) {
                case 1 -> i % CLASSES;
                case 2 -> i < ROWS_PER_SPLIT ? 0 : i % CLASSES;
                default -> i % (CLASSES - 1);
            };
        }
        return labels;
    }

    static double[] features(int step) {
        SplittableRandom random = new SplittableRandom(50 + step);
        double[] values = new double[SPLITS * ROWS_PER_SPLIT * DIMENSION];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextGaussian();
        }
        return values;
    }

    @ParameterizedTest
    @EnumSource(value = HeadKind.class, names = {"FIXED", "IMPLICIT", "IMPLICIT_FORWARD_ONLY"})
    void concurrentSplitsAdvanceOnceAndEqualTheUnsplitStep(HeadKind kind) throws Exception {
        try (EtfHeadBlock whole = EtfHeadBlock.create(kind, DIMENSION, CLASSES, 5, 1e-3, 0);
                EtfHeadBlock split = EtfHeadBlock.create(kind, DIMENSION, CLASSES, 5, 1e-3, 0)) {
            ConcurrentSplitPooling pooling = new ConcurrentSplitPooling(SPLITS);
            split.setSplitPooling(pooling);
            ParameterStore store = new ParameterStore(manager, false);
            for (int step = 1; step <= STEPS; step++) {
                double[] values = features(step);
                int[] labels = labels(step);
                DMatrixRMaj expected;
                try (NDManager scope = manager.newSubManager()) {
                    NDArray features = scope.create(values, new Shape(labels.length, DIMENSION));
                    expected = TinyNetwork.toHost(whole.forward(store, new NDList(features),
                            new NDList(scope.create(labels)), null).head());
                }
                List<Future<DMatrixRMaj>> parts = new ArrayList<>();
                DMatrixRMaj actual = new DMatrixRMaj(labels.length, CLASSES);
                // the splits' arrays live until the step's backward is completed
                try (NDManager stepScope = manager.newSubManager()) {
                    for (int s = 0; s < SPLITS; s++) {
                        final int first = s * ROWS_PER_SPLIT;
                        NDManager scope = stepScope.newSubManager();
                        parts.add(threads.submit(() -> {
                            double[] rows = java.util.Arrays.copyOfRange(values, first * DIMENSION,
                                    (first + ROWS_PER_SPLIT) * DIMENSION);
                            int[] splitLabels = java.util.Arrays.copyOfRange(labels, first, first + ROWS_PER_SPLIT);
                            NDArray features = scope.create(rows, new Shape(ROWS_PER_SPLIT, DIMENSION));
                            return TinyNetwork.toHost(split.forward(store, new NDList(features),
                                    new NDList(scope.create(splitLabels)), null).head());
                        }));
                    }
                    for (int s = 0; s < SPLITS; s++) {
                        DMatrixRMaj part = parts.get(s).get();
                        System.arraycopy(part.data, 0, actual.data, s * ROWS_PER_SPLIT * CLASSES, part.data.length);
                    }
                    try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                        pooling.completeBackward(collector);
                    }
                }
                String where = kind + " step " + step;
                assertTrue(TestBatches.relativeError(expected, actual) < SAME_STEP,
                        where + " logits: " + TestBatches.relativeError(expected, actual));
                assertEquals(whole.step(), split.step(), where + ": one state step per training step");
                if (kind.isImplicit()) {
                    assertEquals(step, split.step());
                    assertTrue(TestBatches.relativeError(whole.solution().orElseThrow(), split.solution().orElseThrow())
                            < SAME_STEP, where + " U*");
                    assertTrue(TestBatches.relativeError(whole.movingAverage(), split.movingAverage()) < SAME_STEP,
                            where + " moving average");
                }
            }
        }
    }

    @Test
    void splitsThatDoNotComeConcurrentlyAreRefusedAndTheStateStays() {
        try (EtfHeadBlock head = EtfHeadBlock.create(HeadKind.IMPLICIT, DIMENSION, CLASSES, 5, 1e-3, 0)) {
            head.setSplitPooling(new ConcurrentSplitPooling(2, Duration.ofMillis(200)));
            ParameterStore store = new ParameterStore(manager, false);
            NDArray features = manager.create(features(1), new Shape(SPLITS * ROWS_PER_SPLIT, DIMENSION));
            NDArray labels = manager.create(labels(1));
            IllegalStateException refused = assertThrows(IllegalStateException.class,
                    () -> head.forward(store, new NDList(features), new NDList(labels), null));
            assertTrue(refused.getMessage().contains("1 of 2 splits") && refused.getMessage().contains("concurrently"),
                    refused.getMessage());
            assertEquals(0, head.step());
            IllegalStateException later = assertThrows(IllegalStateException.class,
                    () -> head.forward(store, new NDList(features), new NDList(labels), null));
            assertTrue(later.getMessage().contains("out of step"), later.getMessage());
        }
    }

    /**
     * A training forward without split pooling holds the head: another thread's training forward
     * at the same time is refused (it would free or rewrite the state the first is reading). The
     * first forward is held inside the head by a parameter store that waits on a latch.
     */
    @Test
    void concurrentTrainingForwardsWithoutPoolingAreRefused() throws Exception {
        try (EtfHeadBlock head = EtfHeadBlock.create(HeadKind.STANDARD, DIMENSION, CLASSES, 5, 1e-3, 0)) {
            head.initialize(manager, DataType.FLOAT64, new Shape(ROWS_PER_SPLIT, DIMENSION));
            java.util.concurrent.CountDownLatch inside = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
            ParameterStore holding = new ParameterStore(manager, false) {
                @Override
                public NDArray getValue(ai.djl.nn.Parameter parameter, Device device, boolean training) {
                    inside.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return super.getValue(parameter, device, training);
                }
            };
            NDArray features = manager.create(features(1)).reshape(SPLITS * ROWS_PER_SPLIT, DIMENSION);
            NDArray labels = manager.create(labels(1));
            Future<NDList> first = threads.submit(() -> head.forward(holding, new NDList(features), new NDList(labels),
                    null));
            inside.await();
            IllegalStateException refused = assertThrows(IllegalStateException.class, () -> head.forward(
                    new ParameterStore(manager, false), new NDList(features), new NDList(labels), null));
            assertTrue(refused.getMessage().contains("ConcurrentSplitPooling"), refused.getMessage());
            release.countDown();
            assertEquals(new Shape(SPLITS * ROWS_PER_SPLIT, CLASSES), first.get().head().getShape());
            // once the first has returned, the next training forward is taken
            head.forward(new ParameterStore(manager, false), new NDList(features), new NDList(labels), null);
        }
    }

    /**
     * A training forward on a thread that records no graph (DJL turns recording off on a thread
     * once a gradient collector on it closes) is completed like any other: zeros pass on.
     */
    @Test
    void aTrainingForwardThatRecordedNoGraphIsCompleted() {
        ConcurrentSplitPooling pooling = new ConcurrentSplitPooling(1);
        try (EtfHeadBlock head = EtfHeadBlock.create(HeadKind.IMPLICIT, DIMENSION, CLASSES, 5, 1e-3, 0);
                NDManager scope = manager.newSubManager()) {
            head.setSplitPooling(pooling);
            try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                assertTrue(collector != null);
            }
            NDArray features = scope.create(features(1), new Shape(SPLITS * ROWS_PER_SPLIT, DIMENSION));
            head.forward(new ParameterStore(scope, false), new NDList(features), new NDList(scope.create(labels(1))),
                    null);
            try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                pooling.completeBackward(collector);
            }
            assertEquals(1, head.step());
        }
    }

    /**
     * The timeout bounds the wait for the other splits to arrive, not the step that runs once they
     * have: a step of 600 ms under a 150 ms timeout gives every split its result.
     */
    @Test
    void aStepLongerThanTheTimeoutIsWaitedFor() throws Exception {
        ConcurrentSplitPooling pooling = new ConcurrentSplitPooling(SPLITS, Duration.ofMillis(150));
        List<Future<String>> results = new ArrayList<>();
        for (int s = 0; s < SPLITS; s++) {
            results.add(threads.submit(() -> {
                try (NDManager scope = manager.newSubManager()) {
                    ClassStatistics local = new ClassStatistics(scope.ones(new Shape(CLASSES, DIMENSION),
                            DataType.FLOAT64), scope.ones(new Shape(1, DIMENSION), DataType.FLOAT64),
                            new long[] {1, 0, 0, 0});
                    return pooling.poolAndStep(local, pooled -> {
                        try {
                            Thread.sleep(600);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        return "rows " + pooled.rows();
                    });
                }
            }));
        }
        for (Future<String> result : results) {
            assertEquals("rows " + SPLITS, result.get());
        }
    }

    /** Splits that meet without statistics run the step's action once per step; a step that mixes the two is refused. */
    @Test
    void splitsMeetOncePerStepAndAStepMayNotMixMeetingAndPooling() throws Exception {
        ConcurrentSplitPooling pooling = new ConcurrentSplitPooling(SPLITS);
        java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();
        for (int step = 1; step <= 2; step++) {
            List<Future<?>> splits = new ArrayList<>();
            for (int s = 0; s < SPLITS; s++) {
                splits.add(threads.submit(() -> pooling.meet(runs::incrementAndGet)));
            }
            for (Future<?> split : splits) {
                split.get();
            }
            assertEquals(step, runs.get(), "once per step");
        }
        ConcurrentSplitPooling mixed = new ConcurrentSplitPooling(2, Duration.ofMillis(300));
        Future<Object> pooled = threads.submit(() -> {
            try (NDManager scope = manager.newSubManager()) {
                return mixed.poolAndStep(new ClassStatistics(scope.ones(new Shape(CLASSES, DIMENSION),
                        DataType.FLOAT64), scope.ones(new Shape(1, DIMENSION), DataType.FLOAT64),
                        new long[] {1, 0, 0, 0}), statistics -> "pooled");
            }
        });
        while (!pooled.isDone() && mixed.waitingSplits() == 0) {
            Thread.onSpinWait();
        }
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> mixed.meet(() -> { }));
        assertTrue(refused.getMessage().contains("one head"), refused.getMessage());
        assertThrows(java.util.concurrent.ExecutionException.class, pooled::get);
    }

    @Test
    void statisticsOfSplitsSumToThoseOfTheBatch() {
        NDArray sums = manager.create(new double[] {1, 2, 3, 4, 5, 6}, new Shape(3, 2));
        NDArray features = manager.create(new double[] {9, 12}, new Shape(1, 2));
        ClassStatistics a = new ClassStatistics(sums, features, new long[] {1, 0, 2});
        ClassStatistics b = new ClassStatistics(sums.mul(manager.create(2.0)), features, new long[] {0, 3, 1});
        ClassStatistics total = ClassStatistics.sum(List.of(a, b), manager);
        assertEquals(7, total.rows());
        assertEquals(3, total.count(1));
        assertEquals(18, total.classSums().getDouble(2, 1));
        assertEquals(24, total.featureSum().getDouble(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new ClassStatistics(sums, features, new long[] {0, 0, 0}));
        assertThrows(IllegalArgumentException.class,
                () -> new ClassStatistics(sums.toType(DataType.FLOAT32, false), features, new long[] {1, 0, 0}));
    }
}
