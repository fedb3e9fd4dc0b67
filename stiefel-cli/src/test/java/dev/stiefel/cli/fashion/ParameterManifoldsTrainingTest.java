package dev.stiefel.cli.fashion;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.loss.Loss;
import ai.djl.translate.TranslateException;
import dev.stiefel.djl.riemannian.ManifoldConstraint;
import dev.stiefel.djl.riemannian.RiemannianSgd;
import dev.stiefel.etf.djl.Backbone;
import dev.stiefel.etf.djl.data.Augmentation;
import dev.stiefel.etf.djl.data.FashionMnist;
import dev.stiefel.etf.djl.data.ImageBatches;
import dev.stiefel.etf.djl.data.ImageSet;
import dev.stiefel.etf.train.HeadKind;
import java.io.IOException;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The image classifier with its parameters on manifolds: the standard head's classifier on the
 * oblique manifold and the backbone's last linear map on the Stiefel manifold start there and stay
 * there (float32) through Riemannian SGD steps on real images in DJL's loop; a whole run learns
 * above chance; AGD with a constraint and an unknown row mode are refused by name.
 */
class ParameterManifoldsTrainingTest {

    static final ParameterManifolds BOTH = new ParameterManifolds(true, true);

    @Test
    void bothConstrainedParametersStartAndStayOnTheirManifolds() throws IOException, TranslateException {
        FashionMnist data = FashionMnist.load(FashionMnistCommandTest.requireData());
        ImageSet train = data.train().first(640);
        ImageClassifierOptions options = ImageClassifierOptions.defaults(1).withBackbone(Backbone.MLP, 4, 96)
                .withBatchSize(32).withManifolds(BOTH);
        try (ImageClassifierTraining.Network network = ImageClassifierTraining.Network.create(HeadKind.STANDARD, 3,
                train.numClasses(), options);
                Model model = Model.newInstance("manifolds", Device.cpu(), "PyTorch")) {
            assertInstanceOf(RiemannianSgd.class, network.optimizer());
            model.setBlock(network.block());
            Parameter output = network.orthogonalOutput().orElseThrow();
            Parameter classifier = network.head().classifierParameter().orElseThrow();
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(network.optimizer()).optDevices(new Device[] {Device.cpu()}))) {
                network.startOnManifolds(3);
                trainer.initialize(new Shape(32, 1, train.rows(), train.cols()));
                assertOn(ManifoldConstraint.stiefelColumns(), output, 1e-6, "start");
                assertOn(ManifoldConstraint.obliqueRows(), classifier, 1e-6, "start");
                float[] before = output.getArray().toFloatArray();
                ImageBatches batches = new ImageBatches(train, train.normalisation(), Augmentation.NONE, 32, true,
                        new SplittableRandom(1));
                for (Batch batch : trainer.iterateDataset(batches)) {
                    EasyTrain.trainBatch(trainer, batch);
                    trainer.step();
                    batch.close();
                }
                assertTrue(!java.util.Arrays.equals(before, output.getArray().toFloatArray()), "the output map moved");
                assertOn(ManifoldConstraint.stiefelColumns(), output, 1e-5, "after 20 steps");
                assertOn(ManifoldConstraint.obliqueRows(), classifier, 1e-5, "after 20 steps");
            }
        }
    }

    @Test
    void aRunWithBothConstraintsLearnsAboveChance() throws IOException {
        FashionMnist data = FashionMnist.load(FashionMnistCommandTest.requireData());
        ImageClassifierOptions options = ImageClassifierOptions.defaults(1).withBackbone(Backbone.MLP, 4, 96)
                .withBatchSize(32).withNeuralCollapse(1, 640).withManifolds(BOTH);
        List<EpochRecord> history = ImageClassifierTraining.run(HeadKind.STANDARD, 1, data.train().first(640),
                data.test().first(500), data.train().normalisation(), options, new ImageClassifierTraining.Listener() { });
        assertTrue(history.get(0).testAccuracy() > FashionMnistSmokeTest.ABOVE_CHANCE, history.get(0).toString());
    }

    @Test
    void agdWithAConstraintAndAnUnknownRowModeAreRefused() {
        IllegalArgumentException agd = assertThrows(IllegalArgumentException.class, () -> ImageClassifierOptions
                .defaults(1).withOptimizer(OptimizerChoice.AGD, 1, 0).withManifolds(BOTH));
        assertTrue(agd.getMessage().contains("agd") && agd.getMessage().contains("oblique"), agd.getMessage());
        IllegalArgumentException rows = assertThrows(IllegalArgumentException.class,
                () -> FashionMnistCommand.parseClassifierRows("unit"));
        assertTrue(rows.getMessage().contains("--classifier-rows"), rows.getMessage());
    }

    private static void assertOn(ManifoldConstraint constraint, Parameter parameter, double tolerance, String when) {
        double defect = constraint.defect(parameter.getArray());
        assertTrue(defect <= tolerance, parameter.getName() + " " + when + ": defect " + defect + " on " + constraint);
    }
}
