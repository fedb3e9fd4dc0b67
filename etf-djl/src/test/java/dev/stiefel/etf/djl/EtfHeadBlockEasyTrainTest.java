package dev.stiefel.etf.djl;

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
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.TranslateException;
import dev.stiefel.etf.train.HeadKind;
import java.io.IOException;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every head trains in DJL's own loop, {@code EasyTrain.fit} with a validation set, with no call
 * beyond it: separable synthetic data (four Gaussian clusters) end up classified far above chance,
 * the implicit head takes one state step per training batch (none in validation), and the
 * standard head's classifier vectors have unit norm after training. {@link EtfHeadBlock#close()}
 * frees the native memory the heads own.
 */
class EtfHeadBlockEasyTrainTest {

    static final int SAMPLES = 400;
    static final int BATCH = 20;
    static final int INPUTS = 10;
    static final int DIMENSION = 16;
    static final int CLASSES = 4;
    static final int EPOCHS = 2;
    static final float LEARNING_RATE = 0.01f;
    static final double ACCURATE = 0.9;
    /** Unit norm after the row re-normalisation, in float32. */
    static final double UNIT = 1e-6;
    /** The initial weight's orthogonality, in float64 arithmetic. */
    static final double ORTHOGONAL = 1e-12;

    @ParameterizedTest
    @EnumSource(HeadKind.class)
    void everyHeadTrainsThroughEasyTrainFit(HeadKind kind) throws IOException, TranslateException {
        Engine.getEngine("PyTorch").setRandomSeed(7);
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
                Model model = Model.newInstance("fit", Device.cpu(), "PyTorch");
                EtfHeadBlock head = EtfHeadBlock.create(kind, DIMENSION, CLASSES, 5, 1e-3, 3)) {
            NDArray centres = manager.randomNormal(new Shape(CLASSES, INPUTS)).mul(manager.create(3f));
            NDArray labels = manager.arange(SAMPLES).toType(DataType.INT32, false).mod(manager.create(CLASSES));
            NDArray inputs = centres.get(labels.toType(DataType.INT64, false))
                    .add(manager.randomNormal(new Shape(SAMPLES, INPUTS)));
            ArrayDataset train = new ArrayDataset.Builder().setData(inputs).optLabels(labels)
                    .setSampling(BATCH, true).build();
            ArrayDataset validation = new ArrayDataset.Builder().setData(inputs).optLabels(labels)
                    .setSampling(BATCH, false).build();
            model.setBlock(new SequentialBlock().add(Linear.builder().setUnits(32).build()).add(Activation.reluBlock())
                    .add(Linear.builder().setUnits(DIMENSION).build()).add(head));
            DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(LEARNING_RATE)).build());
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(new Shape(BATCH, INPUTS));
                EasyTrain.fit(trainer, EPOCHS, train, validation);
            }
            assertEquals(kind.isImplicit() ? (long) EPOCHS * SAMPLES / BATCH : 0, head.step(), kind + " state steps");
            NDList logits = model.getBlock().forward(new ParameterStore(manager, false), new NDList(inputs), false);
            double accuracy = logits.head().argMax(1).toType(DataType.INT32, false).eq(labels).sum()
                    .toType(DataType.FLOAT64, false).getDouble() / SAMPLES;
            assertTrue(accuracy > ACCURATE, kind + " training accuracy " + accuracy);
            if (kind == HeadKind.STANDARD) {
                DMatrixRMaj classifier = head.classifier();
                for (int c = 0; c < CLASSES; c++) {
                    double norm = 0;
                    for (int k = 0; k < DIMENSION; k++) {
                        norm += classifier.get(k, c) * classifier.get(k, c);
                    }
                    assertEquals(1, Math.sqrt(norm), UNIT, "classifier vector " + c);
                }
            }
        }
    }

    @Test
    void theStandardHeadStartsAsAgdsOrthogonalInitialisation() {
        for (int[] shape : new int[][] {{DIMENSION, CLASSES}, {3, 5}}) {
            int dimension = shape[0];
            int classes = shape[1];
            DMatrixRMaj weight = new DMatrixRMaj(classes, dimension, true,
                    LearnedClassifier.initialValues(dimension, classes, 11));
            DMatrixRMaj gram = new DMatrixRMaj(1, 1);
            boolean wide = classes < dimension;
            if (wide) {
                CommonOps_DDRM.multTransB(weight, weight, gram);
            } else {
                CommonOps_DDRM.multTransA(weight, weight, gram);
            }
            double scale = (double) classes / dimension;
            for (int i = 0; i < gram.numRows; i++) {
                for (int j = 0; j < gram.numCols; j++) {
                    assertEquals(i == j ? scale : 0, gram.get(i, j), ORTHOGONAL, "gram " + i + "," + j);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = HeadKind.class, names = {"FIXED", "IMPLICIT"})
    void closeFreesTheNativeMemoryOfTheHead(HeadKind kind) {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            EtfHeadBlock head = EtfHeadBlock.create(kind, DIMENSION, CLASSES, 5, 1e-3, 0);
            NDArray features = manager.randomNormal(new Shape(BATCH, DIMENSION));
            NDArray labels = manager.arange(BATCH).toType(DataType.INT32, false).mod(manager.create(CLASSES));
            ParameterStore store = new ParameterStore(manager, false);
            head.forward(store, new NDList(features), new NDList(labels), null);
            head.forward(store, new NDList(features), false);
            head.close();
            head.close();
            boolean released = head.headClassifier() instanceof ImplicitEtfClassifier implicit ? implicit.isReleased()
                    : ((FixedEtfClassifier) head.headClassifier()).isReleased();
            assertTrue(released, kind + ": the head's manager is closed");
            assertThrows(IllegalStateException.class, () -> head.forward(store, new NDList(features), new NDList(labels),
                    null));
        }
    }
}
