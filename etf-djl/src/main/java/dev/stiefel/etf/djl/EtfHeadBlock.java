package dev.stiefel.etf.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.stiefel.etf.ClassifierHead;
import dev.stiefel.etf.ImplicitEtfHead;
import dev.stiefel.etf.LearnedLinearHead;
import dev.stiefel.etf.train.ComputeDevice;
import dev.stiefel.etf.train.HeadKind;
import org.ejml.data.DMatrixRMaj;

/**
 * One of the classifier heads of Markou, Ajanthan, Gould, "Guiding Neural Collapse" (NeurIPS
 * 2024, eq. 8; docs/mathematics.md sections 3-5) as a DJL {@link ai.djl.nn.Block}: it takes the
 * penultimate features {@code H} ({@code B x d}) of any backbone and returns the logits
 * {@code Z} ({@code B x C}). The head itself is an etf-solver {@link ClassifierHead}, which runs
 * on the host in double precision: the learned normalised linear head, the fixed simplex ETF,
 * or the implicit ETF head with the full or the forward-only backward.
 *
 * <p>DJL has no hook for a custom backward, so the head's gradient enters DJL's autograd
 * through a surrogate. A training forward ({@code Trainer.forward(data, labels)}; the implicit
 * head needs the labels for the class means) returns the logits as a new leaf array that
 * collects {@code dL/dZ}. After {@code collector.backward(loss)}, {@link #backward} runs the
 * etf-solver head's backward to {@code G = dL/dH} and back-propagates the scalar
 * {@code sum(H * G)}, with {@code G} a constant, so that the gradient reaching the backbone is
 * exactly {@code G}:
 *
 * <pre>
 *   try (GradientCollector collector = trainer.newGradientCollector()) {
 *       NDList logits = trainer.forward(data, labels);
 *       collector.backward(trainer.getLoss().evaluate(labels, logits));
 *       head.backward(collector);
 *   }
 *   trainer.step();
 *   head.afterStep();
 * </pre>
 *
 * The implicit head advances its state (EMA of the class means, nearest-ETF solve) once per
 * training forward; an evaluation forward ({@code training = false}) changes no state and
 * centres by the evaluated batch's mean.
 *
 * <p>The learned head's classifier is a DJL parameter {@code classifier} holding {@code W^T}
 * ({@code C x d}, one classifier vector per row, the layout of a DJL {@code Linear} weight), so
 * any DJL optimiser trains it; its gradient enters through the same surrogate, and
 * {@link #afterStep} re-normalises the rows to unit norm as the paper does after each step.
 * The ETF heads have no parameters. Not thread-safe.
 */
public final class EtfHeadBlock extends AbstractBlock {

    private static final byte VERSION = 1;

    private final HeadKind kind;
    private final ClassifierHead head;
    private final int dimension;
    private final int numClasses;
    private final Parameter classifierParameter;

    private final DMatrixRMaj hostFeatures = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj hostLogits = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj hostLogitsGradient = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj hostFeaturesGradient = new DMatrixRMaj(1, 1);

    private NDArray pendingFeatures;
    private NDArray pendingLogits;
    private NDArray pendingClassifier;

    /**
     * A fresh head of the given kind on the host.
     *
     * @param tau feature scale of every head
     * @param delta proximal weight of the implicit heads (ignored by the others)
     * @param seed seed of the learned head's random start (ignored by the others)
     * @throws IllegalArgumentException on {@code C < 2}, on {@code d < C} for an ETF head, or on
     *     invalid tau or delta
     */
    public static EtfHeadBlock create(HeadKind kind, int dimension, int numClasses, double tau, double delta,
            long seed) {
        return new EtfHeadBlock(kind, kind.create(dimension, numClasses, tau, delta, seed, ComputeDevice.CPU));
    }

