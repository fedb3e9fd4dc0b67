package dev.stiefel.etf;

/**
 * What a head subtracts from the normalised features {@code h~_i = tau h_i / ||h_i||} before
 * the classifier, i.e. its bias {@code b = -W^T c}, and whether the backward pass
 * differentiates through it (docs/mathematics.md section 3, "Centring"). With {@code hG} the
 * mean of the batch's {@code h~_i}:
 * <ul>
 *   <li>{@link #NONE}: {@code z_i = W^T h~_i}; no bias. The learned head of Markou, Ajanthan
 *       and Gould (NeurIPS 2024) is a bias-free linear layer on the normalised features.</li>
 *   <li>{@link #BATCH_MEAN_CONSTANT}: {@code z_i = W^T (h~_i - hG)}, with {@code hG} a constant
 *       of the backward pass: {@code dL/dh~_i = W dL/dz_i}. Their fixed-ETF head sets its bias
 *       to {@code -W^T hG} outside the autograd graph.</li>
 *   <li>{@link #BATCH_MEAN_DIFFERENTIATED}: the same logits, differentiated through
 *       {@code hG}: {@code dL/dh~_i = W dL/dz_i - (1/B) sum_j W dL/dz_j}. Their implicit head
 *       computes {@code b = -W^T hG} inside the graph.</li>
 * </ul>
 * The forward values of the two batch-mean rules agree; only their feature gradients differ.
 */
public enum FeatureCentring {

    /** No centring, no bias: {@code z_i = W^T h~_i}. */
    NONE,

    /** {@code z_i = W^T (h~_i - hG)} with the batch mean {@code hG} held constant in the backward pass. */
    BATCH_MEAN_CONSTANT,

    /** {@code z_i = W^T (h~_i - hG)} differentiated through the batch mean {@code hG}. */
    BATCH_MEAN_DIFFERENTIATED;

    /** Whether the logits use centred features {@code h~_i - hG}. */
    public boolean centres() {
        return this != NONE;
    }

    /** Whether the backward pass carries the batch mean's own gradient. */
    public boolean differentiatesMean() {
        return this == BATCH_MEAN_DIFFERENTIATED;
    }
}
