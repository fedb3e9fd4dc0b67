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
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.LocalParameterServer;
import ai.djl.training.ParameterStore;
import ai.djl.training.GradientCollector;
import ai.djl.training.loss.Loss;
import ai.djl.util.Pair;
import dev.stiefel.etf.train.AutomaticGradientDescent;
import dev.stiefel.etf.train.HeadKind;
import dev.stiefel.etf.train.TrainableTensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

/**
 * The DJL AGD optimiser makes the update of etf-train's {@link AutomaticGradientDescent} on the
 * same tiny float64 model (two bias-free {@code Linear} layers and the learned head, whose
 * classifier is a third tensor), step after step, to rounding.
 */
class AutomaticGradientDescentOptimizerTest {

    static final double SAME_UPDATE = 1e-13;
    static final int BATCH = 10;
    static final int INPUTS = 7;
    static final int HIDDEN = 9;
    static final int DIMENSION = 5;
    static final int CLASSES = 3;

    @Test
    void djlAgdMakesEtfTrainsUpdateOnTheSameGradients() {
        Engine.getEngine("PyTorch").setRandomSeed(5);
        EtfHeadBlock head = EtfHeadBlock.create(HeadKind.STANDARD, DIMENSION, CLASSES, 5, 1e-3, 2);
        SequentialBlock network = new SequentialBlock()
                .add(Linear.builder().setUnits(HIDDEN).optBias(false).build())
                .add(Activation.tanhBlock())
                .add(Linear.builder().setUnits(DIMENSION).optBias(false).build())
                .add(head);
        // The trainer's own step first checks the gradients in float32 only, so the float64
        // model drives the parameter store directly, as Trainer.step() does after that check.
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            network.initialize(manager, DataType.FLOAT64, new Shape(BATCH, INPUTS));
            AutomaticGradientDescentOptimizer agd = AutomaticGradientDescentOptimizer.builder().setBlock(network).build();
            ParameterStore store = new ParameterStore(manager, false);
            store.setParameterServer(new LocalParameterServer(agd), new Device[] {Device.cpu()});
            SplittableRandom random = new SplittableRandom(8);
            for (int step = 0; step < 3; step++) {
                double[] x = new double[BATCH * INPUTS];
                int[] y = new int[BATCH];
                for (int k = 0; k < x.length; k++) {
                    x[k] = random.nextGaussian();
                }
                for (int i = 0; i < BATCH; i++) {
                    y[i] = i % CLASSES;
                }
                NDList data = new NDList(manager.create(x, new Shape(BATCH, INPUTS)));
                NDList labels = new NDList(manager.create(y));
                try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                    NDList logits = network.forward(store, data, labels, null);
                    collector.backward(Loss.softmaxCrossEntropyLoss().evaluate(labels, logits));
                }
                Map<String, TrainableTensor> reference = hostTensors(network.getParameters().values());
                double eta = new AutomaticGradientDescent(AutomaticGradientDescent.DEFAULT_GAIN)
                        .step(new ArrayList<>(reference.values()));
                store.updateAllParameters();
                assertEquals(eta, agd.lastEta(), 1e-15, "step " + step + ": eta");
                for (Pair<String, Parameter> pair : network.getParameters()) {
                    double[] djl = pair.getValue().getArray().toDoubleArray();
                    double[] host = reference.get(pair.getValue().getId()).value().data;
                    assertTrue(relativeError(host, djl) <= SAME_UPDATE, "step " + step + ", " + pair.getKey()
                            + ": relative error " + relativeError(host, djl));
                    try (NDArray gradient = pair.getValue().getArray().getGradient()) {
                        assertEquals(0, gradient.abs().max().getDouble(), "gradients are cleared after the step");
                    }
                }
            }
        }
    }

    @Test
    void fansOfWeightsConvolutionsAndVectors() {
        assertEquals(Math.sqrt(3.0 / 5), AutomaticGradientDescentOptimizer.singularValue(new Shape(3, 5)), 1e-15);
        assertEquals(Math.sqrt(8.0 / (4 * 9)), AutomaticGradientDescentOptimizer.singularValue(new Shape(8, 4, 3, 3)),
                1e-15);
        assertEquals(1, AutomaticGradientDescentOptimizer.singularValue(new Shape(7)));
    }

    @Test
    void aBuilderWithoutBlockOrWithABadGainIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> AutomaticGradientDescentOptimizer.builder().build());
        assertThrows(IllegalArgumentException.class, () -> AutomaticGradientDescentOptimizer.builder()
                .setBlock(new SequentialBlock()).optGain(0).build());
    }

    /** Host copies of every parameter (value and gradient, shape (out, rest)) keyed by parameter id. */
    static Map<String, TrainableTensor> hostTensors(List<Parameter> parameters) {
        Map<String, TrainableTensor> tensors = new LinkedHashMap<>();
        for (Parameter parameter : parameters) {
            NDArray array = parameter.getArray();
            int out = (int) array.getShape().get(0);
            int in = (int) (array.getShape().size() / out);
            DMatrixRMaj value = new DMatrixRMaj(out, in);
            DMatrixRMaj gradient = new DMatrixRMaj(out, in);
            System.arraycopy(array.toDoubleArray(), 0, value.data, 0, out * in);
            try (NDArray g = array.getGradient()) {
                System.arraycopy(g.toDoubleArray(), 0, gradient.data, 0, out * in);
            }
            tensors.put(parameter.getId(), TrainableTensor.dense(parameter.getName(), value, gradient, out, in));
        }
        return tensors;
    }

    static double relativeError(double[] expected, double[] actual) {
        double difference = 0;
        double norm = 0;
        for (int k = 0; k < expected.length; k++) {
            difference += (expected[k] - actual[k]) * (expected[k] - actual[k]);
            norm += expected[k] * expected[k];
        }
        return Math.sqrt(difference / norm);
    }
}
