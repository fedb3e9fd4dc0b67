package dev.stiefel.etf.djl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.stiefel.etf.BackwardMode;
import dev.stiefel.etf.EtfOptions;
import dev.stiefel.etf.train.HeadKind;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.ejml.data.DMatrixRMaj;

/**
 * One of the classifier heads of Markou, Ajanthan, Gould, "Guiding Neural Collapse: Optimising
 * Towards the Nearest Simplex Equiangular Tight Frame" (NeurIPS 2024) as a DJL
 * {@link ai.djl.nn.Block} that lives in DJL's graph: it takes the penultimate features {@code H}
 * ({@code B x d}) of any backbone and returns the logits {@code Z} ({@code B x C}) as
 * differentiable NDArray operations on the features' device and in their data type, so that
 * DJL's autograd gives the exact gradient and DJL's own loop trains it, with no call beyond what
 * {@code EasyTrain.fit} and {@code EasyTrain.trainBatch} make:
 *
 * <pre>
 *   EtfHeadBlock head = EtfHeadBlock.create(HeadKind.IMPLICIT, 512, 10, 5.0, 1e-3, 0);
 *   model.setBlock(new SequentialBlock().add(backbone).add(head));
 *   try (Trainer trainer = model.newTrainer(config)) {
 *       trainer.initialize(inputShape);
 *       EasyTrain.fit(trainer, epochs, trainingSet, validationSet);
 *   }
 * </pre>
 *
 * Every head normalises the features onto the sphere of radius {@code tau},
 * {@code h~_i = tau h_i / ||h_i||} (docs/mathematics.md section 1); then:
 * <ul>
 *   <li>{@link HeadKind#STANDARD}: {@code z_i = V h~_i}, a {@code Linear(d, C)} without bias and
 *       without centring whose weight {@code V} (DJL parameter {@code classifier}, {@code C x d})
 *       starts as AGD's orthogonal initialisation scaled by {@code sqrt(C/d)} and has its rows
 *       re-normalised to unit norm after every optimiser step. The re-normalisation needs no
 *       listener: it is applied to the parameter, in place and outside the graph, before the
 *       first use that follows a training forward (DJL's {@code EasyTrain.fit} notifies
 *       {@code TrainingListener.onTrainingBatch} before {@code trainer.step()}, so a listener
 *       could not act after the step; a parameterisation {@code W = V / ||V||} inside the forward
 *       would change the gradient and the optimiser's trajectory, see {@code LearnedClassifier}).
 *       {@link #standardOnObliqueManifold} instead leaves the rows to a Riemannian optimiser that
 *       holds the parameter on the oblique manifold of unit rows.</li>
 *   <li>{@link HeadKind#FIXED}: {@code z_i = W^T (h~_i - hG)}, {@code W = [I_C; 0] Mh}, with the
 *       batch mean {@code hG} a constant (the authors' {@code bias = -W mean(features)}, set
 *       without gradient).</li>
 *   <li>{@link HeadKind#IMPLICIT}: {@code z_i = W^T (h~_i - hG)}, {@code W = U* Mh},
 *       {@code U*} the nearest simplex ETF to the moving average of the batch's centred class
 *       means (problem (7) with the proximal term {@code delta}), differentiated through the
 *       centring, the class means and {@code U*} (the exact derivative of the polar factor in its
 *       SVD form, computed in float64); only the {@code C x C} eigendecomposition of
 *       {@code G^T G} goes to the host. {@link HeadKind#IMPLICIT_FORWARD_ONLY} holds {@code U*}
 *       constant. The state (the moving average, {@code U*}) stays on the device in float64 and
 *       advances once per training step, never in evaluation, and not when the forward
 *       throws.</li>
 * </ul>
 * An evaluation forward ({@code training = false}) changes no state; the fixed and implicit
 * heads centre by the evaluated rows' own mean.
 *
 * <p>Data-parallel training: DJL splits a batch across the trainer's devices and calls the block
 * once per split. The fixed and implicit heads need the whole batch's mean and class means, which
 * the splits pool through a {@link SplitPooling} (docs/distributed-etf-head.md). With the default
 * {@link SplitPooling#single()} a training forward on a second device is refused: DJL runs the
 * splits one after another, so no split could see the others. Under a
 * {@link ConcurrentSplitPooling} concurrent splits advance the state once per step, with the same
 * {@code U*} and batch mean as the unsplit step, and its {@code trainBatch} (or
 * {@code completeBackward} in a loop of one's own) gives every split the gradient of the summed
 * loss of all splits, as if the batch had not been split ({@link SplitBackward}). The standard
 * head has no batch statistics.
 *
 * <p>Bad input is refused with an exception naming it: non-floating-point features, wrong shapes,
 * labels that are not integral class indices in {@code [0, C)} (NaN, fractional or out of range),
 * zero or non-finite feature rows, and in training feature rows so small that the derivative of
 * their normalisation would overflow the data type. {@link #close()} frees the native memory the
 * head owns (the implicit head's state); it is not thread-safe except for concurrent splits.
 */
