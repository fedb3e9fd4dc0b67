package dev.stiefel.bench;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
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
import dev.stiefel.djl.riemannian.ManifoldConstraint;
import dev.stiefel.djl.riemannian.ManifoldInitializer;
import dev.stiefel.djl.riemannian.RiemannianAdam;
import dev.stiefel.djl.riemannian.RiemannianSgd;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Per-step time of djl-riemannian's {@link RiemannianSgd} and {@link RiemannianAdam} against DJL's
 * own {@code Optimizer.sgd()} (momentum) and {@code Optimizer.adam()} on one model: a float32 MLP
 * 784 - 512 - 256 - 10 with ReLU on the CPU PyTorch engine, trained on one random batch of 128
 * with softmax cross-entropy. The second layer's weight (256 x 512) starts with orthonormal rows
 * and the last layer's weight (10 x 256) with unit rows in every variant; the Riemannian
 * optimisers keep them there (Stiefel and oblique constraints), DJL's treat them as Euclidean.
 *
 * <p>A full step is {@code EasyTrain.trainBatch} (forward, loss, backward) followed by
 * {@code trainer.step()} (the optimiser's update of every parameter), timed separately. The
 * variants run in alternating rounds in one JVM (after one untimed warm-up round each); each
 * round gives every variant's mean time per step, and the report is the median over rounds with
 * the minimum and maximum; the ratios are taken within each round (Riemannian over the DJL
 * optimiser that ran just before it) and summarised the same way.
 *
 * <pre>
 * OMP_NUM_THREADS=1 java -Dai.djl.offline=true -cp jmh/target/benchmarks.jar \
 *     dev.stiefel.bench.RiemannianOptimizerTiming [rounds=7] [steps per round=50]
 * </pre>
 */
public final class RiemannianOptimizerTiming {

    static final int BATCH = 128;
    static final int INPUTS = 784;
    static final int HIDDEN1 = 512;
    static final int HIDDEN2 = 256;
    static final int CLASSES = 10;
    static final long SEED = 20_240_611L;
    static final float SGD_RATE = 0.01f;
    static final float SGD_MOMENTUM = 0.9f;
    static final float ADAM_RATE = 0.001f;

    private RiemannianOptimizerTiming() {
    }

    /** One optimiser under test, built for the model's two constrained weights. */
    private record Variant(String name, Function<Mlp, Optimizer> optimizer) {
    }

    /** The MLP's block and the two weights the Riemannian optimisers constrain. */
    private record Mlp(SequentialBlock block, Parameter stiefelWeight, Parameter obliqueWeight) {

        static Mlp build() {
            Linear first = Linear.builder().setUnits(HIDDEN1).build();
            Linear second = Linear.builder().setUnits(HIDDEN2).build();
            Linear last = Linear.builder().setUnits(CLASSES).build();
            Parameter stiefel = second.getParameters().get("weight");
            Parameter oblique = last.getParameters().get("weight");
            stiefel.setInitializer(ManifoldInitializer.of(ManifoldConstraint.stiefelRows(), SEED));
            oblique.setInitializer(ManifoldInitializer.of(ManifoldConstraint.obliqueRows(), SEED + 1));
            SequentialBlock block = new SequentialBlock().add(first).add(Activation.reluBlock())
                    .add(second).add(Activation.reluBlock()).add(last);
            return new Mlp(block, stiefel, oblique);
        }
    }

    /** Per-round mean times of one variant, in milliseconds per step. */
    private record Times(List<Double> step, List<Double> update) {

        Times() {
            this(new ArrayList<>(), new ArrayList<>());
        }
    }

    /** A variant's model and trainer, kept for the whole run so that its optimiser state persists. */
    private record Run(Variant variant, Model model, Mlp mlp, Optimizer optimizer, Trainer trainer, Times times) {
    }

    /**
     * Runs the comparison and prints a Markdown table.
     *
     * @param args rounds (default 7) and steps per round (default 50)
     */
    public static void main(String[] args) {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        if (rounds < 1 || steps < 1) {
            throw new IllegalArgumentException("rounds and steps per round must be positive, got " + rounds
                    + " and " + steps);
        }
        Engine engine = Engine.getEngine("PyTorch");
        engine.setRandomSeed((int) SEED);
        List<Variant> variants = List.of(
                new Variant("DJL SGD (momentum 0.9)", mlp -> Optimizer.sgd()
                        .setLearningRateTracker(Tracker.fixed(SGD_RATE)).optMomentum(SGD_MOMENTUM).build()),
                new Variant("RiemannianSgd (momentum 0.9)", mlp -> RiemannianSgd.builder()
                        .setLearningRateTracker(Tracker.fixed(SGD_RATE)).optMomentum(SGD_MOMENTUM)
                        .constrain(mlp.stiefelWeight(), ManifoldConstraint.stiefelRows())
                        .constrain(mlp.obliqueWeight(), ManifoldConstraint.obliqueRows()).build()),
                new Variant("DJL Adam", mlp -> Optimizer.adam()
                        .optLearningRateTracker(Tracker.fixed(ADAM_RATE)).build()),
                new Variant("RiemannianAdam", mlp -> RiemannianAdam.builder()
                        .setLearningRateTracker(Tracker.fixed(ADAM_RATE))
                        .constrain(mlp.stiefelWeight(), ManifoldConstraint.stiefelRows())
                        .constrain(mlp.obliqueWeight(), ManifoldConstraint.obliqueRows()).build()));

        SplittableRandom random = new SplittableRandom(SEED);
        float[] inputs = new float[BATCH * INPUTS];
        for (int k = 0; k < inputs.length; k++) {
            inputs[k] = (float) random.nextGaussian();
        }
        float[] labels = new float[BATCH];
        for (int k = 0; k < BATCH; k++) {
            labels[k] = random.nextInt(CLASSES);
        }

        List<Run> runs = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager(engine.getEngineName())) {
            for (Variant variant : variants) {
                Mlp mlp = Mlp.build();
                Model model = Model.newInstance(variant.name(), engine.getEngineName());
                model.setBlock(mlp.block());
                Optimizer optimizer = variant.optimizer().apply(mlp);
                Trainer trainer = model.newTrainer(
                        new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()).optOptimizer(optimizer));
                trainer.initialize(new Shape(BATCH, INPUTS));
                runs.add(new Run(variant, model, mlp, optimizer, trainer, new Times()));
            }
            for (Run run : runs) {
                runRound(run, manager, inputs, labels, steps);
            }
            for (int round = 0; round < rounds; round++) {
                for (Run run : runs) {
                    double[] roundTimes = runRound(run, manager, inputs, labels, steps);
                    run.times().step().add(roundTimes[0]);
                    run.times().update().add(roundTimes[1]);
                }
            }
            report(runs, rounds, steps);
        } finally {
            for (Run run : runs) {
                run.trainer().close();
                if (run.optimizer() instanceof AutoCloseable closeable) {
                    try {
                        closeable.close();
                    } catch (Exception e) {
                        throw new IllegalStateException("closing " + run.variant().name(), e);
                    }
                }
                run.model().close();
            }
        }
    }

    /** Returns the mean full-step and update-only times in milliseconds over {@code steps} steps. */
    private static double[] runRound(Run run, NDManager manager, float[] inputs, float[] labels, int steps) {
        long stepNanos = 0;
        long updateNanos = 0;
        for (int k = 0; k < steps; k++) {
            // a manager per step holds the batch and everything the forward pass attaches to it
            try (NDManager stepManager = manager.newSubManager()) {
                NDArray x = stepManager.create(inputs, new Shape(BATCH, INPUTS));
                NDArray y = stepManager.create(labels, new Shape(BATCH));
                Batch batch = new Batch(stepManager, new NDList(x), new NDList(y), 1,
                        Batchifier.STACK, Batchifier.STACK, 0, 1);
                long start = System.nanoTime();
                EasyTrain.trainBatch(run.trainer(), batch);
                long backwardDone = System.nanoTime();
                run.trainer().step();
                long end = System.nanoTime();
                stepNanos += end - start;
                updateNanos += end - backwardDone;
            }
        }
        return new double[] {stepNanos / 1e6 / steps, updateNanos / 1e6 / steps};
    }

    private static void report(List<Run> runs, int rounds, int steps) {
        System.out.printf(Locale.ROOT, "%d rounds x %d steps, batch %d, MLP %d-%d-%d-%d float32, PyTorch %s, "
                + "OMP_NUM_THREADS=%s%n%n", rounds, steps, BATCH, INPUTS, HIDDEN1, HIDDEN2, CLASSES,
                Engine.getEngine("PyTorch").getVersion(), System.getenv("OMP_NUM_THREADS"));
        System.out.println("| optimiser | full step, ms: median (min - max) | update alone, ms: median (min - max) "
                + "| Riemannian / DJL per round, full step | Riemannian / DJL per round, update |");
        System.out.println("|---|---|---|---|---|");
        for (int i = 0; i < runs.size(); i++) {
            Run run = runs.get(i);
            String ratios = "| | ";
            if (i % 2 == 1) {
                Run baseline = runs.get(i - 1);
                ratios = String.format(Locale.ROOT, "| %s | %s ",
                        summary(perRoundRatios(run.times().step(), baseline.times().step())),
                        summary(perRoundRatios(run.times().update(), baseline.times().update())));
            }
            System.out.printf(Locale.ROOT, "| %s | %s | %s %s|%n", run.variant().name(),
                    summary(run.times().step()), summary(run.times().update()), ratios);
        }
        System.out.println();
        for (Run run : runs) {
            NDArray stiefel = run.mlp().stiefelWeight().getArray();
            NDArray oblique = run.mlp().obliqueWeight().getArray();
            System.out.printf(Locale.ROOT, "%s after %d steps: ||W2 W2^T - I||_F = %.2e, "
                    + "max | ||row of W3|| - 1 | = %.2e%n", run.variant().name(), (rounds + 1) * steps,
                    ManifoldConstraint.stiefelRows().defect(stiefel),
                    oblique.norm(new int[] {1}).sub(1).abs().max().getFloat());
        }
    }

    /** Ratios within each round: the two variants ran back to back there, under similar load. */
    private static List<Double> perRoundRatios(List<Double> numerators, List<Double> denominators) {
        List<Double> ratios = new ArrayList<>();
        for (int round = 0; round < numerators.size(); round++) {
            ratios.add(numerators.get(round) / denominators.get(round));
        }
        return ratios;
    }

    private static String summary(List<Double> values) {
        return String.format(Locale.ROOT, "%.2f (%.2f - %.2f)", median(values),
                values.stream().mapToDouble(Double::doubleValue).min().orElseThrow(),
                values.stream().mapToDouble(Double::doubleValue).max().orElseThrow());
    }

    private static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
