package dev.stiefel.cli.fashion;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.listener.TrainingListenerAdapter;
import ai.djl.training.loss.Loss;
import ai.djl.translate.TranslateException;
import ai.djl.nn.Parameter;
import ai.djl.training.optimizer.Optimizer;
import dev.stiefel.djl.riemannian.ManifoldConstraint;
import dev.stiefel.djl.riemannian.ManifoldInitializer;
import dev.stiefel.etf.CrossEntropy;
import dev.stiefel.etf.djl.Backbone;
import dev.stiefel.etf.djl.EtfHeadBlock;
import dev.stiefel.etf.djl.data.Augmentation;
import dev.stiefel.etf.djl.data.ImageBatches;
import dev.stiefel.etf.djl.data.ImageSet;
import dev.stiefel.etf.djl.data.Normalisation;
import dev.stiefel.etf.train.HeadKind;
import dev.stiefel.etf.train.NeuralCollapseMetrics;
import dev.stiefel.etf.train.NeuralCollapseSnapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;

/**
 * Trains a backbone with one of the {@link EtfHeadBlock} heads on images in DJL's own loop,
 * {@code EasyTrain.fit}, with the PyTorch engine in float32 on the CPU, and measures every epoch
 * through a {@link TrainingListener}: the training loss and accuracy of the epoch's mini-batches
 * (as trained), the test loss and accuracy (evaluation mode), and every {@code ncEvery} epochs the
 * neural-collapse metrics NC1 and NC3 (paper Appendix A, etf-train's {@link NeuralCollapseMetrics})
 * of the penultimate features of the first {@code ncSubset} training images.
 *
 * <p>Seed {@code s} fixes the initial weights (the engine's random seed), the standard head's
 * start, the shuffling and the augmentation, so that every head starts from the same backbone for
 * the same seed. Progress goes to the {@link Listener}; nothing is printed.
 */
public final class ImageClassifierTraining {

    /** Receives progress; all methods default to doing nothing. */
    public interface Listener {

        /** After each training batch's forward and backward (before the optimiser's step). */
        default void batchDone(int epoch, int batch, int batchesPerEpoch, double batchLoss) {
        }

        /** After each epoch and its evaluations. */
        default void epochDone(EpochRecord record) {
        }
    }

    private ImageClassifierTraining() {
    }

