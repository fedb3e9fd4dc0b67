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
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import dev.stiefel.etf.CrossEntropy;
import dev.stiefel.etf.djl.EtfHeadBlock;
import dev.stiefel.etf.djl.data.Augmentation;
import dev.stiefel.etf.djl.data.ImageSet;
import dev.stiefel.etf.djl.data.Normalisation;
import dev.stiefel.etf.train.HeadKind;
import dev.stiefel.etf.train.NeuralCollapseMetrics;
import dev.stiefel.etf.train.NeuralCollapseSnapshot;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;

/**
 * Trains a backbone with one of the {@link EtfHeadBlock} heads on images with DJL's PyTorch
 * engine, in float32 on the CPU, and measures every epoch: the training loss and accuracy of
 * the epoch's mini-batches, the test loss and accuracy, and every {@code ncEvery} epochs the
 * neural-collapse metrics NC1 and NC3 (paper Appendix A, via etf-train's
 * {@link NeuralCollapseMetrics}) of the penultimate features of the first {@code ncSubset}
 * training images.
 *
 * <p>Seed {@code s} fixes the initial weights (the engine's random seed), the learned head's
 * start, the shuffling and the augmentation, so that every head starts from the same backbone
 * for the same seed. Library code: progress goes to the {@link Listener}, nothing is printed.
 */
public final class ImageClassifierTraining {

    /** Receives progress; all methods default to doing nothing. */
    public interface Listener {

        /** After each training step. */
        default void stepDone(int epoch, int step, int stepsPerEpoch, double batchLoss) {
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
        if (train.size() < options.batchSize()) {
            throw new IllegalArgumentException("training set of " + train.size() + " images is smaller than one batch of "
                    + options.batchSize());
        }
        if (options.ncSubset() > train.size()) {
            throw new IllegalArgumentException("neural-collapse subset of " + options.ncSubset()
                    + " images is larger than the training set of " + train.size());
        }
        Engine engine = Engine.getEngine("PyTorch");
        engine.setRandomSeed((int) seed);
        int classes = train.numClasses();
        EtfHeadBlock head = EtfHeadBlock.create(kind, options.dimension(), classes, options.tau(), options.delta(), seed);
        Block backbone = options.backbone().build(options.width(), options.dimension());
        SequentialBlock network = new SequentialBlock().add(backbone).add(head);
        try (Model model = Model.newInstance("image-classifier", Device.cpu(), "PyTorch")) {
            model.setBlock(network);
            DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(options.optimizer().create(network, options.learningRate(), options.weightDecay()))
                    .optDevices(new Device[] {Device.cpu()});
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(new Shape(options.batchSize(), 1, train.rows(), train.cols()));
                return new Run(seed, train, test, normalisation, options, listener, trainer, backbone, head,
                        new ParameterStore(model.getNDManager(), false)).epochs();
            }
        }
    }

    /** The state of one run. */
    private static final class Run {
        final long seed;
        final ImageSet train;
        final ImageSet test;
        final Normalisation normalisation;
        final ImageClassifierOptions options;
        final Listener listener;
        final Trainer trainer;
        final Block backbone;
        final EtfHeadBlock head;
        final ParameterStore evaluationStore;
        final NeuralCollapseMetrics metrics;
        final SplittableRandom random;
        final int[] order;
        final int area;
        final float[] pixels;
        final int[] labels;

        Run(long seed, ImageSet train, ImageSet test, Normalisation normalisation,
                ImageClassifierOptions options, Listener listener, Trainer trainer, Block backbone, EtfHeadBlock head,
                ParameterStore evaluationStore) {
            this.seed = seed;
            this.train = train;
            this.test = test;
            this.normalisation = normalisation;
            this.options = options;
            this.listener = listener;
            this.trainer = trainer;
            this.backbone = backbone;
            this.head = head;
            this.evaluationStore = evaluationStore;
            this.metrics = new NeuralCollapseMetrics(train.numClasses(), options.tau());
            this.random = new SplittableRandom(seed);
            this.order = new int[train.size()];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            this.area = train.rows() * train.cols();
            int largest = Math.max(options.batchSize(), options.evaluationBatchSize());
            this.pixels = new float[largest * area];
            this.labels = new int[largest];
        }

        List<EpochRecord> epochs() {
            List<EpochRecord> records = new ArrayList<>();
            for (int epoch = 1; epoch <= options.epochs(); epoch++) {
                EpochRecord trained = trainEpoch(epoch);
                double[] testResult = evaluate(test);
                double ncAccuracy = Double.NaN;
                double nc1 = Double.NaN;
                double nc3 = Double.NaN;
                if (epoch % options.ncEvery() == 0 || epoch == options.epochs()) {
                    NeuralCollapseSnapshot snapshot = neuralCollapse(epoch);
                    ncAccuracy = snapshot.accuracy();
                    nc1 = snapshot.nc1();
                    nc3 = snapshot.nc3();
                }
                EpochRecord record = new EpochRecord(epoch, trained.trainSeconds(), trained.trainLoss(),
                        trained.trainAccuracy(), testResult[0], testResult[1], ncAccuracy, nc1, nc3);
                records.add(record);
                listener.epochDone(record);
            }
            return records;
        }

