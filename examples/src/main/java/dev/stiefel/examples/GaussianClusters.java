package dev.stiefel.examples;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.training.dataset.ArrayDataset;

/**
 * The data of the head examples: ten Gaussian clusters in 20 dimensions (centres three standard
 * deviations apart), 1000 samples in batches of 20, and a small backbone with 512 outputs.
 */
record GaussianClusters(NDArray data, NDArray labels, ArrayDataset dataset) {

    static final int SAMPLES = 1000;
    static final int BATCH = 20;
    static final int INPUTS = 20;
    static final int CLASSES = 10;

    /** Draws the clusters from the engine's generator (seed it first). */
    static GaussianClusters draw(NDManager manager) {
        NDArray centres = manager.randomNormal(new Shape(CLASSES, INPUTS)).mul(3);
        NDArray labels = manager.arange(SAMPLES).toType(DataType.INT32, false).mod(CLASSES);
        NDArray data = centres.get(labels.toType(DataType.INT64, false))
                .add(manager.randomNormal(new Shape(SAMPLES, INPUTS)));
        ArrayDataset dataset = new ArrayDataset.Builder().setData(data).optLabels(labels)
                .setSampling(BATCH, true).build();
        return new GaussianClusters(data, labels, dataset);
    }

    /** The shape of one input batch. */
    static Shape batchShape() {
        return new Shape(BATCH, INPUTS);
    }

    /** Linear 64, ReLU, linear 512. */
    static Block backbone() {
        return new SequentialBlock().add(Linear.builder().setUnits(64).build())
                .add(Activation.reluBlock()).add(Linear.builder().setUnits(512).build());
    }

    /** The share of samples whose largest logit under {@code model} (evaluation mode) is their label. */
    double accuracy(Block model, NDManager manager) {
        NDList logits = model.forward(new ParameterStore(manager, false), new NDList(data), false);
        return logits.head().argMax(1).toType(DataType.INT32, false).eq(labels).sum()
                .toType(DataType.FLOAT64, false).getDouble() / SAMPLES;
    }
}
