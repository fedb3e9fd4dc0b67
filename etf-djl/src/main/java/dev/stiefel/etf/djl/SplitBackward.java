package dev.stiefel.etf.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

/**
 * The part of a split's backward pass that needs the other splits' losses (docs/distributed-etf-head.md
 * section 2). A head whose classifier comes from the pooled class sums {@code S} and feature sum
 * {@code F} of all splits (the implicit head) makes every split's loss depend on every split's
 * rows. In the split's own graph {@code S} and {@code F} are leaves holding the pooled values, and
 * the graph starts from a leaf holding the split's features, so that the split's backward
 * (DJL's {@code collector.backward(loss)}) ends there: it leaves the gradient of the split's own
 * loss with respect to {@code S}, {@code F} and the split's rows (the direct path). Once every
 * split has run its backward, the sums of the splits' {@link #classSumsGradient(NDManager)} and
 * {@link #featureSumGradient(NDManager)} are the gradients of the summed loss with respect to {@code S}
 * and {@code F}; {@link #complete} takes them back through this split's share of the sums to its
 * rows, and the rows' whole gradient through the split's features into the network that made them.
 * The result is the gradient of the summed loss, as if the batch had not been split.
 *
 * <p>Made by the head during a split's training forward and handed to its {@link SplitPooling};
 * its arrays belong to the split's batch, which must stay open until {@link #complete} has run.
 */
public final class SplitBackward {

    private final NDArray features;
    private final NDArray leaf;
    private final NDArray ownClassSums;
    private final NDArray ownFeatureSum;
    private final NDArray pooledClassSums;
    private final NDArray pooledFeatureSum;
    private final int numClasses;
    private boolean completed;

    /**
     * @param batch the split's batch, cut from its features ({@link NormalisedBatch#detached})
     * @param ownClassSums the split's class sums, in a graph from the batch's leaf that the split's
     *     backward does not reach ({@link NormalisedBatch#again}), or null when the head's graph
     *     does not use the class sums
     * @param ownFeatureSum the split's feature sum, likewise
     * @param pooledClassSums the leaf the split's graph reads the pooled class sums from, or null
     *     with {@code ownClassSums}
     * @param pooledFeatureSum the leaf the split's graph reads the pooled feature sum from
     */
    SplitBackward(NormalisedBatch batch, NDArray ownClassSums, NDArray ownFeatureSum, NDArray pooledClassSums,
            NDArray pooledFeatureSum) {
        if (batch.detachedFrom() == null) {
            throw new IllegalArgumentException("the split's graph must start from a leaf cut from its features");
        }
        if ((ownClassSums == null) != (pooledClassSums == null)) {
            throw new IllegalArgumentException("the split's class sums and the pooled ones come together");
        }
        this.features = batch.detachedFrom();
        this.leaf = batch.input();
        this.ownClassSums = ownClassSums;
        this.ownFeatureSum = ownFeatureSum;
        this.pooledClassSums = pooledClassSums;
        this.pooledFeatureSum = pooledFeatureSum;
        this.numClasses = batch.numClasses();
    }

    /** The manager of the split's features. */
    NDManager manager() {
        return features.getManager();
    }

    /**
     * The gradient of this split's loss with respect to the pooled class sums, {@code C x d},
     * float64, on {@code manager}'s device, attached to it (zero when the head's graph does not
     * use them). Valid after the split's backward.
     */
    public NDArray classSumsGradient(NDManager manager) {
        if (pooledClassSums == null) {
            return manager.zeros(new Shape(numClasses, ownFeatureSum.getShape().get(1)), DataType.FLOAT64);
        }
        return gradient(pooledClassSums, manager);
    }

    /**
     * The gradient of this split's loss with respect to the pooled feature sum, {@code 1 x d},
     * float64, on {@code manager}'s device, attached to it. Valid after the split's backward.
     */
    public NDArray featureSumGradient(NDManager manager) {
        return gradient(pooledFeatureSum, manager);
    }

    /**
     * Completes this split's backward with the gradients of the summed loss of all splits: they
     * go back through this split's share of the sums to its rows, where they join the direct
     * gradient its own backward left, and the rows' gradient goes through the split's features
     * into whatever made them (the backbone's parameters of this split's device).
     *
     * @param classSums the sum over all splits of {@link #classSumsGradient}, {@code C x d}
     * @param featureSum the sum over all splits of {@link #featureSumGradient}, {@code 1 x d}
     * @param collector the collector the splits' backward passes ran in
     * @throws IllegalStateException when this split's backward was completed before
     */
    public void complete(NDArray classSums, NDArray featureSum, GradientCollector collector) {
        if (classSums == null || featureSum == null || collector == null) {
            throw new IllegalArgumentException("completing a split's backward needs both gradients and the collector");
        }
        if (completed) {
            throw new IllegalStateException("this split's backward was completed already");
        }
        completed = true;
        NDArray target = ownFeatureSum.mul(like(featureSum, ownFeatureSum)).sum();
        if (ownClassSums != null) {
            target = target.add(ownClassSums.mul(like(classSums, ownClassSums)).sum());
        }
        backward(target, collector);
        // a copy: the backward below adds (zero) to the leaf's gradient in place
        NDArray rows = leaf.getGradient().duplicate();
        try {
            backward(features.mul(rows).sum(), collector);
        } catch (RuntimeException failure) {
            String message = String.valueOf(failure.getMessage());
            if (message.contains("backward through the graph a second time")) {
                throw new IllegalStateException("completing a split's backward: the graph from the backbone to the"
                        + " features was already taken by the split's own backward, so the features reach the loss"
                        + " by another way than the head (an auxiliary loss, a branch around the head); under split"
                        + " pooling the implicit head must be the features' only way to the loss", failure);
            }
            throw failure;
        }
    }

    /**
     * Back-propagates {@code target} plus zero times the leaf: a target with a gradient also when
     * nothing in {@code target} was recorded (a forward on a thread that recorded no graph, or
     * features that come from no parameter; DJL cannot tell whether an array that is not a leaf
     * is in a graph).
     */
    private void backward(NDArray target, GradientCollector collector) {
        collector.backward(target.add(leaf.sum().mul(NormalisedBatch.scalar(leaf, 0.0))));
    }

    /** {@code values} on the device and in the type of {@code like}, without gradient. */
    private static NDArray like(NDArray values, NDArray like) {
        return values.toDevice(like.getDevice(), false).toType(like.getDataType(), false).stopGradient();
    }

    private static NDArray gradient(NDArray leaf, NDManager manager) {
        // DJL gives zeros (in its default type) for a leaf no backward has reached
        NDArray gradient = leaf.getGradient().toType(DataType.FLOAT64, true).toDevice(manager.getDevice(), true);
        gradient.attach(manager);
        return gradient;
    }
}
