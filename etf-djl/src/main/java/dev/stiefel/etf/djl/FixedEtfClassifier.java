package dev.stiefel.etf.djl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import dev.stiefel.etf.SimplexEtf;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.ejml.data.DMatrixRMaj;

/**
 * The fixed simplex-ETF head of the authors' code ({@code ETF_fc} in Markou, Ajanthan, Gould,
 * "Guiding Neural Collapse", NeurIPS 2024, code {@code nc/models/resnet.py}): the frozen classifier
 * {@code W = [I_C; 0] Mh} and the bias {@code b = -W^T hG}, {@code hG} the batch mean of the
 * normalised features, set without gradient: {@code z_i = W^T (h~_i - hG)} with {@code hG} a
 * constant of the graph. The classifier lives on each device the head runs on, in each data
 * type it meets, created once.
 */
final class FixedEtfClassifier implements HeadClassifier {

    private final int dimension;
    private final int numClasses;
    private final DMatrixRMaj classifier;
    private final Map<String, NDArray> transposedByDeviceAndType = new ConcurrentHashMap<>();
    private NDManager manager;
    /** The arrays of the last two pooled steps (the splits of the current one may still read the previous). */
    private NDManager currentStep;
    private NDManager previousStep;
    private boolean closed;

    FixedEtfClassifier(int dimension, int numClasses) {
        SimplexEtf.requireDimensions(dimension, numClasses);
        this.dimension = dimension;
        this.numClasses = numClasses;
        this.classifier = SimplexEtf.canonical(dimension, numClasses, new DMatrixRMaj(dimension, numClasses));
    }

    @Override
    public String name() {
        return "fixed";
    }

    @Override
    public boolean needsLabels() {
        return false;
    }

    @Override
    public boolean usesBatchStatistics() {
        return true;
    }

    @Override
    public NDArray trainingLogits(NormalisedBatch batch, ParameterStore parameterStore, SplitPooling pooling) {
        NDArray features = batch.normalised();
        NDArray mean;
        if (pooling.poolsSplits()) {
            if (!batch.hasLabels()) {
                throw new IllegalStateException("the fixed head pools the splits' statistics, which carry the class"
                        + " counts: give the training forward its labels");
            }
            ClassStatistics local = batch.statistics(batch.classSums(), batch.featureSum());
            NDArray pooled = pooling.poolAndStep(local, statistics -> {
                NDArray sum = statistics.featureSum().div(NormalisedBatch.scalar(statistics.featureSum(), statistics.rows()));
                // every split of the step reads it, so it belongs to the head, not to a split's batch
                sum.attach(stepManager(features));
                return sum;
            });
            mean = pooled.toDevice(features.getDevice(), false).toType(features.getDataType(), false);
        } else {
            mean = batch.mean().stopGradient();
        }
        return logits(features.sub(mean));
    }

    @Override
    public NDArray evaluationLogits(NormalisedBatch batch, ParameterStore parameterStore) {
        NDArray features = batch.normalised();
        return logits(features.sub(batch.mean()));
    }

    private NDArray logits(NDArray centred) {
        return Linear.linear(centred, transposed(centred)).singletonOrThrow();
    }

    /** {@code W^T} ({@code C x d}) on the device and in the type of {@code like}. */
    private synchronized NDArray transposed(NDArray like) {
        Device device = like.getDevice();
        DataType type = like.getDataType();
        if (closed) {
            throw new IllegalStateException("the fixed head was closed");
        }
        return transposedByDeviceAndType.computeIfAbsent(device + "/" + type, key -> {
            if (manager == null) {
                manager = like.getManager().getEngine().newBaseManager(device);
            }
            double[] values = new double[numClasses * dimension];
            for (int c = 0; c < numClasses; c++) {
                for (int k = 0; k < dimension; k++) {
                    values[c * dimension + k] = classifier.unsafe_get(k, c);
                }
            }
            NDArray array = manager.create(values, new Shape(numClasses, dimension)).toDevice(device, false)
                    .toType(type, false);
            array.attach(manager);
            return array;
        });
    }

    /** A fresh manager for this step's shared arrays; the one two steps back is freed. */
    private synchronized NDManager stepManager(NDArray like) {
        if (closed) {
            throw new IllegalStateException("the fixed head was closed");
        }
        if (manager == null) {
            manager = like.getManager().getEngine().newBaseManager(like.getDevice());
        }
        if (previousStep != null) {
            previousStep.close();
        }
        previousStep = currentStep;
        currentStep = manager.newSubManager(like.getDevice());
        return currentStep;
    }

    @Override
    public DMatrixRMaj classifier() {
        return classifier.copy();
    }

    /** Whether the head's native memory is freed (for tests). */
    synchronized boolean isReleased() {
        return closed && (manager == null || !manager.isOpen());
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        transposedByDeviceAndType.clear();
        if (manager != null) {
            manager.close();
        }
    }
}