public final class EtfHeadBlock extends AbstractBlock implements AutoCloseable {

    private static final byte VERSION = 2;

    private final HeadKind kind;
    private final int dimension;
    private final int numClasses;
    private final double tau;
    private final HeadClassifier classifier;
    private volatile SplitPooling pooling = SplitPooling.single();
    /** The thread in a training forward without split pooling, if any. */
    private final AtomicReference<Thread> unpooledTrainingForward = new AtomicReference<>();
    /** The device of the training forwards of a head with batch statistics that pools no splits. */
    private Device trainingDevice;

    private EtfHeadBlock(HeadKind kind, int dimension, int numClasses, double tau, HeadClassifier classifier) {
        super(VERSION);
        this.kind = kind;
        this.dimension = dimension;
        this.numClasses = numClasses;
        this.tau = tau;
        this.classifier = classifier;
        if (classifier instanceof LearnedClassifier learned) {
            addParameter(learned.parameter());
        }
    }

    /**
     * A head of the given kind with the paper's defaults for everything not named.
     *
     * @param tau feature scale of every head
     * @param delta proximal weight of the implicit heads (ignored by the others)
     * @param seed seed of the standard head's initial weight (ignored by the others)
     * @throws IllegalArgumentException on {@code C < 2}, {@code d < 1}, {@code d < C} for an ETF
     *     head, or invalid tau or delta
     */
    public static EtfHeadBlock create(HeadKind kind, int dimension, int numClasses, double tau, double delta,
            long seed) {
        if (kind == null) {
            throw new IllegalArgumentException("head kind must not be null");
        }
        return switch (kind) {
            case STANDARD -> standard(dimension, numClasses, tau, seed);
            case FIXED -> fixed(dimension, numClasses, tau);
            case IMPLICIT, IMPLICIT_FORWARD_ONLY -> implicit(dimension, numClasses, EtfOptions.defaults().withTau(tau)
                    .withDelta(delta).withBackwardMode(kind == HeadKind.IMPLICIT ? BackwardMode.FULL
                            : BackwardMode.FORWARD_ONLY));
        };
    }

    /**
     * The standard head: a learned {@code Linear(d, C)} without bias on the normalised features.
     *
     * @throws IllegalArgumentException on {@code C < 2}, {@code d < 1} or an invalid tau
     */
    public static EtfHeadBlock standard(int dimension, int numClasses, double tau, long seed) {
        requireTau(tau);
        return new EtfHeadBlock(HeadKind.STANDARD, dimension, numClasses, tau,
                new LearnedClassifier(dimension, numClasses, seed));
    }

    /**
     * The standard head with its classifier on the oblique manifold of unit rows, for a Riemannian
     * optimiser: the rows start at unit norm (the standard head's start, row by row normalised)
     * and are never re-normalised by the head; the optimiser keeps them there. Register the
     * parameter with the optimiser:
     *
     * <pre>
     *   EtfHeadBlock head = EtfHeadBlock.standardOnObliqueManifold(512, 10, 5.0, seed);
     *   RiemannianSgd sgd = RiemannianSgd.builder().setLearningRateTracker(Tracker.fixed(0.05f))
     *           .optMomentum(0.9).constrain(head.classifierParameter().orElseThrow(),
     *                   ManifoldConstraint.obliqueRows()).build();
     * </pre>
     *
     * ({@code RiemannianSgd} and {@code ManifoldConstraint} are in the djl-riemannian module.) The
     * authors' re-normalisation after a Euclidean step, {@code v <- (v - eta g) / ||v - eta g||},
     * is a retraction of the full gradient; the Riemannian step first removes each gradient row's
     * component along its own row, so the two train differently (README, "Real data"). A training
     * forward refuses rows that are not at unit norm, which catches an optimiser that does not hold
     * the parameter on the manifold.
     *
     * @throws IllegalArgumentException on {@code C < 2}, {@code d < 1} or an invalid tau
     */
    public static EtfHeadBlock standardOnObliqueManifold(int dimension, int numClasses, double tau, long seed) {
        requireTau(tau);
        return new EtfHeadBlock(HeadKind.STANDARD, dimension, numClasses, tau,
                new LearnedClassifier(dimension, numClasses, seed, true));
    }

    /**
     * The fixed simplex-ETF head.
     *
     * @throws IllegalArgumentException on {@code C < 2}, {@code d < C} or an invalid tau
     */
    public static EtfHeadBlock fixed(int dimension, int numClasses, double tau) {
        requireTau(tau);
        return new EtfHeadBlock(HeadKind.FIXED, dimension, numClasses, tau, new FixedEtfClassifier(dimension,
                numClasses));
    }

