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
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.listener.TrainingListenerAdapter;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.Batchifier;
import dev.stiefel.djl.riemannian.ManifoldConstraint;
import dev.stiefel.djl.riemannian.RiemannianSgd;
import dev.stiefel.etf.train.HeadKind;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The standard head with its classifier on the oblique manifold, trained by djl-riemannian's
 * {@link RiemannianSgd} in DJL's own loop: it starts from the standard head's rows scaled to unit
 * norm, a training forward uses the stored rows as they are (no re-normalisation), one step is
 * the Riemannian step written out by hand ({@code v <- (v - eta (g - <v, g> v)) / ||.||} row by
 * row), the rows stay at unit norm over many steps, and an optimiser that does not hold the
 * parameter on the manifold is refused by name.
 */
class StandardHeadOnObliqueManifoldTest {

    static final int INPUTS = 6;
    static final int DIMENSION = 5;
    static final int CLASSES = 3;
    static final int BATCH = 12;
    static final double TAU = 2;

    @Test
    void startsFromTheStandardHeadsRowsAtUnitNorm() {
        try (Fixture standard = new Fixture(EtfHeadBlock.standard(DIMENSION, CLASSES, TAU, 11), DataType.FLOAT64, null);
                Fixture oblique = new Fixture(EtfHeadBlock.standardOnObliqueManifold(DIMENSION, CLASSES, TAU, 11),
                        DataType.FLOAT64, null)) {
            DMatrixRMaj rows = TinyNetwork.toHost(standard.classifier().getArray());
            DMatrixRMaj unitRows = TinyNetwork.toHost(oblique.classifier().getArray());
            double[] agdStart = LearnedClassifier.initialValues(DIMENSION, CLASSES, 11);
            for (int i = 0; i < agdStart.length; i++) {
                assertEquals(agdStart[i], rows.data[i], 1e-15, "the trainer kept the head's own start, entry " + i);
            }
            for (int c = 0; c < CLASSES; c++) {
                double norm = 0;
                for (int k = 0; k < DIMENSION; k++) {
                    norm += rows.get(c, k) * rows.get(c, k);
                }
                norm = Math.sqrt(norm);
                assertTrue(Math.abs(norm - 1) > 0.1, "the standard head starts with rows of norm sqrt(C/d), got " + norm);
                for (int k = 0; k < DIMENSION; k++) {
                    assertEquals(rows.get(c, k) / norm, unitRows.get(c, k), 1e-15, "row " + c + ", entry " + k);
                }
            }
        }
    }

