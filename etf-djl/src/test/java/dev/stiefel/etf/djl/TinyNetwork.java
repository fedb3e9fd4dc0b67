package dev.stiefel.etf.djl;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.listener.TrainingListenerAdapter;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.Batchifier;
import org.ejml.data.DMatrixRMaj;

/**
 * A DJL {@code Linear} backbone followed by an {@link EtfHeadBlock}, trained by DJL's own
 * {@link EasyTrain#trainBatch} and {@code trainer.step()} with plain SGD, in float64 or float32.
 * After each batch it holds the logits DJL computed and the gradients DJL's autograd left on the
 * backbone's weight and bias (and the standard head's classifier), as float64 host matrices.
 */
final class TinyNetwork implements AutoCloseable {

    final NDManager manager;
    final Model model;
    final Trainer trainer;
    final Linear backbone;
    final EtfHeadBlock head;
    final DataType type;
    final int inputs;

    DMatrixRMaj logits;
    DMatrixRMaj weightGradient;
    double[] biasGradient;
    DMatrixRMaj classifierGradient;

    /**
     * @param initialWeight the backbone's weight A ({@code d x inputs})
     * @param initialBias its bias b (d)
     * @param learningRate SGD's rate (a power of two, exact in float32)
     */
    TinyNetwork(EtfHeadBlock head, DataType type, DMatrixRMaj initialWeight, double[] initialBias,
            double learningRate, int batchSize) {
        this(head, type, initialWeight, initialBias, learningRate, batchSize, Loss.softmaxCrossEntropyLoss());
    }

    /** As above, trained on {@code loss}. */
    TinyNetwork(EtfHeadBlock head, DataType type, DMatrixRMaj initialWeight, double[] initialBias,
            double learningRate, int batchSize, Loss loss) {
        this.head = head;
        this.type = type;
        this.inputs = initialWeight.numCols;
        manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        model = Model.newInstance("tiny", Device.cpu(), "PyTorch");
        model.setDataType(type);
        backbone = Linear.builder().setUnits(initialWeight.numRows).build();
        model.setBlock(new SequentialBlock().add(backbone).add(head));
        TrainingListener capture = new TrainingListenerAdapter() {
            @Override
            public void onTrainingBatch(Trainer trainer, BatchData batchData) {
                NDArray predictions = batchData.getPredictions().values().iterator().next().head();
                logits = toHost(predictions);
            }
        };
        DefaultTrainingConfig config = new DefaultTrainingConfig(loss)
                .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed((float) learningRate)).build())
                .optDevices(new Device[] {Device.cpu()}).addTrainingListeners(capture);
        trainer = model.newTrainer(config);
        trainer.initialize(new Shape(batchSize, inputs));
        if (type == DataType.FLOAT64) {
            skipFloat32GradientCheck(trainer);
        }
        set(parameter("weight"), initialWeight.data);
        set(parameter("bias"), initialBias);
    }

    /**
     * DJL's {@code Trainer.step()} first checks once that the gradients are not all zero by reading
     * their sum with {@code getFloat()}, which throws for float64 gradients; the check is marked done
     * so that float64 models step through the trainer's own optimiser.
     */
    static void skipFloat32GradientCheck(Trainer trainer) {
        try {
            java.lang.reflect.Field checked = Trainer.class.getDeclaredField("gradientsChecked");
            checked.setAccessible(true);
            checked.setBoolean(trainer, true);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("DJL's Trainer has no gradientsChecked flag any more", e);
        }
    }

    Parameter parameter(String name) {
        return backbone.getParameters().get(name);
    }

    /** One batch through {@link EasyTrain#trainBatch}; keeps the logits and gradients, does not step. */
    void trainBatch(DMatrixRMaj inputBatch, int[] labels) {
        trainBatch(inputBatch, labels, EasyTrain::trainBatch);
    }

    /** One batch through a custom training of one batch; keeps the logits and gradients, does not step. */
    void trainBatch(DMatrixRMaj inputBatch, int[] labels, java.util.function.BiConsumer<Trainer, Batch> training) {
        NDManager scope = manager.newSubManager();
        NDArray data = scope.create(inputBatch.data, new Shape(inputBatch.numRows, inputBatch.numCols)).toType(type,
                false);
        NDArray labelArray = scope.create(labels);
        Batch batch = new Batch(scope, new NDList(data), new NDList(labelArray), inputBatch.numRows,
                Batchifier.STACK, Batchifier.STACK, 0, 1);
        try {
            training.accept(trainer, batch);
            weightGradient = toHost(parameter("weight").getArray().getGradient());
            biasGradient = toHost(parameter("bias").getArray().getGradient()).data;
            Parameter classifier = head.getParameters().isEmpty() ? null : head.getParameters().get("classifier");
            classifierGradient = classifier == null ? null : toHost(classifier.getArray().getGradient());
        } finally {
            batch.close();
        }
    }

    /** DJL's optimiser step. */
    void step() {
        trainer.step();
    }

    /** The standard head's current parameter V ({@code C x d}), as stored. */
    DMatrixRMaj storedClassifier() {
        return toHost(head.getParameters().get("classifier").getArray());
    }

    static void set(Parameter parameter, double[] values) {
        NDArray array = parameter.getArray();
        if (array.getDataType() == DataType.FLOAT64) {
            array.set(values);
        } else {
            float[] floats = new float[values.length];
            for (int i = 0; i < values.length; i++) {
                floats[i] = (float) values[i];
            }
            array.set(floats);
        }
    }

    /** A 1- or 2-dimensional array as a float64 host matrix (a vector as one row). */
    static DMatrixRMaj toHost(NDArray array) {
        Shape shape = array.getShape();
        int rows = shape.dimension() == 1 ? 1 : (int) shape.get(0);
        int cols = shape.dimension() == 1 ? (int) shape.get(0) : (int) shape.get(1);
        double[] values;
        try (NDArray copy = array.toType(DataType.FLOAT64, true)) {
            values = copy.toDoubleArray();
        }
        DMatrixRMaj out = new DMatrixRMaj(rows, cols);
        System.arraycopy(values, 0, out.data, 0, values.length);
        return out;
    }

    @Override
    public void close() {
        trainer.close();
        model.close();
        head.close();
        manager.close();
    }
}
