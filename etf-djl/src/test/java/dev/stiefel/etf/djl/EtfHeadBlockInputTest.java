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
import ai.djl.training.loss.Loss;
import dev.stiefel.etf.train.HeadKind;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Bad input is refused with an exception that names it, never turned into a silently wrong
 * result: integer and boolean features (whose logits came back cast to that type), labels that
 * are not integral class indices (a float label 1.7 was truncated to 1, a NaN label read as
 * -2147483648), zero and non-finite rows, and in training rows so small that the derivative of
 * their normalisation overflows the type (float32 rows of 1e-44, float16 rows of 1e-6 gave
 * infinite or NaN gradients). A training forward that throws leaves the implicit head's state
 * where it was.
 */
class EtfHeadBlockInputTest {

    static final int BATCH = 8;
    static final int DIMENSION = 6;
    static final int CLASSES = 3;

    NDManager manager;
    ParameterStore store;

    @BeforeEach
    void setUp() {
        Engine.getEngine("PyTorch").setRandomSeed(4);
        manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        store = new ParameterStore(manager, false);
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    private EtfHeadBlock head(HeadKind kind, DataType type) {
        EtfHeadBlock head = EtfHeadBlock.create(kind, DIMENSION, CLASSES, 5, 1e-3, 1);
        head.initialize(manager, type, new Shape(BATCH, DIMENSION));
        return head;
    }

    private NDArray features(DataType type) {
        SplittableRandom random = new SplittableRandom(9);
        double[] values = new double[BATCH * DIMENSION];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextGaussian();
        }
        return manager.create(values, new Shape(BATCH, DIMENSION)).toType(type, false);
    }

    private NDArray labels() {
        int[] labels = new int[BATCH];
        for (int i = 0; i < BATCH; i++) {
            labels[i] = i % CLASSES;
        }
        return manager.create(labels);
    }