    /**
     * The implicit ETF head with the given options: {@code tau}, {@code delta}, the EMA's floor,
     * the start of the first solve and the backward mode ({@link BackwardMode#FULL} or
     * {@link BackwardMode#FORWARD_ONLY}) are used; the solver must be the closed form, and every
     * backward method computes the same derivative (docs/mathematics.md section 5d), which the
     * block takes in closed form.
     *
     * @throws IllegalArgumentException on {@code C < 2}, {@code d < C}, null options or another
     *     solver than the closed form
     */
    public static EtfHeadBlock implicit(int dimension, int numClasses, EtfOptions options) {
        ImplicitEtfClassifier classifier = new ImplicitEtfClassifier(dimension, numClasses, options);
        return new EtfHeadBlock(options.backwardMode() == BackwardMode.FULL ? HeadKind.IMPLICIT
                : HeadKind.IMPLICIT_FORWARD_ONLY, dimension, numClasses, options.tau(), classifier);
    }

    /** An implicit head that always takes the SVD route of the polar factor (tests of the fallback). */
    static EtfHeadBlock implicitOnSvdRoute(int dimension, int numClasses, EtfOptions options) {
        ImplicitEtfClassifier classifier = new ImplicitEtfClassifier(dimension, numClasses, options, true);
        return new EtfHeadBlock(options.backwardMode() == BackwardMode.FULL ? HeadKind.IMPLICIT
                : HeadKind.IMPLICIT_FORWARD_ONLY, dimension, numClasses, options.tau(), classifier);
    }

    private static void requireTau(double tau) {
        if (!(tau > 0) || !Double.isFinite(tau)) {
            throw new IllegalArgumentException("tau must be finite and > 0, got " + tau);
        }
    }

    /** Which head this is. */
    public HeadKind kind() {
        return kind;
    }

    /** Feature dimension d. */
    public int featureDimension() {
        return dimension;
    }

    /** Number of classes C. */
    public int numClasses() {
        return numClasses;
    }

    /** Feature scale {@code tau}. */
    public double tau() {
        return tau;
    }

    /** How training forwards meet the other splits of a step; {@link SplitPooling#single()} by default. */
    public SplitPooling splitPooling() {
        return pooling;
    }

    /**
     * Sets how training forwards meet the other splits of a step (docs/distributed-etf-head.md).
     *
     * @throws IllegalArgumentException when null
     */
    public void setSplitPooling(SplitPooling splitPooling) {
        if (splitPooling == null) {
            throw new IllegalArgumentException("split pooling must not be null (SplitPooling.single() for none)");
        }
        this.pooling = splitPooling;
    }

    /**
     * The standard head's classifier parameter {@code V} ({@code C x d}, one class per row, DJL
     * name {@code classifier}); empty for the ETF heads, which learn no classifier.
     */
    public Optional<Parameter> classifierParameter() {
        return classifier instanceof LearnedClassifier learned ? Optional.of(learned.parameter()) : Optional.empty();
    }

    /** Training steps the implicit head's state has taken ({@code t}); 0 for the other heads. */
    public long step() {
        return classifier instanceof ImplicitEtfClassifier implicit ? implicit.step() : 0;
    }

    /**
     * The classifier {@code W} ({@code d x C}, column c classifies class c) that a forward would
     * use now, copied to the host: the (re-normalised) learned weight transposed, the fixed ETF, or
     * {@code U* Mh} (the start point's before the first step).
     *
     * @throws IllegalStateException when the standard head's parameter is not initialised yet
     */
    public DMatrixRMaj classifier() {
        return classifier.classifier();
    }

    /** The implicit head's {@code U*} ({@code d x C}) after the last step; empty before the first and for the other heads. */
    public Optional<DMatrixRMaj> solution() {
        return classifier instanceof ImplicitEtfClassifier implicit ? Optional.ofNullable(implicit.solution())
                : Optional.empty();
    }

    /**
     * The implicit head's moving average of the centred class means {@code E_t} ({@code d x C}),
     * zero before the first step.
     *
     * @throws IllegalStateException for the other heads
     */
    public DMatrixRMaj movingAverage() {
        if (classifier instanceof ImplicitEtfClassifier implicit) {
            return implicit.movingAverage();
        }
        throw new IllegalStateException("the " + classifier.name() + " head has no moving average");
    }

