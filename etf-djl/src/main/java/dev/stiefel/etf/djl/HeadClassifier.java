package dev.stiefel.etf.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import org.ejml.data.DMatrixRMaj;

/**
 * What distinguishes the heads of an {@link EtfHeadBlock}: how the logits are formed from the
 * normalised features of a batch (docs/mathematics.md section 3), in training and in evaluation.
 * Implementations build their logits from differentiable NDArray operations, so that DJL's
 * autograd gives the head's exact gradient.
 */
interface HeadClassifier extends AutoCloseable {

    /** The name of the head in messages, e.g. {@code implicit}. */
    String name();

    /** Whether a training forward needs the labels. */
    boolean needsLabels();

    /** Whether the head has batch statistics that data-parallel splits must pool. */
    boolean usesBatchStatistics();

    /**
     * Whether a split's loss depends differentiably on the other splits' rows (through pooled
     * statistics), so that its backward must be completed with theirs ({@link SplitBackward}).
     */
    default boolean gradientCrossesSplits() {
        return false;
    }

    /**
     * Logits {@code B x C} of a training forward, in the features' type, differentiable with
     * respect to the features (and the head's parameters). May advance the head's state, but
     * only when it returns normally.
     */
    NDArray trainingLogits(NormalisedBatch batch, ParameterStore parameterStore, SplitPooling pooling);

    /** Logits {@code B x C} of an evaluation forward; changes no state the next step depends on. */
    NDArray evaluationLogits(NormalisedBatch batch, ParameterStore parameterStore);

    /** The classifier {@code W} ({@code d x C}, column c classifies class c) a forward would use now. */
    DMatrixRMaj classifier();

    /** Frees the native memory the classifier owns; closing twice is harmless. */
    @Override
    void close();
}
