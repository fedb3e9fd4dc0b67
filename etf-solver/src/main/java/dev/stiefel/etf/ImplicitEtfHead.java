package dev.stiefel.etf;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import dev.stiefel.manifold.Manifold;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.manifold.StiefelRetraction;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import org.ejml.data.DMatrixRMaj;

/**
 * The implicit ETF head (Markou, Ajanthan, Gould, NeurIPS 2024, eq. 8; docs/mathematics.md sections 3-5): the
 * classifier is {@code W = U* Mh}, {@code U*} the nearest simplex ETF to the moving average of
 * the batch's centred class means ({@link ImplicitEtfState}); features are normalised to norm
 * {@code tau} and centred by the batch mean ({@code b = -W^T hG}); logits
 * {@code z_i = W^T (h~_i - hG)}. As in the authors' code (docs/mathematics.md section 7,
 * "Heads", names the file), the bias is part of the differentiated graph
 * ({@link FeatureCentring#BATCH_MEAN_DIFFERENTIATED}): the batch mean {@code hG} carries
 * gradient both through the logits and through the centred class means.
 *
 * <p>Backward, {@link BackwardMode#FULL}: through the logits, the normalisation and the
 * centring, and through the solution: {@code dL/dW = X^T dL/dZ}, {@code dL/dU* = dL/dW Mh},
 * then {@link ImplicitEtfState#backward} to {@code dL/dHbar} of the batch, then the class means
 * and batch mean to the features. {@link BackwardMode#FORWARD_ONLY} holds {@code U*} fixed.
 * No trainable parameters. Rows too small to differentiate are refused as in every head
 * (docs/mathematics.md section 8). Not thread-safe.
 *
 * <p>Backends: the public API is on the host ({@link DMatrixRMaj} features and logits); the
 * nearest-ETF solve and its closed-form backward run on any {@link DenseKernels} backend, where
 * {@code U*} and the EMA stay across steps. Per step the batch's centred class means go up and
 * {@code U*} comes down once (the host forms {@code W = U* Mh}, an {@code O(dC)} centring); per
 * backward {@code dL/dU*} goes up and {@code dL/dHbar} comes down. On a host backend these
 * transfers are copies.
 *
 * <p>{@link #close()} frees the head's native BLAS buffers, its backend workspaces and its
 * {@link ImplicitEtfState}; the kernels and manifold passed to the generic constructor stay the
 * caller's, those the CPU constructor creates, and those handed over to {@link #owningKernels},
 * are closed with the head.
 */
public final class ImplicitEtfHead extends NormalisedLinearHead {

    private final EtfOptions options;
    private final Backend<?> backend;
    private final double normalisedScale;

    private final DMatrixRMaj batchMeans;
    private final boolean[] present;
    private final DMatrixRMaj classifierGradient;
    private final DMatrixRMaj solutionGradient;
    private final DMatrixRMaj meansGradient;
    private final DMatrixRMaj hostSolution;
    /** The manifold (with its kernels) the CPU constructor created; null when they are the caller's. */
    private final Stiefel<?> ownedManifold;
    /** The kernels handed over by {@link #owningKernels}; null when they are the caller's or the manifold's. */
    private final DenseKernels<?> ownedKernels;

    /**
     * On the default CPU backend ({@link Kernels#cpu()}, St(d, C) with the QR retraction).
     *
     * @throws IllegalArgumentException on {@code C < 2}, {@code d < C} or invalid options
     */
    public ImplicitEtfHead(int dimension, int numClasses, EtfOptions options) {
        this(Stiefel.onCpu(checked(dimension, numClasses, options), numClasses), dimension, numClasses, options);
    }

    /** On a manifold the head creates: its kernels serve the solves, and both close with the head. */
    private ImplicitEtfHead(Stiefel<DMatrixRMaj> ownedManifold, int dimension, int numClasses, EtfOptions options) {
        this(ownedManifold.kernels(), ownedManifold, dimension, numClasses, options, ownedManifold, null);
    }

    /**
     * A head that takes ownership of {@code kernels} (host or device): it builds St(d, C) on them
     * (QR retraction) and closes both the manifold and the kernels in {@link #close()}. For
     * callers that create kernels only for this head.
     *
     * @param <M> the backend's matrix type
     * @throws IllegalArgumentException on {@code C < 2}, {@code d < C} or invalid options (the
     *     kernels are closed then too)
     */
    public static <M> ImplicitEtfHead owningKernels(DenseKernels<M> kernels, int dimension, int numClasses,
            EtfOptions options) {
        Stiefel<M> manifold = null;
        try {
            checked(dimension, numClasses, options);
            manifold = new Stiefel<>(kernels, dimension, numClasses, StiefelRetraction.QR);
            return new ImplicitEtfHead(kernels, manifold, dimension, numClasses, options, manifold, kernels);
        } catch (RuntimeException | Error failure) {
            if (manifold != null) {
                manifold.close();
            }
            kernels.close();
            throw failure;
        }
    }

    /**
     * @param kernels backend for the solves (host or device), where the state lives
     * @param manifold St(d, C) on that backend
     * @param <M> the backend's matrix type
     * @throws IllegalArgumentException on {@code C < 2}, {@code d < C} or invalid options
     */
    public <M> ImplicitEtfHead(DenseKernels<M> kernels, Manifold<M> manifold, int dimension,
            int numClasses, EtfOptions options) {
        this(kernels, manifold, dimension, numClasses, options, null, null);
    }

