package dev.stiefel.etf.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import ai.djl.training.ParameterStore;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * The README's example runs as written on separable synthetic data (ten Gaussian clusters in 20
 * dimensions): one step per batch advances the implicit head's state, and the trained network
 * classifies the training data far above chance.
 */
class ImplicitHeadExampleTest {

    static final int SAMPLES = 1000;
    static final int BATCH = 20;
    static final int INPUTS = 20;
    static final int CLASSES = 10;
    static final int EPOCHS = 1;
    static final double ACCURATE = 0.9;

    @Test
    void theExampleTrainsAnExistingBackboneWithTheImplicitHead() throws IOException, TranslateException {
        Engine.getEngine("PyTorch").setRandomSeed(1);
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
                Model model = Model.newInstance("example", Device.cpu(), "PyTorch")) {
            NDArray centres = manager.randomNormal(new Shape(CLASSES, INPUTS)).mul(3);
            NDArray labels = manager.arange(SAMPLES).toType(DataType.INT32, false).mod(CLASSES);
            NDArray inputs = centres.get(labels.toType(DataType.INT64, false))
                    .add(manager.randomNormal(new Shape(SAMPLES, INPUTS)));
            ArrayDataset dataset = new ArrayDataset.Builder().setData(inputs).optLabels(labels)
                    .setSampling(BATCH, true).build();
            SequentialBlock backbone = new SequentialBlock().add(Linear.builder().setUnits(64).build())
                    .add(Activation.reluBlock()).add(Linear.builder().setUnits(512).build());

            EtfHeadBlock head = ImplicitHeadExample.train(model, backbone, dataset, new Shape(BATCH, INPUTS), EPOCHS);
            assertEquals((long) EPOCHS * SAMPLES / BATCH, head.step(), "one state step per batch");

            NDList logits = model.getBlock().forward(new ParameterStore(manager, false), new NDList(inputs), false);
            double accuracy = logits.head().argMax(1).toType(DataType.INT32, false).eq(labels).sum()
                    .toType(DataType.FLOAT64, false).getDouble() / SAMPLES;
            assertTrue(accuracy > ACCURATE, "training accuracy " + accuracy);
            head.close();
        }
    }
}
