package dev.stiefel.etf;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import dev.stiefel.manifold.Manifold;
import dev.stiefel.manifold.Stiefel;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * The implicit ETF head (Markou, Ajanthan, Gould, NeurIPS 2024, eq. 8; spec sections 3-5): the
 * classifier is {@code W = U* Mh}, {@code U*} the nearest simplex ETF to the moving average of
 * the batch's centred class means ({@link ImplicitEtfState}); features are normalised to norm
 * {@code tau} and centred by the batch mean ({@code b = -W^T hG}); logits
 * {@code z_i = W^T (h~_i - hG)}.
 *
 * <p>Backward, {@link BackwardMode#FULL}: through the logits, the normalisation and the
 * centring, and through the solution: {@code dL/dW = Hc^T dL/dZ}, {@code dL/dU* = dL/dW Mh},
 * then {@link ImplicitEtfState#backward} to {@code dL/dHbar} of the batch, then the class means
 * and batch mean to the features. {@link BackwardMode#FORWARD_ONLY} holds {@code U*} fixed.
 * No trainable parameters. Not thread-safe.
 */
public final class ImplicitEtfHead extends NormalisedLinearHead {

    private final EtfOptions options;
    private final ImplicitEtfState state;
    private final double normalisedScale;

    private final DMatrixRMaj batchMeans;
    private final boolean[] present;
    private final DMatrixRMaj classifierGradient;
    private final DMatrixRMaj solutionGradient;
    private final DMatrixRMaj meansGradient;

    /**
     * On the default CPU backend ({@link Kernels#cpu()}, St(d, C) with the QR retraction).
     *
     * @throws IllegalArgumentException on {@code C < 2}, {@code d < C} or invalid options
     */
    public ImplicitEtfHead(int dimension, int numClasses, EtfOptions options) {
        this(Kernels.cpu(), Stiefel.onCpu(checked(dimension, numClasses, options), numClasses), dimension,
                numClasses, options);
    }

    /**
     * @param kernels host backend for the solves
     * @param manifold St(d, C) on that backend
     * @throws IllegalArgumentException on {@code C < 2}, {@code d < C} or invalid options
     */
    public ImplicitEtfHead(DenseKernels<DMatrixRMaj> kernels, Manifold<DMatrixRMaj> manifold, int dimension,
            int numClasses, EtfOptions options) {
        super(checked(dimension, numClasses, options), numClasses, options.tau());
        this.options = options;
        this.state = new ImplicitEtfState(kernels, manifold, dimension, numClasses, options);
        this.normalisedScale = SimplexEtf.normalisedScale(numClasses);
        batchMeans = new DMatrixRMaj(dimension, numClasses);
        present = new boolean[numClasses];
        classifierGradient = new DMatrixRMaj(dimension, numClasses);
        solutionGradient = new DMatrixRMaj(dimension, numClasses);
        meansGradient = new DMatrixRMaj(dimension, numClasses);
        DMatrixRMaj start = state.solver().startPoint(new DMatrixRMaj(dimension, numClasses));
        centreRows(start, normalisedScale, classifier);
    }

    private static int checked(int dimension, int numClasses, EtfOptions options) {
        SimplexEtf.requireDimensions(dimension, numClasses);
        if (options == null) {
            throw new IllegalArgumentException("options must not be null");
        }
        return dimension;
    }

    public EtfOptions options() {
        return options;
    }

    /** The state across steps (EMA, solution); use {@link #saveState}/{@link #restoreState} to persist it. */
    public ImplicitEtfState state() {
        return state;
    }

    /** Writes the state across steps (format: {@link ImplicitEtfState#save}). */
    public void saveState(DataOutputStream output) throws IOException {
        state.save(output);
    }

    /** Restores the state written by {@link #saveState} and the classifier {@code W = U* Mh} with it. */
    public void restoreState(DataInputStream input) throws IOException {
        state.restore(input);
        if (state.hasSolution()) {
            centreRows(state.solution(), normalisedScale, classifier);
        }
    }

    /** EMA step with this batch's centred class means, solve, {@code W = U* Mh = sqrt(C/(C-1)) U* Mc}. */
    @Override
    protected void updateClassifier() {
        features.centredClassMeans(batchMeans, present);
        DMatrixRMaj solution = state.advance(batchMeans, present);
        centreRows(solution, normalisedScale, classifier);
    }

    @Override
    protected DMatrixRMaj classifierBackward(DMatrixRMaj centred, DMatrixRMaj logitsGradient) {
        if (options.backwardMode() == BackwardMode.FORWARD_ONLY) {
            return null;
        }
        CommonOps_DDRM.multTransA(centred, logitsGradient, classifierGradient);
        // dL/dU* = dL/dW Mh^T, Mh symmetric
        centreRows(classifierGradient, normalisedScale, solutionGradient);
        return state.backward(solutionGradient, meansGradient);
    }

    @Override
    public List<Parameter> parameters() {
        return List.of();
    }
}