        private EpochRecord trainEpoch(int epoch) {
            shuffle();
            int batch = options.batchSize();
            int steps = train.size() / batch;
            double lossSum = 0;
            long correct = 0;
            long start = System.nanoTime();
            for (int step = 0; step < steps; step++) {
                try (NDManager scope = trainer.getManager().newSubManager()) {
                    train.fill(order, step * batch, batch, normalisation, options.augmentation(), random, pixels, labels);
                    NDList data = new NDList(scope.create(FloatBuffer.wrap(pixels, 0, batch * area),
                            new Shape(batch, 1, train.rows(), train.cols())));
                    NDList classes = new NDList(scope.create(java.util.Arrays.copyOf(labels, batch)));
                    double loss;
                    try (GradientCollector collector = trainer.newGradientCollector()) {
                        NDList logits = trainer.forward(data, classes);
                        NDArray lossArray = trainer.getLoss().evaluate(classes, logits);
                        collector.backward(lossArray);
                        head.backward(collector);
                        loss = lossArray.getFloat();
                        correct += logits.head().argMax(1).toType(DataType.INT32, false).eq(classes.head()).sum()
                                .toType(DataType.INT64, false).getLong();
                    }
                    trainer.step();
                    head.afterStep();
                    lossSum += loss;
                    listener.stepDone(epoch, step + 1, steps, loss);
                }
            }
            double seconds = (System.nanoTime() - start) * 1e-9;
            return new EpochRecord(epoch, seconds, lossSum / steps, (double) correct / ((long) steps * batch), 0, 0,
                    Double.NaN, Double.NaN, Double.NaN);
        }

        /** {mean cross-entropy, accuracy} of the whole set in evaluation mode. */
        private double[] evaluate(ImageSet images) {
            int[] sequence = identity(images.size());
            double lossSum = 0;
            long correct = 0;
            DMatrixRMaj logits = new DMatrixRMaj(1, 1);
            for (int from = 0; from < images.size(); from += options.evaluationBatchSize()) {
                int count = Math.min(options.evaluationBatchSize(), images.size() - from);
                try (NDManager scope = trainer.getManager().newSubManager()) {
                    images.fill(sequence, from, count, normalisation, Augmentation.NONE, random, pixels, labels);
                    NDArray data = scope.create(FloatBuffer.wrap(pixels, 0, count * area),
                            new Shape(count, 1, images.rows(), images.cols()));
                    NDArray output = trainer.evaluate(new NDList(data)).head();
                    toHost(output, logits);
                    int[] batchLabels = java.util.Arrays.copyOf(labels, count);
                    lossSum += CrossEntropy.loss(logits, batchLabels) * count;
                    correct += correct(logits, batchLabels);
                }
            }
            return new double[] {lossSum / images.size(), (double) correct / images.size()};
        }

        /** NC metrics of the penultimate features of the first {@code ncSubset} training images. */
        private NeuralCollapseSnapshot neuralCollapse(int epoch) {
            int n = options.ncSubset();
            int d = options.dimension();
            int[] sequence = identity(n);
            int[] subsetLabels = new int[n];
            DMatrixRMaj features = new DMatrixRMaj(n, d);
            DMatrixRMaj batchFeatures = new DMatrixRMaj(1, 1);
            for (int from = 0; from < n; from += options.evaluationBatchSize()) {
                int count = Math.min(options.evaluationBatchSize(), n - from);
                try (NDManager scope = trainer.getManager().newSubManager()) {
                    train.fill(sequence, from, count, normalisation, Augmentation.NONE, random, pixels, labels);
                    System.arraycopy(labels, 0, subsetLabels, from, count);
                    NDArray data = scope.create(FloatBuffer.wrap(pixels, 0, count * area),
                            new Shape(count, 1, train.rows(), train.cols()));
                    NDList penultimate = backbone.forward(evaluationStore, new NDList(data), false);
                    // an evaluation forward of the head brings the learned classifier up to date
                    head.forward(evaluationStore, penultimate, false);
                    toHost(penultimate.head(), batchFeatures);
                    System.arraycopy(batchFeatures.data, 0, features.data, from * d, count * d);
                }
            }
            return metrics.evaluate(epoch, features, subsetLabels, head.head().classifier());
        }

        private void shuffle() {
            for (int i = order.length - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int swap = order[i];
                order[i] = order[j];
                order[j] = swap;
            }
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
