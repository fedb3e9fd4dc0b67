package dev.stiefel.etf.djl;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.Batchifier;
import dev.stiefel.etf.train.HeadKind;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The benchmark command behind the per-step times in etf-djl/README.md: for each backbone and
 * head, {@code warm-up} untimed then {@code steps} timed training steps ({@code EasyTrain.trainBatch}
 * and {@code trainer.step()}, SGD 0.05 with momentum 0.9) on random 28 x 28 images, batch 128,
 * d = 512, C = 10, width 8 (backbone {@code linear}: one {@code Linear} from 16 random inputs to d,
 * so that the step is mostly the head's); prints the median, minimum and maximum milliseconds per step. Run with
 * the test class path, one PyTorch thread:
 * <pre>
 *   OMP_NUM_THREADS=1 java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 \
 *       -Dai.djl.pytorch.num_interop_threads=1 -cp ... dev.stiefel.etf.djl.HeadStepTiming 20 5 resnet,mlp [splits]
 * </pre>
 * With a fourth argument {@code splits}, every batch is cut into that many splits run
 * concurrently under a {@link ConcurrentSplitPooling} ({@code trainBatch}, one thread per split,
 * all on the CPU); {@code 1} times the split path's own cost: the cut graph, the second
 * normalisation and the completed backward of a single split.
 * Not a unit test: speed is measured here, never asserted.
 */
public final class HeadStepTiming {

    private HeadStepTiming() {
    }

    /**
     * @param args timed steps, warm-up steps, comma-separated backbones
     */
    public static void main(String[] args) {
        int steps = Integer.parseInt(args[0]);
        int warmUp = Integer.parseInt(args[1]);
        int splits = args.length > 3 ? Integer.parseInt(args[3]) : 0;
        for (String name : args[2].split(",")) {
            for (HeadKind kind : HeadKind.values()) {
                double[] times;
                try {
                    times = time(name, kind, steps, warmUp, splits);
                } catch (IllegalArgumentException refused) {
                    // two splits on one CPU with a batch-normalised backbone, for example
                    System.out.printf(Locale.ROOT, "%d-splits %s %s refused: %s%n", splits, name,
                            kind.commandLineName(), refused.getMessage());
                    continue;
                }
                Arrays.sort(times);
                System.out.printf(Locale.ROOT, "%s %s %s median %.2f ms min %.2f max %.2f%n",
                        splits == 0 ? "unsplit" : splits + "-splits", name, kind.commandLineName(), times[steps / 2],
                        times[0], times[steps - 1]);
            }
        }
    }

    /**
     * @param backbone {@code resnet}, {@code mlp}, or {@code linear}: a single {@code Linear} from 16
     *     inputs to d, so that the step is mostly the head's
     */
    private static double[] time(String backbone, HeadKind kind, int steps, int warmUp, int splits) {
        boolean linear = backbone.equals("linear");
        Shape input = linear ? new Shape(128, 16) : new Shape(128, 1, 28, 28);
        Engine.getEngine("PyTorch").setRandomSeed(1);
        double[] times = new double[steps];
        ConcurrentSplitPooling pooling = splits == 0 ? null : new ConcurrentSplitPooling(splits);
        ExecutorService threads = Executors.newFixedThreadPool(Math.max(1, splits));
        try (EtfHeadBlock head = EtfHeadBlock.create(kind, 512, 10, 5.0, 1e-3, 1);
                Model model = Model.newInstance("timing", Device.cpu(), "PyTorch")) {
            if (pooling != null) {
                head.setSplitPooling(pooling);
            }
            model.setBlock(new SequentialBlock().add(linear ? Linear.builder().setUnits(512).build()
                    : Backbone.parse(backbone).build(8, 512)).add(head));
            DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.05f)).optMomentum(0.9f).build())
                    .optDevices(new Device[] {Device.cpu()});
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(input);
                for (int i = 0; i < warmUp + steps; i++) {
                    NDManager scope = trainer.getManager().newSubManager();
                    NDList data = new NDList(scope.randomNormal(input));
                    NDList labels = new NDList(scope.arange(128).toType(DataType.INT32, false).mod(scope.create(10)));
                    Batch batch = new Batch(scope, data, labels, 128, Batchifier.STACK, Batchifier.STACK, i, warmUp + steps);
                    long start = System.nanoTime();
                    if (pooling == null) {
                        EasyTrain.trainBatch(trainer, batch);
                    } else {
                        pooling.trainBatch(trainer, batch, threads);
                    }
                    trainer.step();
                    long end = System.nanoTime();
                    batch.close();
                    if (i >= warmUp) {
                        times[i - warmUp] = (end - start) * 1e-6;
                    }
                }
            }
        } finally {
            threads.shutdown();
        }
        return times;
    }
}
