package dev.stiefel.bench;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.Batchifier;
import dev.stiefel.djl.riemannian.ManifoldConstraint;
import dev.stiefel.djl.riemannian.ManifoldInitializer;
import dev.stiefel.djl.riemannian.RiemannianAdam;
import dev.stiefel.djl.riemannian.RiemannianOptimizer;
import dev.stiefel.djl.riemannian.RiemannianSgd;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.decomposition.TriangularSolver_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.CholeskyDecomposition_F64;

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
 *     dev.stiefel.bench.RiemannianOptimizerTiming [rounds=7] [steps per round=50] [variants]
 * </pre>
 *
 * <p>{@code variants}, a comma-separated subset of {@code djl-sgd}, {@code riemannian-sgd},
 * {@code djl-adam}, {@code riemannian-adam} (default all four, in that order), runs only those:
 * the variants share the process and its allocator, so each one's times depend on what the others
 * allocate.
 *
 * <p>With {@code phases [repetitions=200]} as arguments it prints instead where an update's time
 * goes on the same model's parameters ({@link PhaseBreakdown}).
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

    /**
     * One optimiser under test, built for the model's two constrained weights; {@code key} names
     * it on the command line, {@code baseline} is the key of the DJL optimiser it is compared with
     * (null for DJL's own).
     */
    private record Variant(String key, String name, String baseline, Function<Mlp, Optimizer> optimizer) {
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
        if (args.length > 0 && args[0].equals("phases")) {
            PhaseBreakdown.run(args.length > 1 ? Integer.parseInt(args[1]) : 200);
            return;
        }
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        if (rounds < 1 || steps < 1) {
            throw new IllegalArgumentException("rounds and steps per round must be positive, got " + rounds
                    + " and " + steps);
        }
        Engine engine = Engine.getEngine("PyTorch");
        engine.setRandomSeed((int) SEED);
        List<Variant> all = List.of(
                new Variant("djl-sgd", "DJL SGD (momentum 0.9)", null, mlp -> Optimizer.sgd()
                        .setLearningRateTracker(Tracker.fixed(SGD_RATE)).optMomentum(SGD_MOMENTUM).build()),
                new Variant("riemannian-sgd", "RiemannianSgd (momentum 0.9)", "djl-sgd", mlp -> RiemannianSgd.builder()
                        .setLearningRateTracker(Tracker.fixed(SGD_RATE)).optMomentum(SGD_MOMENTUM)
                        .constrain(mlp.stiefelWeight(), ManifoldConstraint.stiefelRows())
                        .constrain(mlp.obliqueWeight(), ManifoldConstraint.obliqueRows()).build()),
                new Variant("djl-adam", "DJL Adam", null, mlp -> Optimizer.adam()
                        .optLearningRateTracker(Tracker.fixed(ADAM_RATE)).build()),
                new Variant("riemannian-adam", "RiemannianAdam", "djl-adam", mlp -> RiemannianAdam.builder()
                        .setLearningRateTracker(Tracker.fixed(ADAM_RATE))
                        .constrain(mlp.stiefelWeight(), ManifoldConstraint.stiefelRows())
                        .constrain(mlp.obliqueWeight(), ManifoldConstraint.obliqueRows()).build()));
        List<Variant> variants = all;
        if (args.length > 2) {
            List<String> keys = List.of(args[2].split(","));
            variants = all.stream().filter(variant -> keys.contains(variant.key())).toList();
            if (variants.size() != keys.size()) {
                throw new IllegalArgumentException("variants are " + all.stream().map(Variant::key).toList()
                        + ", got " + keys);
            }
        }

        TrainingData data = TrainingData.seeded();
        float[] inputs = data.inputs();
        float[] labels = data.labels();

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

    /** The one batch every step trains on: Gaussian inputs, uniform labels. */
    record TrainingData(float[] inputs, float[] labels) {

        static TrainingData seeded() {
            SplittableRandom random = new SplittableRandom(SEED);
            float[] inputs = new float[BATCH * INPUTS];
            for (int k = 0; k < inputs.length; k++) {
                inputs[k] = (float) random.nextGaussian();
            }
            float[] labels = new float[BATCH];
            for (int k = 0; k < BATCH; k++) {
                labels[k] = random.nextInt(CLASSES);
            }
            return new TrainingData(inputs, labels);
        }
    }

    /** Returns the mean full-step and update-only times in milliseconds over {@code steps} steps. */
    private static double[] runRound(Run run, NDManager manager, float[] inputs, float[] labels, int steps) {
        long stepNanos = 0;
        long updateNanos = 0;
        for (int k = 0; k < steps; k++) {
            long[] times = trainStep(run.trainer(), manager, inputs, labels);
            stepNanos += times[0];
            updateNanos += times[1];
        }
        return new double[] {stepNanos / 1e6 / steps, updateNanos / 1e6 / steps};
    }

    /** One training step on the batch; returns the full step's and the update's nanoseconds. */
    static long[] trainStep(Trainer trainer, NDManager manager, float[] inputs, float[] labels) {
        // a manager per step holds the batch and everything the forward pass attaches to it
        try (NDManager stepManager = manager.newSubManager()) {
            NDArray x = stepManager.create(inputs, new Shape(BATCH, INPUTS));
            NDArray y = stepManager.create(labels, new Shape(BATCH));
            Batch batch = new Batch(stepManager, new NDList(x), new NDList(y), 1,
                    Batchifier.STACK, Batchifier.STACK, 0, 1);
            long start = System.nanoTime();
            EasyTrain.trainBatch(trainer, batch);
            long backwardDone = System.nanoTime();
            trainer.step();
            long end = System.nanoTime();
            return new long[] {end - start, end - backwardDone};
        }
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
            if (i > 0 && runs.get(i - 1).variant().key().equals(run.variant().baseline())) {
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

    /**
     * Where the Riemannian optimisers' update time goes on the benchmark model's six parameters
     * (float32, the shapes of {@link Mlp}): per parameter, the median time of each phase of the
     * general (manifold) step, run through the public operations of the parameter's
     * {@link ManifoldConstraint#forParameter} instance on fixed inputs (a finite-gradient check
     * with four arrays, {@code isNaN}, {@code isInfinite}, {@code logicalOr}, {@code any}; the
     * projection; the moment updates; the retraction; the transport; the write into the weight;
     * the zeroing of its stored gradient), and the whole {@code update} of each optimiser, which
     * for a Euclidean parameter is the in-place route instead. Then the single-reduction forms of
     * the finite check, and the Stiefel retraction split into its device products and the rest
     * (host transfers and float64 factorisations), with EJML's Cholesky and triangular inverse of
     * the same Gram matrix for comparison. Each timed repetition runs in its own {@link NDScope}
     * (closing it included) after untimed warm-up repetitions. Last, each parameter's update
     * timed inside DJL's {@code trainer.step()} on the model itself.
     */
    static final class PhaseBreakdown {

        private static final double MOMENTUM = SGD_MOMENTUM;
        private static final double BETA1 = RiemannianAdam.DEFAULT_BETA1;
        private static final double BETA2 = RiemannianAdam.DEFAULT_BETA2;

        private final NDManager manager;
        private final int repetitions;
        private final SplittableRandom random = new SplittableRandom(SEED);

        private PhaseBreakdown(NDManager manager, int repetitions) {
            this.manager = manager;
            this.repetitions = repetitions;
        }

        /** One parameter of the benchmark model with the constraint the Riemannian optimisers give it. */
        private record Slot(String name, Shape shape, ManifoldConstraint constraint) {
        }

        /**
         * Prints the breakdown as Markdown tables.
         *
         * @param repetitions timed repetitions of every phase
         */
        static void run(int repetitions) {
            if (repetitions < 1) {
                throw new IllegalArgumentException("repetitions must be positive, got " + repetitions);
            }
            Engine engine = Engine.getEngine("PyTorch");
            engine.setRandomSeed((int) SEED);
            List<Slot> slots = List.of(
                    new Slot("W1 512x784", new Shape(HIDDEN1, INPUTS), ManifoldConstraint.euclidean()),
                    new Slot("b1 512", new Shape(HIDDEN1), ManifoldConstraint.euclidean()),
                    new Slot("W2 256x512", new Shape(HIDDEN2, HIDDEN1), ManifoldConstraint.stiefelRows()),
                    new Slot("b2 256", new Shape(HIDDEN2), ManifoldConstraint.euclidean()),
                    new Slot("W3 10x256", new Shape(CLASSES, HIDDEN2), ManifoldConstraint.obliqueRows()),
                    new Slot("b3 10", new Shape(CLASSES), ManifoldConstraint.euclidean()));
            try (NDManager manager = NDManager.newBaseManager(engine.getEngineName())) {
                PhaseBreakdown breakdown = new PhaseBreakdown(manager, repetitions);
                System.out.printf(Locale.ROOT, "Median ms per call over %d repetitions, float32, PyTorch %s, "
                        + "OMP_NUM_THREADS=%s%n%n", repetitions, engine.getVersion(), System.getenv("OMP_NUM_THREADS"));
                System.out.println("| parameter | constraint | finite check, four arrays | projection | SGD moment "
                        + "| Adam moments and direction | retraction | transport and write to state | write to weight "
                        + "| zero stored gradient | whole SGD update | whole Adam update |");
                System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|");
                double[] totals = new double[10];
                for (Slot slot : slots) {
                    double[] row = breakdown.phases(slot);
                    for (int k = 0; k < row.length; k++) {
                        totals[k] += row[k];
                    }
                    System.out.printf(Locale.ROOT, "| %s | %s |%s%n", slot.name(), slot.constraint().name(),
                            cells(row));
                }
                System.out.printf(Locale.ROOT, "| all six | |%s%n%n", cells(totals));
                breakdown.finiteCheckCandidates(slots.get(0).shape());
                breakdown.stiefelRetraction(slots.get(2).shape());
            }
            System.out.println();
            updatesInTheTrainer(engine, repetitions);
        }

        /**
         * The mean time of each parameter's update inside DJL's {@code trainer.step()} on the
         * benchmark model, {@code steps} steps after as many untimed ones: there the updates run
         * between forward and backward passes, whose arrays come and go, so the allocator's state
         * differs from that of updates in a loop.
         */
        private static void updatesInTheTrainer(Engine engine, int steps) {
            TrainingData data = TrainingData.seeded();
            List<String> names = new ArrayList<>();
            List<double[]> columns = new ArrayList<>();
            double[] stepTimes = new double[2];
            for (int variant = 0; variant < 2; variant++) {
                Mlp mlp = Mlp.build();
                RiemannianOptimizer riemannian = variant == 0
                        ? RiemannianSgd.builder().setLearningRateTracker(Tracker.fixed(SGD_RATE))
                                .optMomentum(SGD_MOMENTUM).constrain(mlp.stiefelWeight(), ManifoldConstraint.stiefelRows())
                                .constrain(mlp.obliqueWeight(), ManifoldConstraint.obliqueRows()).build()
                        : RiemannianAdam.builder().setLearningRateTracker(Tracker.fixed(ADAM_RATE))
                                .constrain(mlp.stiefelWeight(), ManifoldConstraint.stiefelRows())
                                .constrain(mlp.obliqueWeight(), ManifoldConstraint.obliqueRows()).build();
                TimedUpdates timed = new TimedUpdates(riemannian);
                try (Model model = Model.newInstance("phases", engine.getEngineName());
                        NDManager manager = NDManager.newBaseManager(engine.getEngineName())) {
                    model.setBlock(mlp.block());
                    try (Trainer trainer = model.newTrainer(
                            new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()).optOptimizer(timed))) {
                        trainer.initialize(new Shape(BATCH, INPUTS));
                        for (int k = 0; k < steps; k++) {
                            trainStep(trainer, manager, data.inputs(), data.labels());
                        }
                        timed.nanos.clear();
                        long updateNanos = 0;
                        for (int k = 0; k < steps; k++) {
                            updateNanos += trainStep(trainer, manager, data.inputs(), data.labels())[1];
                        }
                        stepTimes[variant] = updateNanos / 1e6 / steps;
                    }
                } finally {
                    riemannian.close();
                }
                double[] column = new double[mlp.block().getParameters().size()];
                int row = 0;
                for (var entry : mlp.block().getParameters()) {
                    if (variant == 0) {
                        names.add(entry.getKey() + " " + entry.getValue().getShape());
                    }
                    column[row++] = timed.nanos.getOrDefault(entry.getValue().getId(), 0L) / 1e6 / steps;
                }
                columns.add(column);
            }
            System.out.printf(Locale.ROOT, "Updates inside trainer.step() (mean ms per step over %d steps after %d "
                    + "untimed ones):%n%n", steps, steps);
            System.out.println("| parameter | RiemannianSgd (momentum 0.9) | RiemannianAdam |");
            System.out.println("|---|---|---|");
            for (int row = 0; row < names.size(); row++) {
                System.out.printf(Locale.ROOT, "| %s | %.3f | %.3f |%n", names.get(row), columns.get(0)[row],
                        columns.get(1)[row]);
            }
            System.out.printf(Locale.ROOT, "| trainer.step() | %.3f | %.3f |%n", stepTimes[0], stepTimes[1]);
        }

        /** Times each parameter's update by the optimiser it wraps. */
        private static final class TimedUpdates extends Optimizer {

            private final Optimizer inner;
            private final Map<String, Long> nanos = new HashMap<>();

            TimedUpdates(Optimizer inner) {
                super(new Settings());
                this.inner = inner;
            }

            @Override
            public void update(String parameterId, NDArray weight, NDArray grad) {
                long start = System.nanoTime();
                inner.update(parameterId, weight, grad);
                nanos.merge(parameterId, System.nanoTime() - start, Long::sum);
            }

            /** DJL's default settings; the wrapped optimiser has its own. */
            private static final class Settings extends OptimizerBuilder<Settings> {

                @Override
                protected Settings self() {
                    return this;
                }
            }
        }

        private static String cells(double[] values) {
            StringBuilder row = new StringBuilder();
            for (double value : values) {
                row.append(String.format(Locale.ROOT, " %.3f |", value));
            }
            return row.toString();
        }

        private NDArray point(Slot slot) {
            double[] data = slot.constraint().randomPoint(slot.shape(), new Random(random.nextLong()));
            return persistent(manager.create(data, slot.shape()).toType(DataType.FLOAT32, false));
        }

        private NDArray gaussian(Shape shape, double scale) {
            double[] data = new double[Math.toIntExact(shape.size())];
            for (int k = 0; k < data.length; k++) {
                data[k] = scale * random.nextGaussian();
            }
            return persistent(manager.create(data, shape).toType(DataType.FLOAT32, false));
        }

        /** Takes an array out of any open scope: it lives as long as {@link #manager}. */
        private static NDArray persistent(NDArray array) {
            NDScope.unregister(array);
            return array;
        }

        /** A copy of {@code point} with a defined stored gradient, as a trained weight has. */
        private NDArray weightWithGradient(NDArray point) {
            NDArray weight = persistent(point.duplicate());
            weight.setRequiresGradient(true);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                collector.backward(weight.sum());
            }
            return weight;
        }

        /** The median over {@link #repetitions} of one call, in ms, after untimed warm-up calls. */
        private double medianMillis(Runnable body) {
            for (int k = 0; k < Math.max(5, repetitions / 5); k++) {
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    body.run();
                }
            }
            double[] times = new double[repetitions];
            for (int k = 0; k < repetitions; k++) {
                long start = System.nanoTime();
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    body.run();
                }
                times[k] = (System.nanoTime() - start) / 1e6;
            }
            Arrays.sort(times);
            return repetitions % 2 == 1 ? times[repetitions / 2]
                    : (times[repetitions / 2 - 1] + times[repetitions / 2]) / 2;
        }

        private double[] phases(Slot slot) {
            ManifoldConstraint constraint = slot.constraint().forParameter(slot.shape());
            NDArray point = point(slot);
            NDArray gradient = gaussian(slot.shape(), 0.01);
            NDArray riemannian = persistent(constraint.riemannianGradient(point, gradient).duplicate());
            NDArray tangentStep = persistent(riemannian.mul(-SGD_RATE));
            NDArray newPoint = persistent(constraint.retract(point, tangentStep).duplicate());
            NDArray buffer = persistent(riemannian.duplicate());
            NDArray firstMoment = persistent(riemannian.duplicate());
            NDArray secondMoment = persistent(constraint.componentInner(point, riemannian).duplicate());
            NDArray target = persistent(point.duplicate());
            NDArray withGradient = weightWithGradient(point);

            double finite = medianMillis(() -> {
                try (NDArray nan = gradient.isNaN();
                        NDArray infinite = gradient.isInfinite();
                        NDArray either = nan.logicalOr(infinite);
                        NDArray any = either.any()) {
                    if (any.getBoolean()) {
                        throw new ArithmeticException("non-finite test gradient");
                    }
                }
            });
            double projection = medianMillis(() -> constraint.riemannianGradient(point, gradient));
            double sgdMoment = medianMillis(() -> buffer.muli(MOMENTUM).addi(riemannian.mul(1.0)));
            double adamMoments = medianMillis(() -> {
                firstMoment.muli(BETA1).addi(riemannian.mul(1 - BETA1));
                secondMoment.muli(BETA2).addi(constraint.componentInner(point, riemannian).mul(1 - BETA2));
                NDArray denominator = secondMoment.div(1 - BETA2 * BETA2).sqrt().add(RiemannianAdam.DEFAULT_EPSILON);
                firstMoment.div(1 - BETA1 * BETA1).div(denominator).mul(-ADAM_RATE);
            });
            double retraction = medianMillis(() -> constraint.retract(point, tangentStep));
            double transport = medianMillis(() -> {
                NDArray transported = constraint.transport(point, newPoint, buffer);
                if (transported != buffer) {
                    buffer.set(new NDIndex("..."), transported);
                }
            });
            double write = medianMillis(() -> target.set(new NDIndex("..."), newPoint));
            double zero = medianMillis(() -> {
                try (NDArray stored = withGradient.getGradient()) {
                    stored.set(new NDIndex("..."), 0);
                }
            });
            double sgd = wholeUpdate(slot, point, gradient, RiemannianSgd.builder()
                    .setLearningRateTracker(Tracker.fixed(SGD_RATE)).optMomentum(SGD_MOMENTUM)
                    .constrain("w", slot.constraint()).build());
            double adam = wholeUpdate(slot, point, gradient, RiemannianAdam.builder()
                    .setLearningRateTracker(Tracker.fixed(ADAM_RATE)).constrain("w", slot.constraint()).build());
            return new double[] {finite, projection, sgdMoment, adamMoments, retraction, transport, write, zero, sgd,
                adam};
        }

        private double wholeUpdate(Slot slot, NDArray point, NDArray gradient, Optimizer optimizer) {
            NDArray weight = weightWithGradient(point);
            try {
                return medianMillis(() -> optimizer.update("w", weight, gradient));
            } finally {
                if (optimizer instanceof AutoCloseable closeable) {
                    try {
                        closeable.close();
                    } catch (Exception e) {
                        throw new IllegalStateException("closing the optimiser of " + slot.name(), e);
                    }
                }
            }
        }

        /** Single-reduction forms of the finite-gradient check on the largest gradient. */
        private void finiteCheckCandidates(Shape shape) {
            NDArray gradient = gaussian(shape, 0.01);
            double abs = medianMillis(() -> {
                if (!Float.isFinite(gradient.abs().max().getFloat())) {
                    throw new ArithmeticException("non-finite test gradient");
                }
            });
            double maxMin = medianMillis(() -> {
                if (!Float.isFinite(gradient.max().getFloat()) || !Float.isFinite(gradient.min().getFloat())) {
                    throw new ArithmeticException("non-finite test gradient");
                }
            });
            double sum = medianMillis(() -> {
                if (!Float.isFinite(gradient.sum().getFloat())) {
                    throw new ArithmeticException("non-finite test gradient");
                }
            });
            double sumOfZeros = medianMillis(() -> {
                if (!Float.isFinite(gradient.mul(0).sum().getFloat())) {
                    throw new ArithmeticException("non-finite test gradient");
                }
            });
            System.out.printf(Locale.ROOT, "Finite check of a %s gradient in one reduction: sum() (the "
                    + "optimisers' form, with mul(0).sum() deciding when the sum is not finite) %.3f ms, mul(0).sum() "
                    + "%.3f ms, abs().max() %.3f ms, max() and min() %.3f ms%n%n", shape, sum, sumOfZeros, abs,
                    maxMin);
        }

        /**
         * The Stiefel retraction of a {@code rows x cols} weight with orthonormal rows: the whole
         * retraction of the per-parameter constraint, its device products, the rest, and EJML's
         * factorisation of one of its Gram matrices.
         */
        private void stiefelRetraction(Shape shape) {
            ManifoldConstraint constraint = ManifoldConstraint.stiefelRows().forParameter(shape);
            NDArray point = point(new Slot("W2", shape, ManifoldConstraint.stiefelRows()));
            NDArray tangentStep = persistent(constraint.riemannianGradient(point, gaussian(shape, 0.01))
                    .mul(-SGD_RATE));
            int p = Math.toIntExact(shape.get(0));
            NDArray z = persistent(point.add(tangentStep).transpose());
            NDArray gram = persistent(z.transpose().matMul(z));
            NDArray inverse = persistent(gaussian(new Shape(p, p), 1.0 / p));
            double[] gramHost = gram.toType(DataType.FLOAT64, false).toDoubleArray();
            double sum = medianMillis(() -> point.add(tangentStep).transpose());
            double gramTime = medianMillis(() -> z.transpose().matMul(z));
            double product = medianMillis(() -> z.matMul(inverse));
            double whole = medianMillis(() -> constraint.retract(point, tangentStep));
            double ejml = medianMillis(() -> {
                CholeskyDecomposition_F64<DMatrixRMaj> decomposition = DecompositionFactory_DDRM.chol(p, true);
                if (!decomposition.decompose(DMatrixRMaj.wrap(p, p, gramHost.clone()))) {
                    throw new ArithmeticException("Gram matrix not positive definite");
                }
                DMatrixRMaj lower = decomposition.getT(null);
                TriangularSolver_DDRM.invertLower(lower.data, p);
                CommonOps_DDRM.transpose(lower, null);
            });
            System.out.printf(Locale.ROOT, "Stiefel retraction of a %s weight (orthonormal rows), median ms: whole "
                    + "(two Cholesky QR passes) %.3f; on the device X + V %.3f and per pass Gram Z^T Z %.3f and "
                    + "Z R^-1 %.3f; the rest (both passes' host transfers and float64 factorisations) %.3f. "
                    + "EJML's Cholesky + triangular inverse + transpose of one such Gram matrix: %.3f%n", shape, whole,
                    sum, gramTime, product, whole - sum - 2 * (gramTime + product), ejml);
        }
    }
}
