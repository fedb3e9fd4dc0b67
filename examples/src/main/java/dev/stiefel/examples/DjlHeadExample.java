package dev.stiefel.examples;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.Dataset;
import ai.djl.training.loss.Loss;
import ai.djl.translate.TranslateException;
import dev.stiefel.etf.djl.EtfHeadBlock;
import dev.stiefel.etf.train.HeadKind;
import java.io.IOException;

/**
 * The implicit ETF head after an existing DJL backbone with 512 outputs, trained on ten
 * Gaussian clusters in 20 dimensions; prints the training accuracy.
 */
public class DjlHeadExample {

    static void train(Model model, Block backbone, Dataset dataset, Shape inputShape, int epochs)
            throws IOException, TranslateException {
        // snippet-start
        EtfHeadBlock head = EtfHeadBlock.create(HeadKind.IMPLICIT, 512, 10, 5.0, 1e-3, 0); // d, C, tau, delta, seed
        model.setBlock(new SequentialBlock().add(backbone).add(head));
        try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()))) {
            trainer.initialize(inputShape);
            EasyTrain.fit(trainer, epochs, dataset, null);
        }
        // snippet-end
    }

    public static void main(String[] args) throws IOException, TranslateException {
        int samples = 1000, batchSize = 20, inputs = 20, classes = 10;
        Engine.getEngine("PyTorch").setRandomSeed(1);
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
                Model model = Model.newInstance("example", Device.cpu(), "PyTorch")) {
            NDArray centres = manager.randomNormal(new Shape(classes, inputs)).mul(3);
            NDArray labels = manager.arange(samples).toType(DataType.INT32, false).mod(classes);
            NDArray data = centres.get(labels.toType(DataType.INT64, false))
                    .add(manager.randomNormal(new Shape(samples, inputs)));
            ArrayDataset dataset = new ArrayDataset.Builder().setData(data).optLabels(labels)
                    .setSampling(batchSize, true).build();
            SequentialBlock backbone = new SequentialBlock().add(Linear.builder().setUnits(64).build())
                    .add(Activation.reluBlock()).add(Linear.builder().setUnits(512).build());
            train(model, backbone, dataset, new Shape(batchSize, inputs), 1);
            NDList logits = model.getBlock().forward(new ParameterStore(manager, false), new NDList(data), false);
            double accuracy = logits.head().argMax(1).toType(DataType.INT32, false).eq(labels).sum()
                    .toType(DataType.FLOAT64, false).getDouble() / samples;
            System.out.printf("training accuracy %.3f%n", accuracy);
        }
    }
}
