package dev.stiefel.cli.fashion;

import dev.stiefel.etf.djl.data.FashionMnist;
import dev.stiefel.etf.djl.data.ImageSet;
import dev.stiefel.etf.train.HeadKind;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A benchmark command, not part of {@code ./stiefel}: the median time of a training step of the
 * README's Fashion-MNIST ResNet with the standard head under DJL's SGD, under Riemannian SGD with
 * the classifier on the oblique manifold, and with the backbone's last map on the Stiefel manifold
 * too ({@link ImageClassifierTraining#secondsPerStep}: {@code EasyTrain.trainBatch} and
 * {@code trainer.step()}), the three alternating in rounds in one JVM. Prints each variant's
 * median over rounds of the per-round medians, and per round the ratio to DJL's SGD.
 *
 * <p>Usage: {@code java -cp stiefel-cli/target/stiefel-cli.jar
 * dev.stiefel.cli.fashion.RiemannianStepTiming [rounds] [steps]} (defaults 5 and 30), with
 * {@code OMP_NUM_THREADS=1} and {@code -Dai.djl.pytorch.num_threads=1} for one PyTorch thread.
 */
public final class RiemannianStepTiming {

    private RiemannianStepTiming() {
    }

    /**
     * Runs the rounds and prints the table.
     *
     * @param args rounds and timed steps per run
     * @throws IOException when Debian's Fashion-MNIST files cannot be read
     */
    public static void main(String[] args) throws IOException {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        FashionMnist data = FashionMnist.load(java.nio.file.Path.of(FashionMnist.DEFAULT_FOLDER));
        ImageSet train = data.train().first(128 * (steps + 10));
        ImageClassifierOptions base = ImageClassifierOptions.defaults(1).withNeuralCollapse(1, 2);
        Map<String, ImageClassifierOptions> variants = new LinkedHashMap<>();
        variants.put("DJL SGD, rows re-normalised", base);
        variants.put("Riemannian SGD, oblique classifier", base.withManifolds(new ParameterManifolds(true, false)));
        variants.put("Riemannian SGD, oblique classifier + orthogonal last map",
                base.withManifolds(new ParameterManifolds(true, true)));
        Map<String, List<Double>> medians = new LinkedHashMap<>();
        Map<String, List<Double>> ratios = new LinkedHashMap<>();
        variants.keySet().forEach(name -> {
            medians.put(name, new ArrayList<>());
            ratios.put(name, new ArrayList<>());
        });
        for (int round = 0; round < rounds; round++) {
            double reference = Double.NaN;
            for (Map.Entry<String, ImageClassifierOptions> variant : variants.entrySet()) {
                double seconds = ImageClassifierTraining.secondsPerStep(HeadKind.STANDARD, train,
                        data.train().normalisation(), variant.getValue(), 5, steps);
                if (Double.isNaN(reference)) {
                    reference = seconds;
                }
                medians.get(variant.getKey()).add(seconds * 1e3);
                ratios.get(variant.getKey()).add(seconds / reference);
                System.out.printf(Locale.ROOT, "round %d, %s: %.1f ms%n", round + 1, variant.getKey(), seconds * 1e3);
            }
        }
        System.out.println();
        System.out.println("| variant | ms per step, median (min - max) over rounds | / DJL SGD, per round: median (min - max) |");
        System.out.println("|---|---|---|");
        for (String name : variants.keySet()) {
            System.out.printf(Locale.ROOT, "| %s | %s | %s |%n", name, summary(medians.get(name), "%.1f"),
                    summary(ratios.get(name), "%.2f"));
        }
    }

    private static String summary(List<Double> values, String format) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double median = sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : 0.5 * (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]);
        return String.format(Locale.ROOT, format + " (" + format + " - " + format + ")", median, sorted[0],
                sorted[sorted.length - 1]);
    }
}
