package dev.stiefel.bench;

import dev.stiefel.testkit.TestMatrices;
import dev.stiefel.etf.train.ComputeDevice;
import dev.stiefel.etf.train.HeadKind;
import dev.stiefel.etf.train.Trainer;
import dev.stiefel.etf.train.TrainingOptions;
import dev.stiefel.etf.train.UfmPreset;
import dev.stiefel.etf.train.UnconstrainedFeatureModel;
import dev.stiefel.kernel.Kernels;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Median time of {@link Trainer#step()} (and of a full-data evaluation) per preset and head,
 * with the paper's training options ({@link TrainingOptions#defaults()}: batch max(256, C),
 * stratified, tau 5, AGD gain 10): the Java side of {@code jmh/scripts/ufm-step-vs-numpy.sh},
 * which alternates it with {@code ufm_step_numpy.py}. The trainer's state advances across
 * steps, as in training. Writes JSON with {@code --json FILE}.
 *
 * <pre>
 * java -cp jmh/target/benchmarks.jar dev.stiefel.bench.TrainingStepTiming \
 *     [--preset ufm-10]... [--head fixed]... [--min-time 3] [--warmup 3] [--evaluations 0] [--json FILE]
 * </pre>
 * {@code --evaluations K} also times K full-data evaluations ({@link Trainer#evaluate}) per
 * (preset, head) and reports their median.
 */
public final class TrainingStepTiming {

    private TrainingStepTiming() {
    }

    public static void main(String[] args) throws IOException {
        List<UfmPreset> presets = new ArrayList<>();
        List<HeadKind> heads = new ArrayList<>();
        double minTime = 3.0;
        int warmup = 3;
        int minReps = 5;
        int evaluations = 0;
        Path json = null;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--preset" -> presets.add(UfmPreset.parse(require(value, args[i])));
                case "--head" -> heads.add(HeadKind.parse(require(value, args[i])));
                case "--min-time" -> minTime = Double.parseDouble(require(value, args[i]));
                case "--warmup" -> warmup = Integer.parseInt(require(value, args[i]));
                case "--min-reps" -> minReps = Integer.parseInt(require(value, args[i]));
                case "--evaluations" -> evaluations = Integer.parseInt(require(value, args[i]));
                case "--json" -> json = Path.of(require(value, args[i]));
                default -> throw new IllegalArgumentException("unknown argument '" + args[i] + "'");
            }
            i++;
        }
        if (presets.isEmpty()) {
            presets.addAll(Arrays.asList(UfmPreset.values()));
        }
        if (heads.isEmpty()) {
            heads.addAll(List.of(HeadKind.FIXED, HeadKind.IMPLICIT_FORWARD_ONLY, HeadKind.IMPLICIT, HeadKind.STANDARD));
        }
        List<String> rows = new ArrayList<>();
        for (UfmPreset preset : presets) {
            for (HeadKind head : heads) {
                TrainingOptions options = TrainingOptions.defaults();
                UnconstrainedFeatureModel model = UnconstrainedFeatureModel.standardNormal(preset, TestMatrices.SEED);
                Trainer trainer = new Trainer(model, head.create(preset.featureDimension(), preset.numClasses(),
                        options.tau(), 1e-3, TestMatrices.SEED, ComputeDevice.CPU), options, TestMatrices.SEED);
                // at least `warmup` steps and 2 s, so that the JIT compilers are done before timing
                long warmupStart = System.nanoTime();
                for (int k = 0; k < warmup || System.nanoTime() - warmupStart < 2_000_000_000L; k++) {
                    trainer.step();
                }
                double[] steps = timeSteps(trainer, minTime, minReps);
                double stepMedian = median(steps);
                double evaluationMedian = Double.NaN;
                if (evaluations > 0) {
                    double[] times = new double[evaluations];
                    trainer.evaluate(0);
                    for (int k = 0; k < evaluations; k++) {
                        long start = System.nanoTime();
                        trainer.evaluate(k);
                        times[k] = (System.nanoTime() - start) / 1e6;
                    }
                    evaluationMedian = median(times);
                }
                System.out.printf(Locale.ROOT, "%s %s: %.3f ms/step (median of %d)%s%n", preset.commandLineName(),
                        head.commandLineName(), stepMedian, steps.length,
                        evaluations > 0 ? String.format(Locale.ROOT, ", evaluation %.1f ms", evaluationMedian) : "");
                rows.add(String.format(Locale.ROOT,
                        "{\"preset\": \"%s\", \"head\": \"%s\", \"median_ms\": %.6f, \"reps\": %d%s}",
                        preset.commandLineName(), head.commandLineName(), stepMedian, steps.length,
                        evaluations > 0 ? String.format(Locale.ROOT, ", \"evaluation_ms\": %.6f", evaluationMedian)
                                : ""));
            }
        }
        if (json != null) {
            String text = "{\"kernels\": \"" + Kernels.cpuBackendReport().replace("\"", "'") + "\", \"results\": [\n"
                    + String.join(",\n", rows) + "]}\n";
            Files.writeString(json, text, StandardCharsets.UTF_8);
        }
    }

    private static double[] timeSteps(Trainer trainer, double minTime, int minReps) {
        List<Double> times = new ArrayList<>();
        long begin = System.nanoTime();
        while (times.size() < minReps || (System.nanoTime() - begin) / 1e9 < minTime) {
            long start = System.nanoTime();
            trainer.step();
            times.add((System.nanoTime() - start) / 1e6);
        }
        return times.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static String require(String value, String option) {
        if (value == null) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return value;
    }
}