    @ParameterizedTest
    @EnumSource(HeadKind.class)
    void evaluationRefusesIntegerUnsignedAndBooleanFeatures(HeadKind kind) {
        try (EtfHeadBlock head = head(kind, DataType.FLOAT32)) {
            for (DataType type : new DataType[] {DataType.INT32, DataType.INT64, DataType.UINT8, DataType.BOOLEAN}) {
                NDArray features = manager.ones(new Shape(BATCH, DIMENSION)).toType(type, false);
                IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                        () -> head.forward(store, new NDList(features), false), kind + " " + type);
                assertTrue(refused.getMessage().contains("floating-point") && refused.getMessage().contains(
                        type.toString()), refused.getMessage());
            }
        }
    }

    @Test
    void aFractionalFloatLabelIsRefusedNamingItsRow() {
        try (EtfHeadBlock head = head(HeadKind.IMPLICIT, DataType.FLOAT32)) {
            float[] labels = {0, 1, 2, 0, 1.7f, 2, 0, 1};
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> head.forward(store, new NDList(features(DataType.FLOAT32)), new NDList(manager.create(labels)),
                            null));
            assertTrue(refused.getMessage().contains("row 4") && refused.getMessage().contains("1.7"),
                    refused.getMessage());
            assertEquals(0, head.step());
        }
    }

    @Test
    void aNanLabelIsRefusedNamingItsRow() {
        try (EtfHeadBlock head = head(HeadKind.STANDARD, DataType.FLOAT32)) {
            float[] labels = {0, 1, 2, Float.NaN, 1, 2, 0, 1};
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> head.forward(store, new NDList(features(DataType.FLOAT32)), new NDList(manager.create(labels)),
                            null));
            assertTrue(refused.getMessage().contains("NaN") && refused.getMessage().contains("row 3"),
                    refused.getMessage());
        }
    }

    @Test
    void outOfRangeLabelsAndAWrongLabelCountAreRefused() {
        try (EtfHeadBlock head = head(HeadKind.FIXED, DataType.FLOAT32)) {
            int[] outOfRange = {0, 1, 2, 3, 1, 2, 0, 1};
            IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
                    () -> head.forward(store, new NDList(features(DataType.FLOAT32)),
                            new NDList(manager.create(outOfRange)), null));
            assertTrue(range.getMessage().contains("label 3 in row 3"), range.getMessage());
            IllegalArgumentException count = assertThrows(IllegalArgumentException.class,
                    () -> head.forward(store, new NDList(features(DataType.FLOAT32)),
                            new NDList(manager.create(new int[] {0, 1, 2})), null));
            assertTrue(count.getMessage().contains("labels of shape"), count.getMessage());
        }
    }

    @Test
    void aTrainingForwardThatThrowsDoesNotAdvanceTheImplicitStep() {
        try (EtfHeadBlock head = head(HeadKind.IMPLICIT, DataType.FLOAT64)) {
            // a first batch of a single class has no direction to align the ETF to
            NDArray oneClass = manager.zeros(new Shape(BATCH), DataType.INT32);
            assertThrows(ArithmeticException.class,
                    () -> head.forward(store, new NDList(features(DataType.FLOAT64)), new NDList(oneClass), null));
            assertEquals(0, head.step());
            assertTrue(head.solution().isEmpty());

            head.forward(store, new NDList(features(DataType.FLOAT64)), new NDList(labels()), null);
            assertEquals(1, head.step());
            double[] before = head.solution().orElseThrow().data.clone();

            NDArray broken = features(DataType.FLOAT64);
            broken.set(new ai.djl.ndarray.index.NDIndex("5, 2"), Double.NaN);
            ArithmeticException nan = assertThrows(ArithmeticException.class,
                    () -> head.forward(store, new NDList(broken), new NDList(labels()), null));
            assertTrue(nan.getMessage().contains("row 5"), nan.getMessage());
            assertEquals(1, head.step());
            assertEquals(0, TestBatches.relativeError(before, head.solution().orElseThrow().data));
        }
    }

    @Test
    void zeroAndInfiniteRowsAreRefusedInEvaluationToo() {
        try (EtfHeadBlock head = head(HeadKind.FIXED, DataType.FLOAT32)) {
            NDArray zero = features(DataType.FLOAT32);
            zero.set(new ai.djl.ndarray.index.NDIndex("2, :"), 0f);
            ArithmeticException refused = assertThrows(ArithmeticException.class,
                    () -> head.forward(store, new NDList(zero), false));
            assertTrue(refused.getMessage().contains("zero vector in feature row 2"), refused.getMessage());
            NDArray infinite = features(DataType.FLOAT32);
            infinite.set(new ai.djl.ndarray.index.NDIndex("6, 1"), Float.POSITIVE_INFINITY);
            ArithmeticException nonFinite = assertThrows(ArithmeticException.class,
                    () -> head.forward(store, new NDList(infinite), false));
            assertTrue(nonFinite.getMessage().contains("feature row 6"), nonFinite.getMessage());
        }
    }

    @Test
    void float32RowsOfNorm1e44AreRefusedInTrainingNamingTheRow() {
        try (EtfHeadBlock head = head(HeadKind.FIXED, DataType.FLOAT32)) {
            NDArray tiny = features(DataType.FLOAT32);
            tiny.set(new ai.djl.ndarray.index.NDIndex("4, :"), 1e-44f);
            ArithmeticException refused = assertThrows(ArithmeticException.class,
                    () -> head.forward(store, new NDList(tiny), new NDList(labels()), null));
            assertTrue(refused.getMessage().contains("row 4") && refused.getMessage().contains("float32"),
                    refused.getMessage());
        }
    }

    @Test
    void float16RowsOf1e6AreRefusedInTrainingNamingTheRow() {
        try (EtfHeadBlock head = head(HeadKind.STANDARD, DataType.FLOAT16)) {
            NDArray tiny = features(DataType.FLOAT32);
            tiny.set(new ai.djl.ndarray.index.NDIndex("1, :"), 1e-6f);
            NDArray half = tiny.toType(DataType.FLOAT16, false);
            ArithmeticException refused = assertThrows(ArithmeticException.class,
                    () -> head.forward(store, new NDList(half), new NDList(labels()), null));
            assertTrue(refused.getMessage().contains("row 1") && refused.getMessage().contains("float16"),
                    refused.getMessage());
        }
    }

    /** Small rows that are not refused get finite, exact gradients: the scaled norm neither under- nor overflows. */
    @Test
    void smallButRepresentableRowsGetFiniteGradients() {
        try (EtfHeadBlock head = head(HeadKind.FIXED, DataType.FLOAT32)) {
            NDArray small = features(DataType.FLOAT32).mul(manager.create(1e-30f));
            NDArray reference = features(DataType.FLOAT32);
            small.setRequiresGradient(true);
            reference.setRequiresGradient(true);
            try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                collector.backward(Loss.softmaxCrossEntropyLoss().evaluate(new NDList(labels()),
                        head.forward(store, new NDList(small), new NDList(labels()), null)));
                collector.backward(Loss.softmaxCrossEntropyLoss().evaluate(new NDList(labels()),
                        head.forward(store, new NDList(reference), new NDList(labels()), null)));
            }
            // the normalisation is scale-invariant, so the gradient scales by 1/1e-30
            double[] expected = reference.getGradient().toType(DataType.FLOAT64, false).mul(manager.create(1e30))
                    .toDoubleArray();
            double[] actual = small.getGradient().toType(DataType.FLOAT64, false).toDoubleArray();
            for (double value : actual) {
                assertTrue(Double.isFinite(value), "finite gradient");
            }
            assertTrue(TestBatches.relativeError(expected, actual) < 1e-5,
                    "gradient of rows scaled by 1e-30: " + TestBatches.relativeError(expected, actual));
        }
    }
}
