package dev.stiefel.etf.train;

import dev.stiefel.etf.BackwardMode;
import dev.stiefel.etf.ClassifierHead;
import dev.stiefel.etf.EtfOptions;
import dev.stiefel.etf.FixedEtfHead;
import dev.stiefel.etf.ImplicitEtfHead;
import dev.stiefel.etf.LearnedLinearHead;
import dev.stiefel.etf.SimplexEtf;
import dev.stiefel.kernel.DenseKernels;
import java.util.Locale;
import org.ejml.data.DMatrixRMaj;

/**
 * The classifier heads the paper compares (Section 4), and how the trainer builds each; each is
 * the authors' definition (docs/mathematics.md section 7, "Heads").
 */
public enum HeadKind {
    /**
     * {@link LearnedLinearHead}: trainable W from AGD's scaled orthogonal start, logits on the
     * normalised features without centring or bias, classifier vectors re-normalised after each
     * step.
     */
    STANDARD,
    /**
     * {@link FixedEtfHead}: the canonical simplex ETF {@code [I_C; 0] Mh}, frozen; features centred
     * by the batch mean held constant in the backward pass.
     */
    FIXED,
    /**
     * {@link ImplicitEtfHead} with {@link BackwardMode#FULL}: gradients also through the solution
     * and through the batch mean that centres the features.
     */
    IMPLICIT,
    /** {@link ImplicitEtfHead} with {@link BackwardMode#FORWARD_ONLY}: the solution held fixed. */
    IMPLICIT_FORWARD_ONLY;

    /** Whether the classifier is the nearest ETF to the batch's class means. */
    public boolean isImplicit() {
        return this == IMPLICIT || this == IMPLICIT_FORWARD_ONLY;
    }

    /** Whether the head is a simplex ETF, which needs {@code d >= C}. */
    public boolean needsDimensionAtLeastClasses() {
        return this != STANDARD;
    }

    /**
     * A fresh head (close it when done: it owns native buffers).
     *
     * @param dimension d
     * @param numClasses C
     * @param tau feature scale
     * @param delta proximal weight of the implicit heads (ignored by the others)
     * @param seed seed of the standard head's random start (ignored by the others)
     * @param device where the implicit heads solve
     * @throws IllegalArgumentException on {@code C < 2}, on {@code d < C} for an ETF head, or on
     *     invalid tau or delta
     * @throws UnsupportedOperationException when the device is not available
     */
    public ClassifierHead create(int dimension, int numClasses, double tau, double delta, long seed,
            ComputeDevice device) {
        if (needsDimensionAtLeastClasses()) {
            SimplexEtf.requireDimensions(dimension, numClasses);
        }
        return switch (this) {
            case STANDARD -> new LearnedLinearHead(dimension, numClasses, tau, seed);
            case FIXED -> new FixedEtfHead(dimension, numClasses, tau);
            case IMPLICIT, IMPLICIT_FORWARD_ONLY -> {
                EtfOptions options = EtfOptions.defaults().withTau(tau).withDelta(delta)
                        .withBackwardMode(this == IMPLICIT ? BackwardMode.FULL : BackwardMode.FORWARD_ONLY);
                yield implicitHead(device.kernels(), dimension, numClasses, options);
            }
        };
    }

    /** The head owns the kernels made for it (and the manifold on them): closing the head frees them. */
    private static <M> ImplicitEtfHead implicitHead(DenseKernels<M> kernels, int dimension, int numClasses,
            EtfOptions options) {
        return ImplicitEtfHead.owningKernels(kernels, dimension, numClasses, options);
    }

    /** The command-line spelling, e.g. {@code implicit-forward-only}. */
    public String commandLineName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * Parses a command-line name (case-insensitive, {@code -} or {@code _}).
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static HeadKind parse(String text) {
        String key = text.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (HeadKind kind : values()) {
            if (kind.name().equals(key)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("unknown head '" + text
                + "'; expected one of standard, fixed, implicit, implicit-forward-only");
    }
}
