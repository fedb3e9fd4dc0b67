package dev.stiefel.etf.djl;

import ai.djl.Model;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.Dataset;
import ai.djl.training.loss.Loss;
import ai.djl.translate.TranslateException;
import dev.stiefel.etf.train.HeadKind;
import java.io.IOException;

/** The README's example: the implicit ETF head after an existing DJL backbone with d = 512 outputs. */
final class ImplicitHeadExample {

    private ImplicitHeadExample() {
    }

    static EtfHeadBlock train(Model model, Block backbone, Dataset dataset, Shape inputShape)
            throws IOException, TranslateException {
        EtfHeadBlock head = EtfHeadBlock.create(HeadKind.IMPLICIT, 512, 10, 5.0, 1e-3, 0);
        model.setBlock(new SequentialBlock().add(backbone).add(head));
        try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()))) {
            trainer.initialize(inputShape);
            for (Batch batch : trainer.iterateDataset(dataset)) {
                try (GradientCollector collector = trainer.newGradientCollector()) {
                    NDList logits = trainer.forward(batch.getData(), batch.getLabels());
                    collector.backward(trainer.getLoss().evaluate(batch.getLabels(), logits));
                    head.backward(collector);
                }
                trainer.step();
                head.afterStep();
                batch.close();
            }
        }
        return head;
    }
}