    private <M> ImplicitEtfHead(DenseKernels<M> kernels, Manifold<M> manifold, int dimension,
            int numClasses, EtfOptions options, Stiefel<?> ownedManifold, DenseKernels<?> ownedKernels) {
        super(checked(dimension, numClasses, options), numClasses, options.tau(),
                FeatureCentring.BATCH_MEAN_DIFFERENTIATED);
        this.ownedManifold = ownedManifold;
        this.ownedKernels = ownedKernels;
        this.options = options;
        this.backend = new Backend<>(new ImplicitEtfState<>(kernels, manifold, dimension, numClasses, options));
        this.normalisedScale = SimplexEtf.normalisedScale(numClasses);
        batchMeans = new DMatrixRMaj(dimension, numClasses);
        present = new boolean[numClasses];
        classifierGradient = new DMatrixRMaj(dimension, numClasses);
        solutionGradient = new DMatrixRMaj(dimension, numClasses);
        meansGradient = new DMatrixRMaj(dimension, numClasses);
        hostSolution = new DMatrixRMaj(dimension, numClasses);
        centreRows(backend.startPoint(hostSolution), normalisedScale, classifier);
    }

    /**
     * The state and its device-side workspaces, typed by the backend's matrix type; the head
     * only talks to it in host matrices.
     */
    private static final class Backend<M> {

        final ImplicitEtfState<M> state;
        final M solutionGradient;
        final M meansGradient;

        Backend(ImplicitEtfState<M> state) {
            this.state = state;
            solutionGradient = state.kernels().create(state.dimension(), state.numClasses());
            meansGradient = state.kernels().create(state.dimension(), state.numClasses());
        }

        DMatrixRMaj startPoint(DMatrixRMaj hostOut) {
            return state.kernels().toHost(state.solver().startPoint(meansGradient), hostOut);
        }

        DMatrixRMaj advance(DMatrixRMaj batchMeans, boolean[] present, double featureScale, DMatrixRMaj hostOut) {
            return state.kernels().toHost(state.advance(batchMeans, present, featureScale), hostOut);
        }

        DMatrixRMaj solution(DMatrixRMaj hostOut) {
            return state.kernels().toHost(state.solution(), hostOut);
        }

        DMatrixRMaj backward(DMatrixRMaj hostSolutionGradient, DMatrixRMaj hostOut) {
            state.kernels().copyFromHost(hostSolutionGradient, solutionGradient);
            return state.kernels().toHost(state.backward(solutionGradient, meansGradient), hostOut);
        }

        void close() {
            state.kernels().free(solutionGradient);
            state.kernels().free(meansGradient);
            state.close();
        }
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

    /**
     * The state across steps (EMA, solution) of a head on a host backend; use
     * {@link #saveState}/{@link #restoreState} to persist it.
     *
     * @throws IllegalStateException when the head runs on a device backend (use {@link #backendState()})
     */
    @SuppressWarnings("unchecked")
    public ImplicitEtfState<DMatrixRMaj> state() {
        if (!(backend.state.solution() instanceof DMatrixRMaj)) {
            throw new IllegalStateException("implicit ETF head on backend " + backend.state.kernels().name()
                    + ": its state is not in host matrices; use backendState()");
        }
        return (ImplicitEtfState<DMatrixRMaj>) backend.state;
    }

    /** The state across steps on whichever backend the head runs (host or device). */
    public ImplicitEtfState<?> backendState() {
        return backend.state;
    }

    /** Writes the state across steps (format: {@link ImplicitEtfState#save}). */
    public void saveState(DataOutputStream output) throws IOException {
        backend.state.save(output);
    }

    /**
     * Restores the state written by {@link #saveState} and the classifier {@code W = U* Mh} with
     * it; a state saved before any step gives the classifier of a new head (the configured start
     * point's), so {@link #classifier()} and evaluation always agree with the state.
     */
    public void restoreState(DataInputStream input) throws IOException {
        backend.state.restore(input);
        DMatrixRMaj point = backend.state.hasSolution() ? backend.solution(hostSolution)
                : backend.startPoint(hostSolution);
        centreRows(point, normalisedScale, classifier);
    }

    /** EMA step with this batch's centred class means, solve, {@code W = U* Mh = sqrt(C/(C-1)) U* Mc}. */
    @Override
    protected void updateClassifier() {
        features.centredClassMeans(batchMeans, present);
        // the features are normalised to norm tau: centred means far below it are rounding noise
        centreRows(backend.advance(batchMeans, present, options.tau(), hostSolution), normalisedScale, classifier);
    }

    @Override
    protected DMatrixRMaj classifierBackward(DMatrixRMaj input, DMatrixRMaj logitsGradient) {
        if (options.backwardMode() == BackwardMode.FORWARD_ONLY) {
            return null;
        }
        kernels.gemm(1.0, input, true, logitsGradient, false, 0.0, classifierGradient);
        // dL/dU* = dL/dW Mh^T, Mh symmetric
        centreRows(classifierGradient, normalisedScale, solutionGradient);
        return backend.backward(solutionGradient, meansGradient);
    }

    @Override
    public List<Parameter> parameters() {
        return List.of();
    }

    /**
     * Frees the head's native BLAS buffers, its backend workspaces, its {@link ImplicitEtfState}
     * (solver, backward and their workspaces) and, for a head from the CPU constructor, the
     * manifold and kernels it created. Closing twice is harmless; the head must not be used
     * afterwards.
     */
    @Override
    public void close() {
        if (isClosed()) {
            return;
        }
        super.close();
        backend.close();
        if (ownedManifold != null) {
            ownedManifold.close();
        }
        if (ownedKernels != null) {
            ownedKernels.close();
        }
    }
}