    @Test
    void oneRiemannianSgdStepIsTheProjectedStepRetractedRowByRow() {
        double learningRate = 0.5;
        try (Fixture network = new Fixture(EtfHeadBlock.standardOnObliqueManifold(DIMENSION, CLASSES, TAU, 4),
                DataType.FLOAT64, learningRate)) {
            SplittableRandom random = new SplittableRandom(5);
            DMatrixRMaj before = TinyNetwork.toHost(network.classifier().getArray());
            network.trainBatch(random);
            DMatrixRMaj features = network.lastFeatures;
            DMatrixRMaj logits = network.lastLogits;
            // the training forward's logits use the stored rows: z_i = tau h_i / ||h_i|| . v_c
            for (int i = 0; i < BATCH; i++) {
                double norm = 0;
                for (int k = 0; k < DIMENSION; k++) {
                    norm += features.get(i, k) * features.get(i, k);
                }
                for (int c = 0; c < CLASSES; c++) {
                    double z = 0;
                    for (int k = 0; k < DIMENSION; k++) {
                        z += TAU * features.get(i, k) / Math.sqrt(norm) * before.get(c, k);
                    }
                    assertEquals(z, logits.get(i, c), 1e-13, "logit (" + i + ", " + c + ")");
                }
            }
            DMatrixRMaj gradient = TinyNetwork.toHost(network.classifier().getArray().getGradient());
            network.trainer.step();
            DMatrixRMaj after = TinyNetwork.toHost(network.classifier().getArray());
            for (int c = 0; c < CLASSES; c++) {
                double radial = 0;
                for (int k = 0; k < DIMENSION; k++) {
                    radial += before.get(c, k) * gradient.get(c, k);
                }
                double[] moved = new double[DIMENSION];
                double norm = 0;
                for (int k = 0; k < DIMENSION; k++) {
                    moved[k] = before.get(c, k) - learningRate * (gradient.get(c, k) - radial * before.get(c, k));
                    norm += moved[k] * moved[k];
                }
                for (int k = 0; k < DIMENSION; k++) {
                    assertEquals(moved[k] / Math.sqrt(norm), after.get(c, k), 1e-14, "row " + c + ", entry " + k);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT32", "FLOAT64"})
    void theRowsStayAtUnitNormOverManySteps(DataType type) {
        try (Fixture network = new Fixture(EtfHeadBlock.standardOnObliqueManifold(DIMENSION, CLASSES, TAU, 8), type,
                0.2)) {
            SplittableRandom random = new SplittableRandom(9);
            for (int step = 0; step < 300; step++) {
                network.trainBatch(random);
                network.trainer.step();
            }
            double defect = ManifoldConstraint.obliqueRows().defect(network.classifier().getArray());
            assertTrue(defect <= (type == DataType.FLOAT64 ? 1e-14 : 1e-6), type + ": row-norm defect " + defect);
        }
    }

    @Test
    void anOptimiserThatDoesNotHoldTheRowsIsRefusedByName() {
        try (Fixture network = new Fixture(EtfHeadBlock.standardOnObliqueManifold(DIMENSION, CLASSES, TAU, 4),
                DataType.FLOAT64, null)) {
            SplittableRandom random = new SplittableRandom(5);
            network.trainBatch(random);
            network.trainer.step();
            RuntimeException refused = assertThrows(RuntimeException.class, () -> network.trainBatch(random));
            Throwable cause = refused;
            while (!(cause instanceof IllegalStateException) && cause.getCause() != null) {
                cause = cause.getCause();
            }
            assertTrue(cause.getMessage().contains("obliqueRows()") && cause.getMessage().contains("row"),
                    cause.getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(HeadKind.class)
    void onlyTheStandardHeadHasAClassifierParameter(HeadKind kind) {
        try (EtfHeadBlock head = EtfHeadBlock.create(kind, DIMENSION, CLASSES, TAU, 1e-3, 1)) {
            assertEquals(kind == HeadKind.STANDARD, head.classifierParameter().isPresent(), kind.toString());
            head.classifierParameter().ifPresent(parameter -> assertEquals("classifier", parameter.getName()));
        }
    }

    /**
     * A {@code Linear} backbone and the head, trained by RiemannianSgd (no momentum) holding the
     * head's classifier on the oblique manifold, or by DJL's plain SGD when no rate is given.
     */
    static final class Fixture implements AutoCloseable {
        final NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        final Model model = Model.newInstance("oblique", Device.cpu(), "PyTorch");
        final EtfHeadBlock head;
        final Linear backbone = Linear.builder().setUnits(DIMENSION).build();
        final Trainer trainer;
        final DataType type;
        final RiemannianSgd riemannian;
        DMatrixRMaj lastFeatures;
        DMatrixRMaj lastLogits;

        Fixture(EtfHeadBlock head, DataType type, Double riemannianRate) {
            this.head = head;
            this.type = type;
            Engine.getEngine("PyTorch").setRandomSeed(3);
            model.setDataType(type);
            model.setBlock(new SequentialBlock().add(backbone).add(head));
            Optimizer optimizer;
            if (riemannianRate == null) {
                riemannian = null;
                optimizer = Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.5f)).build();
            } else {
                riemannian = RiemannianSgd.builder().setLearningRateTracker(Tracker.fixed(riemannianRate.floatValue()))
                        .constrain(head.classifierParameter().orElseThrow(), ManifoldConstraint.obliqueRows()).build();
                optimizer = riemannian;
            }
            TrainingListener capture = new TrainingListenerAdapter() {
                @Override
                public void onTrainingBatch(Trainer trainer, BatchData batchData) {
                    lastLogits = TinyNetwork.toHost(batchData.getPredictions().values().iterator().next().head());
                }
            };
            trainer = model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()).optOptimizer(optimizer)
                    .optDevices(new Device[] {Device.cpu()}).addTrainingListeners(capture));
            trainer.initialize(new Shape(BATCH, INPUTS));
            if (type == DataType.FLOAT64) {
                TinyNetwork.skipFloat32GradientCheck(trainer);
            }
        }

        Parameter classifier() {
            return head.classifierParameter().orElseThrow();
        }

        /** One random batch through {@link EasyTrain#trainBatch}; keeps the backbone's output and the logits. */
        void trainBatch(SplittableRandom random) {
            double[] inputs = new double[BATCH * INPUTS];
            int[] labels = new int[BATCH];
            for (int i = 0; i < BATCH; i++) {
                labels[i] = i % CLASSES;
                for (int k = 0; k < INPUTS; k++) {
                    inputs[i * INPUTS + k] = random.nextGaussian() + (k == labels[i] ? 2 : 0);
                }
            }
            NDManager scope = manager.newSubManager();
            NDArray data = scope.create(inputs, new Shape(BATCH, INPUTS)).toType(type, false);
            Batch batch = new Batch(scope, new NDList(data), new NDList(scope.create(labels)), BATCH, Batchifier.STACK,
                    Batchifier.STACK, 0, 1);
            try {
                lastFeatures = TinyNetwork.toHost(backbone.forward(new ParameterStore(scope, false),
                        new NDList(data), false).head());
                EasyTrain.trainBatch(trainer, batch);
            } finally {
                batch.close();
            }
        }

        @Override
        public void close() {
            trainer.close();
            if (riemannian != null) {
                riemannian.close();
            }
            model.close();
            head.close();
            manager.close();
        }
    }
}