    /** What distinguishes this head (for the package's tests). */
    HeadClassifier headClassifier() {
        return classifier;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), numClasses)};
    }

    @Override
    protected void prepare(Shape[] inputShapes) {
        if (inputShapes.length < 1 || inputShapes[0].dimension() != 2 || inputShapes[0].get(1) != dimension) {
            throw new IllegalArgumentException("the " + classifier.name() + " head expects features of shape (B, "
                    + dimension + "), got " + (inputShapes.length < 1 ? "nothing" : inputShapes[0]));
        }
    }

    /**
     * Training forward ({@code Trainer.forward(data, labels)}): the labels are those of the batch,
     * and the implicit head advances its state once (per step, across pooled splits).
     */
    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList data, NDList labels,
            PairList<String, Object> params) {
        NDArray features = requireFeatures(data);
        NDArray labelArray = labels == null || labels.isEmpty() ? null : labels.head();
        if (labelArray == null && classifier.needsLabels()) {
            throw new IllegalStateException("the " + classifier.name() + " head needs the labels in a training"
                    + " forward: call Trainer.forward(data, labels) or Block.forward(parameterStore, data, labels,"
                    + " params)");
        }
        SplitPooling splits = pooling;
        if (classifier.usesBatchStatistics() && !splits.poolsSplits()) {
            requireOneTrainingDevice(features.getDevice());
        }
        if (splits.poolsSplits()) {
            return trainingLogits(parameterStore, features, labelArray, splits);
        }
        // the head's state (the implicit head's plans, the standard head's rows) is changed by a
        // training forward; two at once would free or rewrite what the other is reading
        if (!unpooledTrainingForward.compareAndSet(null, Thread.currentThread())) {
            throw new IllegalStateException("the " + classifier.name() + " head is in a training forward on another"
                    + " thread: concurrent training forwards are the splits of a data-parallel step and need a"
                    + " ConcurrentSplitPooling (setSplitPooling)");
        }
        try {
            return trainingLogits(parameterStore, features, labelArray, splits);
        } finally {
            unpooledTrainingForward.set(null);
        }
    }

    private NDList trainingLogits(ParameterStore parameterStore, NDArray features, NDArray labelArray,
            SplitPooling splits) {
        // a split whose loss depends on the other splits' rows stops its backward at a leaf and
        // is completed by the pooling once every split's backward has run (SplitBackward)
        NormalisedBatch batch = splits.poolsSplits() && classifier.gradientCrossesSplits()
                ? NormalisedBatch.detached(features, labelArray, dimension, numClasses, tau, classifier.name())
                : NormalisedBatch.of(features, labelArray, dimension, numClasses, tau, true, classifier.name());
        return new NDList(classifier.trainingLogits(batch, parameterStore, splits));
    }

    /**
     * Without split pooling, training forwards on a second device mean that DJL splits the batches
     * across devices, one split after another: no split then sees the batch's mean or class means.
     */
    private synchronized void requireOneTrainingDevice(Device device) {
        if (trainingDevice == null) {
            trainingDevice = device;
        } else if (!trainingDevice.equals(device)) {
            throw new IllegalStateException("the " + classifier.name() + " head was trained on " + trainingDevice
                    + " and now gets a training forward on " + device + ": DJL splits a batch across the trainer's"
                    + " devices and runs the splits one after another, so no split sees the whole batch's mean and"
                    + " class means. Train on one device, or run the splits concurrently with a"
                    + " ConcurrentSplitPooling (setSplitPooling)");
        }
    }

    /**
     * Forward without labels: an evaluation forward ({@code training = false}) changes no state;
     * a training forward without labels is refused by the implicit head, which needs them.
     *
     * @throws IllegalStateException when {@code training} is true for the implicit head
     */
    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
            PairList<String, Object> params) {
        if (training) {
            return forwardInternal(parameterStore, inputs, null, params);
        }
        NDArray features = requireFeatures(inputs);
        NormalisedBatch batch = NormalisedBatch.of(features, null, dimension, numClasses, tau, false,
                classifier.name());
        return new NDList(classifier.evaluationLogits(batch, parameterStore));
    }

    private NDArray requireFeatures(NDList inputs) {
        if (inputs == null || inputs.isEmpty()) {
            throw new IllegalArgumentException("the " + classifier.name() + " head got no features");
        }
        return inputs.head();
    }

    /** Saves the parameters after applying a pending re-normalisation of the standard head's rows. */
    @Override
    public void saveParameters(DataOutputStream os) throws IOException {
        if (classifier instanceof LearnedClassifier learned) {
            learned.settle();
        }
        super.saveParameters(os);
    }

    /** Frees the native memory of the head's state and constants; closing twice is harmless. */
    @Override
    public void close() {
        classifier.close();
    }

    @Override
    public String toString() {
        return "EtfHeadBlock(" + kind.commandLineName() + ", d=" + dimension + ", C=" + numClasses + ", tau=" + tau
                + ")";
    }
}