    /**
     * One run.
     *
     * @param normalisation of the pixels (the training set's statistics)
     * @return one record per epoch
     * @throws IllegalArgumentException when the training set is smaller than one batch, or the
     *     neural-collapse subset larger than the training set
     */
    public static List<EpochRecord> run(HeadKind kind, long seed, ImageSet train, ImageSet test,
            Normalisation normalisation, ImageClassifierOptions options, Listener listener) {
        requireSizes(train, options);
        Engine.getEngine("PyTorch").setRandomSeed((int) seed);
        try (Network network = Network.create(kind, seed, train.numClasses(), options);
                Model model = Model.newInstance("image-classifier", Device.cpu(), "PyTorch")) {
            model.setBlock(network.block());
            SplittableRandom random = new SplittableRandom(seed);
            ImageBatches batches = new ImageBatches(train, normalisation, options.augmentation(), options.batchSize(),
                    true, random);
            EpochMeasurements measurements = new EpochMeasurements(train, test, normalisation, options,
                    network.backbone(), network.head(), new ParameterStore(model.getNDManager(), false),
                    batches.batchesPerPass(), listener);
            DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(network.optimizer()).optDevices(new Device[] {Device.cpu()})
                    .addTrainingListeners(measurements);
            try (Trainer trainer = model.newTrainer(config)) {
                network.startOnManifolds(seed);
                trainer.initialize(new Shape(options.batchSize(), 1, train.rows(), train.cols()));
                EasyTrain.fit(trainer, options.epochs(), batches, null);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (TranslateException e) {
                throw new IllegalStateException("the image batches could not be made", e);
            }
            return measurements.records();
        }
    }

    /**
     * The median time of a training step (forward, backward and the optimiser's step through
     * {@code EasyTrain.trainBatch}) of this head on the first batches of the training set, after
     * {@code warmUp} untimed steps (the first steps of a JVM run several times slower): a calibration
     * for the command's time estimate. Changes no run (its own model and generator).
     *
     * @param warmUp untimed steps first, at least 0
     * @param steps timed steps, at least 1
     */
    public static double secondsPerStep(HeadKind kind, ImageSet train, Normalisation normalisation,
            ImageClassifierOptions options, int warmUp, int steps) {
        requireSizes(train, options);
        try (Network network = Network.create(kind, 0, train.numClasses(), options);
                Model model = Model.newInstance("calibration", Device.cpu(), "PyTorch")) {
            model.setBlock(network.block());
            DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(network.optimizer()).optDevices(new Device[] {Device.cpu()});
            ImageBatches batches = new ImageBatches(train, normalisation, Augmentation.NONE, options.batchSize(), false,
                    new SplittableRandom(0));
            double[] seconds = new double[steps];
            try (Trainer trainer = model.newTrainer(config)) {
                network.startOnManifolds(0);
                trainer.initialize(new Shape(options.batchSize(), 1, train.rows(), train.cols()));
                int step = -warmUp;
                while (step < steps) {
                    for (Batch batch : trainer.iterateDataset(batches)) {
                        long start = System.nanoTime();
                        EasyTrain.trainBatch(trainer, batch);
                        trainer.step();
                        batch.close();
                        if (step >= 0) {
                            seconds[step] = (System.nanoTime() - start) * 1e-9;
                        }
                        if (++step >= steps) {
                            break;
                        }
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (TranslateException e) {
                throw new IllegalStateException("the image batches could not be made", e);
            }
            Arrays.sort(seconds);
            return seconds[steps / 2];
        }
    }

    /**
     * The backbone, the head and the optimiser of one run; the head on the oblique manifold and
     * the backbone's last linear map on the Stiefel manifold when the options say so, with the
     * optimiser that holds them there. Closing frees the head's state and the optimiser's moments.
     */
    record Network(Block backbone, EtfHeadBlock head, SequentialBlock block, Optimizer optimizer,
            Optional<Parameter> orthogonalOutput) implements AutoCloseable {

        static Network create(HeadKind kind, long seed, int numClasses, ImageClassifierOptions options) {
            Block backbone = options.backbone().build(options.width(), options.dimension());
            ParameterManifolds manifolds = options.manifolds();
            EtfHeadBlock head = kind == HeadKind.STANDARD && manifolds.obliqueClassifier()
                    ? EtfHeadBlock.standardOnObliqueManifold(options.dimension(), numClasses, options.tau(), seed)
                    : EtfHeadBlock.create(kind, options.dimension(), numClasses, options.tau(), options.delta(), seed);
            Map<Parameter, ManifoldConstraint> constraints = new LinkedHashMap<>();
            if (manifolds.obliqueClassifier()) {
                head.classifierParameter().ifPresent(classifier -> constraints.put(classifier,
                        ManifoldConstraint.obliqueRows()));
            }
            Optional<Parameter> orthogonalOutput = manifolds.orthogonalBackboneOutput()
                    ? Optional.of(Backbone.outputLinear(backbone).getParameters().get("weight")) : Optional.empty();
            orthogonalOutput.ifPresent(weight -> constraints.put(weight, ManifoldConstraint.stiefelColumns()));
            SequentialBlock block = new SequentialBlock().add(backbone).add(head);
            Optimizer optimizer = manifolds.any()
                    ? options.optimizer().createRiemannian(options.learningRate(), options.weightDecay(), constraints)
                    : options.optimizer().create(block, options.learningRate(), options.weightDecay());
            return new Network(backbone, head, block, optimizer, orthogonalOutput);
        }

        /**
         * Starts the backbone's constrained map on its manifold (Haar, from the seed); called after
         * the trainer is created, whose configuration sets every weight's initialiser, and before
         * it initialises the parameters. The head's classifier starts on its manifold by itself.
         */
        void startOnManifolds(long seed) {
            orthogonalOutput.ifPresent(weight -> weight.setInitializer(ManifoldInitializer.of(
                    ManifoldConstraint.stiefelColumns(), seed)));
        }

        @Override
        public void close() {
            head.close();
            if (optimizer instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    throw new IllegalStateException("the optimiser could not be closed", e);
                }
            }
        }
    }

    private static void requireSizes(ImageSet train, ImageClassifierOptions options) {
        if (train.size() < options.batchSize()) {
            throw new IllegalArgumentException("training set of " + train.size() + " images is smaller than one batch of "
                    + options.batchSize());
        }
        if (options.ncSubset() > train.size()) {
            throw new IllegalArgumentException("neural-collapse subset of " + options.ncSubset()
                    + " images is larger than the training set of " + train.size());
        }
    }

    /**
     * The listener that measures a run: the loss and accuracy of each training batch as DJL's loop
     * computed it ({@code onTrainingBatch}), and at the end of each epoch ({@code onEpoch}) the
     * test set and the neural-collapse metrics.
     */
    private static final class EpochMeasurements extends TrainingListenerAdapter {
        private final ImageSet train;
        private final ImageSet test;
        private final Normalisation normalisation;
        private final ImageClassifierOptions options;
        private final Block backbone;
        private final EtfHeadBlock head;
        private final ParameterStore evaluationStore;
        private final int batchesPerEpoch;
        private final Listener listener;
        private final NeuralCollapseMetrics metrics;
        private final SplittableRandom unused = new SplittableRandom(0);
        private final float[] pixels;
        private final int[] labels;
        private final List<EpochRecord> records = new ArrayList<>();
        private int epoch = 1;
        private int batch;
        private double lossSum;
        private long correct;
        private long epochStart;

        EpochMeasurements(ImageSet train, ImageSet test, Normalisation normalisation, ImageClassifierOptions options,
                Block backbone, EtfHeadBlock head, ParameterStore evaluationStore, int batchesPerEpoch,
                Listener listener) {
            this.train = train;
            this.test = test;
            this.normalisation = normalisation;
            this.options = options;
            this.backbone = backbone;
            this.head = head;
            this.evaluationStore = evaluationStore;
            this.batchesPerEpoch = batchesPerEpoch;
            this.listener = listener;
            this.metrics = new NeuralCollapseMetrics(train.numClasses(), options.tau());
            this.pixels = new float[options.evaluationBatchSize() * train.rows() * train.cols()];
            this.labels = new int[options.evaluationBatchSize()];
        }

        List<EpochRecord> records() {
            return records;
        }

        @Override
        public void onTrainingBegin(Trainer trainer) {
            epochStart = System.nanoTime();
        }

        @Override
        public void onTrainingBatch(Trainer trainer, BatchData batchData) {
            NDList predictions = batchData.getPredictions().values().iterator().next();
            NDList batchLabels = batchData.getLabels().values().iterator().next();
            double loss;
            try (NDArray value = trainer.getLoss().evaluate(batchLabels, predictions)) {
                loss = value.getFloat();
            }
            try (NDArray classes = predictions.head().argMax(1).toType(DataType.INT32, false);
                    NDArray hits = classes.eq(batchLabels.head().toType(DataType.INT32, false));
                    NDArray count = hits.sum().toType(DataType.INT64, false)) {
                correct += count.getLong();
            }
            lossSum += loss;
            batch++;
            listener.batchDone(epoch, batch, batchesPerEpoch, loss);
        }

        @Override
        public void onEpoch(Trainer trainer) {
            double seconds = (System.nanoTime() - epochStart) * 1e-9;
            double[] testResult = evaluate(trainer, test);
            double ncAccuracy = Double.NaN;
            double nc1 = Double.NaN;
            double nc3 = Double.NaN;
            if (epoch % options.ncEvery() == 0 || epoch == options.epochs()) {
                NeuralCollapseSnapshot snapshot = neuralCollapse();
                ncAccuracy = snapshot.accuracy();
                nc1 = snapshot.nc1();
                nc3 = snapshot.nc3();
            }
            EpochRecord record = new EpochRecord(epoch, seconds, lossSum / batch,
                    (double) correct / ((long) batch * options.batchSize()), testResult[0], testResult[1], ncAccuracy,
                    nc1, nc3);
            records.add(record);
            listener.epochDone(record);
            epoch++;
            batch = 0;
            lossSum = 0;
            correct = 0;
            epochStart = System.nanoTime();
        }

        /** {mean cross-entropy, accuracy} of the whole set in evaluation mode. */
        private double[] evaluate(Trainer trainer, ImageSet images) {
            int[] sequence = identity(images.size());
            double lossSum = 0;
            long hits = 0;
            DMatrixRMaj logits = new DMatrixRMaj(1, 1);
            for (int from = 0; from < images.size(); from += options.evaluationBatchSize()) {
                int count = Math.min(options.evaluationBatchSize(), images.size() - from);
                try (NDManager scope = trainer.getManager().newSubManager()) {
                    images.fill(sequence, from, count, normalisation, Augmentation.NONE, unused, pixels, labels);
                    NDArray data = scope.create(FloatBuffer.wrap(pixels, 0, count * images.rows() * images.cols()),
                            new Shape(count, 1, images.rows(), images.cols()));
                    toHost(trainer.evaluate(new NDList(data)).head(), logits);
                    int[] batchLabels = Arrays.copyOf(labels, count);
                    lossSum += CrossEntropy.loss(logits, batchLabels) * count;
                    hits += correct(logits, batchLabels);
                }
            }
            return new double[] {lossSum / images.size(), (double) hits / images.size()};
        }

        /** NC metrics of the penultimate features of the first {@code ncSubset} training images. */
        private NeuralCollapseSnapshot neuralCollapse() {
            int n = options.ncSubset();
            int d = options.dimension();
            int[] sequence = identity(n);
            int[] subsetLabels = new int[n];
            DMatrixRMaj features = new DMatrixRMaj(n, d);
            DMatrixRMaj batchFeatures = new DMatrixRMaj(1, 1);
            for (int from = 0; from < n; from += options.evaluationBatchSize()) {
                int count = Math.min(options.evaluationBatchSize(), n - from);
                try (NDManager scope = evaluationStore.getManager().newSubManager()) {
                    train.fill(sequence, from, count, normalisation, Augmentation.NONE, unused, pixels, labels);
                    System.arraycopy(labels, 0, subsetLabels, from, count);
                    NDArray data = scope.create(FloatBuffer.wrap(pixels, 0, count * train.rows() * train.cols()),
                            new Shape(count, 1, train.rows(), train.cols()));
                    NDList penultimate = backbone.forward(evaluationStore, new NDList(data), false);
                    toHost(penultimate.head(), batchFeatures);
                    System.arraycopy(batchFeatures.data, 0, features.data, from * d, count * d);
                }
            }
            return metrics.evaluate(epoch, features, subsetLabels, head.classifier());
        }
    }

    static int[] identity(int n) {
        int[] sequence = new int[n];
        for (int i = 0; i < n; i++) {
            sequence[i] = i;
        }
        return sequence;
    }

    static DMatrixRMaj toHost(NDArray array, DMatrixRMaj out) {
        Shape shape = array.getShape();
        out.reshape((int) shape.get(0), (int) shape.get(1));
        double[] values = array.toType(DataType.FLOAT64, false).toDoubleArray();
        System.arraycopy(values, 0, out.data, 0, out.getNumElements());
        return out;
    }

    /** Rows whose largest logit (first on ties) is the label. */
    static long correct(DMatrixRMaj logits, int[] labels) {
        long correct = 0;
        for (int i = 0; i < logits.numRows; i++) {
            int best = 0;
            for (int c = 1; c < logits.numCols; c++) {
                if (logits.get(i, c) > logits.get(i, best)) {
                    best = c;
                }
            }
            if (best == labels[i]) {
                correct++;
            }
        }
        return correct;
    }
}
