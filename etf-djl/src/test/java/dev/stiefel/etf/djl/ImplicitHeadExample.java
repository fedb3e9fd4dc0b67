package dev.stiefel.etf.djl;

import ai.djl.Model;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Dataset;
import ai.djl.training.loss.Loss;
import ai.djl.translate.TranslateException;
import dev.stiefel.etf.train.HeadKind;
import java.io.IOException;

/** The README's example: the implicit ETF head after an existing DJL backbone with d = 512 outputs. */
final class ImplicitHeadExample {

    private ImplicitHeadExample() {
    }

    static EtfHeadBlock train(Model model, Block backbone, Dataset dataset, Shape inputShape, int epochs)
            throws IOException, TranslateException {
        EtfHeadBlock head = EtfHeadBlock.create(HeadKind.IMPLICIT, 512, 10, 5.0, 1e-3, 0); // d, C, tau, delta, seed
        model.setBlock(new SequentialBlock().add(backbone).add(head));
        try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()))) {
            trainer.initialize(inputShape);
            EasyTrain.fit(trainer, epochs, dataset, null);
        }
        return head;
    }
}