    /**
     * Wraps an etf-solver head.
     *
     * @param kind which head it is: {@link HeadKind#STANDARD} needs a {@link LearnedLinearHead},
     *     the implicit kinds an {@link ImplicitEtfHead}
     * @throws IllegalArgumentException when the head does not match the kind
     */
    public EtfHeadBlock(HeadKind kind, ClassifierHead head) {
        super(VERSION);
        if (kind == null || head == null) {
            throw new IllegalArgumentException("head kind and head must not be null");
        }
        boolean matches = switch (kind) {
            case STANDARD -> head instanceof LearnedLinearHead;
            case IMPLICIT, IMPLICIT_FORWARD_ONLY -> head instanceof ImplicitEtfHead;
            case FIXED -> !(head instanceof LearnedLinearHead) && !(head instanceof ImplicitEtfHead);
        };
        if (!matches) {
            throw new IllegalArgumentException("head " + head.getClass().getSimpleName() + " is not a "
                    + kind.commandLineName() + " head");
        }
        this.kind = kind;
        this.head = head;
        this.dimension = head.featureDimension();
        this.numClasses = head.numClasses();
        if (kind == HeadKind.STANDARD) {
            classifierParameter = addParameter(Parameter.builder().setName("classifier")
                    .setType(Parameter.Type.WEIGHT).optShape(new Shape(numClasses, dimension))
                    .optInitializer((manager, shape, dataType) -> transposedClassifier(manager, dataType))
                    .build());
        } else {
            classifierParameter = null;
        }
    }

    public HeadKind kind() {
        return kind;
    }

    /** The etf-solver head doing the work (its state, its classifier). */
    public ClassifierHead head() {
        return head;
    }

    public int featureDimension() {
        return dimension;
    }

