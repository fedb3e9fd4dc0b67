package dev.stiefel.etf.djl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.QRDecomposition;

/**
 * The learned ("standard") head of the authors' code (Markou, Ajanthan, Gould, "Guiding Neural
 * Collapse", NeurIPS 2024, code {@code nc/models/resnet.py} and {@code nc/train.py}): a
 * {@code Linear(d, C, bias=False)} on the normalised features, {@code z_i = V h~_i} with the
 * parameter {@code V} ({@code C x d}, one classifier vector per row, a DJL {@code Linear}
 * weight's layout), no centring and no bias. It starts as AGD's {@code init_weights} sets a
 * weight (Bernstein et al. 2023): a semi-orthogonal matrix scaled by
 * {@code sqrt(fan_out / fan_in) = sqrt(C / d)}, drawn from the seed. Its rows are re-normalised
 * to unit norm after every optimiser step.
 *
 * <p><b>Where the re-normalisation happens.</b> In the forward that follows a training forward
 * on the same device: before the parameter is used, its rows are divided by their norms in place,
 * outside the graph (on a detached view), which is the authors' {@code normalise_classifier()}
 * after {@code optimiser.step()} moved to the moment the result is first read. This needs no call
 * from the user and no listener: DJL's {@code EasyTrain.fit} notifies its listeners
 * ({@code onTrainingBatch}) before {@code trainer.step()}, so a {@code TrainingListener} cannot
 * act after the step. A parameterisation {@code W = V / ||V||} (row-wise, inside the forward) would
 * need no step hook either, but it trains another model: its gradient is the authors' gradient
 * projected onto the rows' tangent spaces and scaled by {@code 1/||v_c||}, the optimiser's state
 * (momentum, Adam's moments, weight decay) acts on {@code V} instead of on the normalised rows, and
 * the first step would use unit rows instead of the initial {@code sqrt(C/d)}. Each device's copy of
 * the parameter (DJL's multi-device training keeps one per device, all updated alike) is
 * re-normalised before its own next use; {@link #classifier()} and saving apply a pending
 * re-normalisation too. Under a {@link ConcurrentSplitPooling} the splits of a step first meet in
 * the pooling's round, where the pending re-normalisations run once: splits that share a device
 * share its copy, and one split's re-normalisation in place must not follow another split's use.
 *
 * <p><b>On the oblique manifold.</b> {@link EtfHeadBlock#standardOnObliqueManifold} builds the same
 * head without the re-normalisation: the rows start at unit norm (AGD's start, each row divided by
 * its norm) and a Riemannian optimiser that holds the parameter on the oblique manifold of unit
 * rows keeps them there, so the step itself is a retraction and the training loop needs no hook.
 * Every training forward checks that the rows are at unit norm (within
 * {@value #OBLIQUE_ROW_TOLERANCE}) and refuses to train on rows that an unconstrained optimiser has
 * moved off the manifold, naming the fix.
 */
final class LearnedClassifier implements HeadClassifier {

    private final int dimension;
    private final int numClasses;
    private final long seed;
    /**
     * Largest {@code | ||v_c|| - 1 |} a training forward accepts on the oblique manifold: far
     * above the float32 rounding a retraction leaves (about 1e-7), far below the drift of one
     * unconstrained optimiser step.
     */
    static final double OBLIQUE_ROW_TOLERANCE = 1e-4;

    private final Parameter parameter;
    private final boolean onObliqueManifold;
    /** Devices whose copy of the parameter has been through a training forward since its last re-normalisation. */
    private final Set<Device> pending = ConcurrentHashMap.newKeySet();

    LearnedClassifier(int dimension, int numClasses, long seed) {
        this(dimension, numClasses, seed, false);
    }

