package dev.stiefel.examples;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Dataset;
import ai.djl.training.loss.Loss;
import ai.djl.translate.TranslateException;
import dev.stiefel.etf.djl.ConcurrentSplitPooling;
import dev.stiefel.etf.djl.EtfHeadBlock;
import dev.stiefel.etf.train.HeadKind;
import java.io.IOException;

/**
 * The implicit head under data-parallel training: every batch cut into two splits that run
 * concurrently (here both on the CPU; one per GPU on a machine with several), pooling their class
 * sums so that the head steps once per batch, and completing each split's backward with the other
 * split's gradients; ten Gaussian clusters in 20 dimensions; prints the training accuracy.
 */
public class SplitTrainingExample {

    static EtfHeadBlock train(Model model, Block backbone, Dataset dataset, Shape inputShape, int epochs)
            throws IOException, TranslateException {
        // snippet-start
        EtfHeadBlock head = EtfHeadBlock.create(HeadKind.IMPLICIT, 512, 10, 5.0, 1e-3, 0); // d, C, tau, delta, seed
        ConcurrentSplitPooling pooling = new ConcurrentSplitPooling(2); // splits per batch
        head.setSplitPooling(pooling);
        model.setBlock(new SequentialBlock().add(backbone).add(head));
        try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()))) {
            trainer.initialize(inputShape);
            pooling.fit(trainer, epochs, dataset, null); // EasyTrain.fit with each batch trained in splits
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
                System.out.printf("training accuracy %.3f after %d steps of the head%n",
                        clusters.accuracy(model.getBlock(), manager), head.step());
            }
        }
    }
}
