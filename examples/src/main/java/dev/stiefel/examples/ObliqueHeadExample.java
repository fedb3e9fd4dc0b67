package dev.stiefel.examples;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Dataset;
import ai.djl.training.loss.Loss;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.TranslateException;
import dev.stiefel.djl.riemannian.ManifoldConstraint;
import dev.stiefel.djl.riemannian.RiemannianSgd;
import dev.stiefel.etf.djl.EtfHeadBlock;
import java.io.IOException;

/**
 * The learned (standard) head with its classifier rows on the oblique manifold, held there by
 * Riemannian SGD in DJL's own loop instead of being re-normalised after each step; ten Gaussian
 * clusters in 20 dimensions; prints the training accuracy and how far the rows are from unit norm.
 */
public class ObliqueHeadExample {

    static EtfHeadBlock train(Model model, Block backbone, Dataset dataset, Shape inputShape, int epochs)
            throws IOException, TranslateException {
        // snippet-start
        EtfHeadBlock head = EtfHeadBlock.standardOnObliqueManifold(512, 10, 5.0, 0); // d, C, tau, seed
        model.setBlock(new SequentialBlock().add(backbone).add(head));
        try (RiemannianSgd sgd = RiemannianSgd.builder().setLearningRateTracker(Tracker.fixed(0.05f))
                .optMomentum(0.9).constrain(head.classifierParameter().orElseThrow(), ManifoldConstraint.obliqueRows())
                .build();
                Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                        .optOptimizer(sgd))) {
            trainer.initialize(inputShape);
            EasyTrain.fit(trainer, epochs, dataset, null);
        }
        // snippet-end
        return head;
    }

    public static void main(String[] args) throws IOException, TranslateException {
        Engine.getEngine("PyTorch").setRandomSeed(1);
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
                Model model = Model.newInstance("example", Device.cpu(), "PyTorch")) {
            GaussianClusters clusters = GaussianClusters.draw(manager);
            try (EtfHeadBlock head = train(model, GaussianClusters.backbone(), clusters.dataset(),
                    GaussianClusters.batchShape(), 1)) {
                double defect = ManifoldConstraint.obliqueRows().defect(head.classifierParameter().orElseThrow()
                        .getArray());
                System.out.printf("training accuracy %.3f, largest | ||row|| - 1 | %.1e%n",
                        clusters.accuracy(model.getBlock(), manager), defect);
            }
        }
    }
}