    /**
     * @param onObliqueManifold true when a Riemannian optimiser keeps the rows at unit norm (the
     *     head then starts from unit rows and never re-normalises), false for the authors'
     *     re-normalisation after every step
     */
    LearnedClassifier(int dimension, int numClasses, long seed, boolean onObliqueManifold) {
        if (numClasses < 2 || dimension < 1) {
            throw new IllegalArgumentException("the standard head needs C >= 2 classes and d >= 1, got C = "
                    + numClasses + ", d = " + dimension);
        }
        this.dimension = dimension;
        this.numClasses = numClasses;
        this.seed = seed;
        this.onObliqueManifold = onObliqueManifold;
        this.parameter = Parameter.builder().setName("classifier").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(numClasses, dimension))
                .optInitializer((manager, shape, dataType) -> initialWeight(manager, dataType)).build();
    }

    /** The DJL parameter {@code V}, {@code C x d}. */
    Parameter parameter() {
        return parameter;
    }

    /** Whether the rows are held at unit norm by a Riemannian optimiser instead of re-normalised by the head. */
    boolean onObliqueManifold() {
        return onObliqueManifold;
    }

    @Override
    public String name() {
        return onObliqueManifold ? "standard (oblique)" : "standard";
    }

    @Override
    public boolean needsLabels() {
        return false;
    }

    @Override
    public boolean usesBatchStatistics() {
        return false;
    }

    @Override
    public NDArray trainingLogits(NormalisedBatch batch, ParameterStore parameterStore, SplitPooling pooling) {
        if (!onObliqueManifold && pooling.poolsSplits()) {
            return pooledTrainingLogits(batch, parameterStore, pooling);
        }
        NDArray features = batch.normalised();
        NDArray weight = weight(parameterStore, features.getDevice(), true);
        if (onObliqueManifold) {
            requireUnitRows(weight);
            return Linear.linear(features, weight).singletonOrThrow();
        }
        NDArray logits = Linear.linear(features, weight).singletonOrThrow();
        pending.add(features.getDevice());
        return logits;
    }

    /**
     * The training forward of one split of a data-parallel step. Splits that share a device share
     * its copy of the parameter, so a split's re-normalisation in place could come after another
     * split's graph has read the rows; the splits therefore meet first ({@link SplitPooling#meet}),
     * where the pending re-normalisations of every device run once, before any split reads them.
     */
    private NDArray pooledTrainingLogits(NormalisedBatch batch, ParameterStore parameterStore, SplitPooling pooling) {
        NDArray features = batch.normalised();
        pooling.meet(() -> {
            for (Device device : List.copyOf(pending)) {
                pending.remove(device);
                renormaliseRows(parameterStore.getValue(parameter, device, true));
            }
        });
        NDArray logits = Linear.linear(features, parameterStore.getValue(parameter, features.getDevice(), true))
                .singletonOrThrow();
        pending.add(features.getDevice());
        return logits;
    }

    @Override
    public NDArray evaluationLogits(NormalisedBatch batch, ParameterStore parameterStore) {
        NDArray features = batch.normalised();
        return Linear.linear(features, weight(parameterStore, features.getDevice(), false)).singletonOrThrow();
    }

    private NDArray weight(ParameterStore parameterStore, Device device, boolean training) {
        NDArray weight = parameterStore.getValue(parameter, device, training);
        if (pending.remove(device)) {
            renormaliseRows(weight);
        }
        return weight;
    }

    /** Applies a pending re-normalisation to the parameter's own array (before saving it). */
    void settle() {
        if (parameter.isInitialized() && pending.remove(parameter.getArray().getDevice())) {
            renormaliseRows(parameter.getArray());
        }
    }

    /** Refuses rows off the unit sphere: the parameter is not held on the oblique manifold. */
    private static void requireUnitRows(NDArray weight) {
        double[] norms = rowNorms(weight);
        for (int row = 0; row < norms.length; row++) {
            if (!(Math.abs(norms[row] - 1) <= OBLIQUE_ROW_TOLERANCE)) {
                throw new IllegalStateException("the standard head's classifier row " + row + " has norm " + norms[row]
                        + ", not 1: on the oblique manifold the optimiser must keep the rows at unit norm; register"
                        + " EtfHeadBlock.classifierParameter() with ManifoldConstraint.obliqueRows() in a Riemannian"
                        + " optimiser (djl-riemannian), or use EtfHeadBlock.standard, which re-normalises after each"
                        + " step");
            }
        }
    }

    /**
     * The row norms, computed in the weight's own type (the C norms, not the C x d weight, are
     * widened to float64 for the host): a training step's check copies C numbers.
     */
    private static double[] rowNorms(NDArray weight) {
        try (NDArray detached = weight.stopGradient();
                NDArray squares = detached.square();
                NDArray sums = squares.sum(new int[] {1});
                NDArray norms = sums.sqrt();
                NDArray hostNorms = norms.toType(DataType.FLOAT64, true)) {
            return hostNorms.toDoubleArray();
        }
    }

    /**
     * {@code V <- V / ||V||} row-wise, in place, without gradient.
     *
     * @throws ArithmeticException when a row is zero or not finite (the update diverged)
     */
    static void renormaliseRows(NDArray weight) {
        try (NDArray detached = weight.stopGradient();
                NDArray squares = detached.square();
                NDArray sums = squares.sum(new int[] {1}, true);
                NDArray norms = sums.sqrt();
                NDArray hostNorms = norms.toType(DataType.FLOAT64, true)) {
            double[] values = hostNorms.toDoubleArray();
            for (int row = 0; row < values.length; row++) {
                if (!(values[row] > 0) || !Double.isFinite(values[row])) {
                    throw new ArithmeticException("the standard head's classifier row " + row + " has norm " + values[row]
                            + " and cannot be re-normalised (the update diverged)");
                }
            }
            detached.divi(norms);
        }
    }

    @Override
    public DMatrixRMaj classifier() {
        if (!parameter.isInitialized()) {
            throw new IllegalStateException("the standard head's classifier is not initialised yet");
        }
        NDArray weight = parameter.getArray();
        double[] values;
        try (NDArray copy = weight.toType(DataType.FLOAT64, true)) {
            values = copy.toDoubleArray();
        }
        boolean normalise = pending.contains(weight.getDevice());
        DMatrixRMaj classifier = new DMatrixRMaj(dimension, numClasses);
        for (int c = 0; c < numClasses; c++) {
            double norm = 0;
            for (int k = 0; k < dimension; k++) {
                norm += values[c * dimension + k] * values[c * dimension + k];
            }
            double factor = normalise ? 1.0 / Math.sqrt(norm) : 1.0;
            for (int k = 0; k < dimension; k++) {
                classifier.unsafe_set(k, c, factor * values[c * dimension + k]);
            }
        }
        return classifier;
    }

    /**
     * AGD's {@code init_weights} for this shape: {@code torch.nn.init.orthogonal_} (the Q factor of
     * the QR decomposition of a Gaussian matrix, signs fixed by R's diagonal, transposed when the
     * weight is wide) times {@code sqrt(fan_out / fan_in)}.
     */
    private NDArray initialWeight(NDManager manager, DataType dataType) {
        double[] values = initialValues(dimension, numClasses, seed);
        if (onObliqueManifold) {
            normaliseRows(values, numClasses, dimension);
        }
        return manager.create(values, new Shape(numClasses, dimension)).toType(dataType, false);
    }

    /** Divides each row of a row-major {@code rows x cols} array by its norm. */
    static void normaliseRows(double[] values, int rows, int cols) {
        for (int row = 0; row < rows; row++) {
            double norm = 0;
            for (int k = 0; k < cols; k++) {
                norm = Math.hypot(norm, values[row * cols + k]);
            }
            for (int k = 0; k < cols; k++) {
                values[row * cols + k] /= norm;
            }
        }
    }

    /** Row-major {@code C x d} values of the initial weight. */
    static double[] initialValues(int dimension, int numClasses, long seed) {
        int tall = Math.max(dimension, numClasses);
        int wide = Math.min(dimension, numClasses);
        SplittableRandom random = new SplittableRandom(seed);
        DMatrixRMaj gaussian = new DMatrixRMaj(tall, wide);
        for (int i = 0; i < gaussian.data.length; i++) {
            gaussian.data[i] = random.nextGaussian();
        }
        QRDecomposition<DMatrixRMaj> qr = DecompositionFactory_DDRM.qr(tall, wide);
        if (!qr.decompose(gaussian.copy())) {
            throw new ArithmeticException("QR decomposition of the initial Gaussian matrix failed");
        }
        DMatrixRMaj q = qr.getQ(null, true);
        DMatrixRMaj r = qr.getR(null, true);
        double scale = Math.sqrt((double) numClasses / dimension);
        double[] values = new double[numClasses * dimension];
        for (int i = 0; i < tall; i++) {
            for (int j = 0; j < wide; j++) {
                double value = scale * q.get(i, j) * Math.signum(r.get(j, j));
                // the weight is C x d: q itself when C >= d, its transpose when C < d
                if (numClasses >= dimension) {
                    values[i * dimension + j] = value;
                } else {
                    values[j * dimension + i] = value;
                }
            }
        }
        return values;
    }

    @Override
    public void close() {
        pending.clear();
    }
}