    public int numClasses() {
        return numClasses;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), numClasses)};
    }

    @Override
    protected void prepare(Shape[] inputShapes) {
        if (inputShapes.length < 1 || inputShapes[0].dimension() != 2 || inputShapes[0].get(1) != dimension) {
            throw new IllegalArgumentException("the " + kind.commandLineName() + " head expects features of shape (B, "
                    + dimension + "), got " + (inputShapes.length < 1 ? "nothing" : inputShapes[0]));
        }
    }

    /**
     * Training forward: the labels are those of the batch. The logits come back as a leaf that
     * collects {@code dL/dZ}; follow with {@link #backward} after the loss's backward.
     */
    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList data, NDList labels,
            PairList<String, Object> params) {
        if (labels == null || labels.isEmpty()) {
            return forwardInternal(parameterStore, data, true, params);
        }
        NDArray features = requireFeatures(data);
        int[] classes = labels.head().toType(DataType.INT32, false).toIntArray();
        if (classes.length != features.getShape().get(0)) {
            throw new IllegalArgumentException("the " + kind.commandLineName() + " head got " + classes.length
                    + " labels for " + features.getShape().get(0) + " feature rows");
        }
        toHost(features, hostFeatures);
        pendingClassifier = null;
        if (classifierParameter != null) {
            pendingClassifier = parameterStore.getValue(classifierParameter, features.getDevice(), true);
            loadClassifier(pendingClassifier);
        }
        head.forward(hostFeatures, classes, hostLogits);
        NDArray logits = fromHost(features.getManager(), hostLogits, features.getDataType());
        logits.setRequiresGradient(true);
        pendingFeatures = features;
        pendingLogits = logits;
        return new NDList(logits);
    }

    /**
     * Evaluation forward (state-free, centred by this batch's mean). A training forward without
     * labels is refused: the implicit head needs them, and the others keep the same contract.
     *
     * @throws IllegalStateException when {@code training} is true
     */
    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
            PairList<String, Object> params) {
        if (training) {
            throw new IllegalStateException("the " + kind.commandLineName()
                    + " head needs the labels in a training forward: call Trainer.forward(data, labels)"
                    + " or Block.forward(parameterStore, data, labels, params)");
        }
        NDArray features = requireFeatures(inputs);
        toHost(features, hostFeatures);
        if (classifierParameter != null) {
            loadClassifier(parameterStore.getValue(classifierParameter, features.getDevice(), false));
        }
        head.evaluate(hostFeatures, hostLogits);
        return new NDList(fromHost(features.getManager(), hostLogits, features.getDataType()));
    }

    /**
     * Carries {@code dL/dZ}, which the loss's backward left on the logits of the last training
     * forward, through the etf-solver head to {@code G = dL/dH} (and {@code dL/dW} for the
     * learned head), and back-propagates {@code sum(H * G) + sum(W^T * (dL/dW)^T)} with constant
     * {@code G} so that DJL's autograd delivers exactly these gradients to the backbone and the
     * classifier parameter.
     *
     * @throws IllegalStateException without a preceding training forward, or when the logits have
     *     no gradient (the loss was not back-propagated, or not inside the collector)
     */
    public void backward(GradientCollector collector) {
        if (pendingLogits == null) {
            throw new IllegalStateException("the " + kind.commandLineName()
                    + " head's backward needs a training forward with labels first");
        }
        NDArray logitsGradient = pendingLogits.getGradient();
        if (logitsGradient == null) {
            throw new IllegalStateException("the logits have no gradient: back-propagate the loss with the same"
                    + " GradientCollector before the head's backward");
        }
        NDArray features = pendingFeatures;
        NDArray classifier = pendingClassifier;
        pendingLogits = null;
        pendingFeatures = null;
        pendingClassifier = null;
        toHost(logitsGradient, hostLogitsGradient);
        head.backward(hostLogitsGradient, hostFeaturesGradient);
        NDManager manager = features.getManager();
        NDArray featuresGradient = fromHost(manager, hostFeaturesGradient, features.getDataType());
        NDArray surrogate = features.mul(featuresGradient).sum();
        if (classifier != null) {
            // dL/dW is d x C; the parameter is W^T.
            DMatrixRMaj classifierGradient = head.parameters().get(0).gradient();
            NDArray transposedGradient = fromHost(manager, classifierGradient, classifier.getDataType())
                    .transpose();
            surrogate = surrogate.add(classifier.mul(transposedGradient).sum());
        }
        collector.backward(surrogate);
    }

    /**
     * After the optimiser's step: re-normalises the learned classifier's vectors (rows of the
     * parameter) to unit norm (the paper, Section 4); nothing for the ETF heads. Call it outside
     * a gradient collector.
     */
    public void afterStep() {
        if (classifierParameter == null || !classifierParameter.isInitialized()) {
            return;
        }
        NDArray weight = classifierParameter.getArray();
        try (NDArray norms = weight.square().sum(new int[] {1}, true).sqrt()) {
            weight.divi(norms);
        }
    }

    private NDArray requireFeatures(NDList inputs) {
        if (inputs == null || inputs.isEmpty()) {
            throw new IllegalArgumentException("the " + kind.commandLineName() + " head got no features");
        }
        NDArray features = inputs.head();
        Shape shape = features.getShape();
        if (shape.dimension() != 2 || shape.get(1) != dimension || shape.get(0) < 1) {
            throw new IllegalArgumentException("the " + kind.commandLineName() + " head expects features of shape (B, "
                    + dimension + "), got " + shape);
        }
        return features;
    }

    /**
     * Copies the parameter {@code W^T} ({@code C x d}) into the etf-solver head's {@code W} as it
     * is, so that the surrogate's gradient is the gradient in the parameter ({@link #afterStep}
     * keeps it normalised).
     */
    private void loadClassifier(NDArray transposed) {
        double[] values = transposed.toType(DataType.FLOAT64, false).toDoubleArray();
        DMatrixRMaj classifier = head.classifier();
        for (int c = 0; c < numClasses; c++) {
            for (int k = 0; k < dimension; k++) {
                classifier.unsafe_set(k, c, values[c * dimension + k]);
            }
        }
    }

    private NDArray transposedClassifier(NDManager manager, DataType dataType) {
        DMatrixRMaj classifier = head.classifier();
        double[] values = new double[numClasses * dimension];
        for (int c = 0; c < numClasses; c++) {
            for (int k = 0; k < dimension; k++) {
                values[c * dimension + k] = classifier.unsafe_get(k, c);
            }
        }
        return manager.create(values, new Shape(numClasses, dimension)).toType(dataType, false);
    }

    /** {@code out} reshaped to the array's (rows, columns) and filled, row-major, in double precision. */
    static DMatrixRMaj toHost(NDArray array, DMatrixRMaj out) {
        Shape shape = array.getShape();
        out.reshape((int) shape.get(0), (int) shape.get(1));
        double[] values = array.getDataType() == DataType.FLOAT64 ? array.toDoubleArray()
                : array.toType(DataType.FLOAT64, false).toDoubleArray();
        System.arraycopy(values, 0, out.data, 0, out.getNumElements());
        return out;
    }

    /** A new array of {@code matrix}'s shape and values in {@code dataType}. */
    static NDArray fromHost(NDManager manager, DMatrixRMaj matrix, DataType dataType) {
        double[] values = new double[matrix.getNumElements()];
        System.arraycopy(matrix.data, 0, values, 0, values.length);
        NDArray array = manager.create(values, new Shape(matrix.numRows, matrix.numCols));
        return dataType == DataType.FLOAT64 ? array : array.toType(dataType, false);
    }
}
