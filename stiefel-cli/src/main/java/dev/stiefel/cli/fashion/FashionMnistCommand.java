package dev.stiefel.cli.fashion;

import dev.stiefel.cli.StiefelCli;

import dev.stiefel.cli.Terminal;
import dev.stiefel.etf.djl.Backbone;
import dev.stiefel.etf.djl.data.Augmentation;
import dev.stiefel.etf.djl.data.FashionMnist;
import dev.stiefel.etf.djl.data.ImageSet;
import dev.stiefel.etf.djl.data.Normalisation;
import dev.stiefel.etf.train.HeadKind;
import dev.stiefel.cli.ufm.RunFiles;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code fashion-mnist}: trains a backbone with each head for each seed on Fashion-MNIST and
 * writes, into a new numbered folder {@code <out>/run-NNN} (earlier runs are never overwritten),
 * a CSV per head and seed (one row per epoch), a summary over seeds (median [min, max], printed
 * and written to {@code summary.md} / {@code summary.csv}) and PNG plots with the heads overlaid.
 * Runs are sequential, all heads of a seed after one another; PyTorch uses {@code --threads}
 * threads.
 */
@Command(name = "fashion-mnist", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a ResNet or MLP on Fashion-MNIST with the standard, fixed-ETF and implicit-ETF heads.")
public final class FashionMnistCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--backbone", defaultValue = "resnet", description = "resnet or mlp. Default: ${DEFAULT-VALUE}.")
    String backbone;

    @Option(names = "--width", defaultValue = "8",
            description = "Channels of the ResNet's first convolution (MLP: hidden units / 16). Default: ${DEFAULT-VALUE}.")
    int width;

    @Option(names = {"--dimension", "--dim"}, defaultValue = "512", description = "Penultimate dimension d. Default: ${DEFAULT-VALUE}.")
    int dimension;

    @Option(names = "--heads", split = ",", defaultValue = "standard,fixed,implicit",
            description = "Comma-separated: standard, fixed, implicit, implicit-forward-only. Default: ${DEFAULT-VALUE}.")
    List<String> heads;

    @Option(names = "--seeds", defaultValue = "3", description = "Seeds per head (1..COUNT offset by --first-seed). Default: ${DEFAULT-VALUE}.")
    int seeds;

    @Option(names = "--first-seed", defaultValue = "1", description = "First seed. Default: ${DEFAULT-VALUE}.")
    long firstSeed;

    @Option(names = "--epochs", defaultValue = "5", description = "Epochs per run. Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "128", description = "Mini-batch size. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--optimizer", defaultValue = "sgd", description = "sgd (momentum 0.9), adam or agd. Default: ${DEFAULT-VALUE}.")
    OptimizerChoice optimizer;

    @Option(names = {"--learning-rate", "--lr"}, defaultValue = "0.05", description = "SGD/Adam learning rate. Default: ${DEFAULT-VALUE}.")
    double learningRate;

    @Option(names = "--weight-decay", defaultValue = "5e-4", description = "SGD/Adam weight decay. Default: ${DEFAULT-VALUE}.")
    double weightDecay;

    @Option(names = "--augment", description = "Random crop (padding 2) and horizontal flip of the training images.")
    boolean augment;

    @Option(names = "--train-subset", defaultValue = "0",
            description = "Train on the first N training images (0 = all 60000). Default: ${DEFAULT-VALUE}.")
    int trainSubset;

    @Option(names = "--test-subset", defaultValue = "0",
            description = "Test on the first N test images (0 = all 10000). Default: ${DEFAULT-VALUE}.")
    int testSubset;

    @Option(names = "--nc-every", defaultValue = "1", description = "NC1/NC3 every K epochs (and after the last). Default: ${DEFAULT-VALUE}.")
    int ncEvery;

    @Option(names = "--nc-subset", defaultValue = "10000",
            description = "NC1/NC3 on the first N training images (capped at the training set). Default: ${DEFAULT-VALUE}.")
    int ncSubset;

    @Option(names = "--early-epoch", defaultValue = "1", description = "Summary: the early epoch reported. Default: ${DEFAULT-VALUE}.")
    int earlyEpoch;

    @Option(names = "--accuracy-threshold", defaultValue = "0.9",
            description = "Summary: training accuracy counted as reached. Default: ${DEFAULT-VALUE}.")
    double accuracyThreshold;

    @Option(names = "--tau", defaultValue = "5", description = "Feature scale of every head. Default: ${DEFAULT-VALUE}.")
    double tau;

    @Option(names = "--delta", defaultValue = "1e-3", description = "Proximal weight of the implicit heads. Default: ${DEFAULT-VALUE}.")
    double delta;

    @Option(names = "--threads", defaultValue = "0", description = "PyTorch threads; 0 = one per core. Default: 0.")
    int threads;

    @Option(names = "--data", paramLabel = "FOLDER", defaultValue = FashionMnist.DEFAULT_FOLDER,
            description = "Folder of the gzip IDX files (Debian package " + FashionMnist.DEBIAN_PACKAGE + "). Default: ${DEFAULT-VALUE}.")
    Path data;

    @Option(names = "--out", paramLabel = "FOLDER", defaultValue = "runs/fashion-mnist",
            description = "Output folder; each invocation writes a new run-NNN inside it. Default: ${DEFAULT-VALUE}.")
    Path out;

    @Option(names = "--no-progress", description = "No progress bar nor progress lines.")
    boolean noProgress;

    @Option(names = "--no-plots", description = "Skip the PNG plots.")
    boolean noPlots;

    /** Where the last call wrote (for tests and scripts). */
    Path lastRunFolder;

    public static void main(String[] args) {
        int status = StiefelCli.newCommandLine(new FashionMnistCommand()).execute(args);
        if (status != 0) {
            System.exit(status);
        }
    }

    @Override
    public Integer call() throws IOException {
        Backbone resolvedBackbone;
        List<HeadKind> resolvedHeads = new ArrayList<>();
        ImageClassifierOptions options;
        try {
            resolvedBackbone = Backbone.parse(backbone);
            for (String head : heads) {
                HeadKind kind = HeadKind.parse(head);
                if (!resolvedHeads.contains(kind)) {
                    resolvedHeads.add(kind);
                }
            }
            if (seeds < 1) {
                throw new IllegalArgumentException("--seeds must be at least 1, got " + seeds);
            }
            if (trainSubset < 0 || testSubset < 0 || threads < 0) {
                throw new IllegalArgumentException("--train-subset, --test-subset and --threads must not be negative");
            }
            if (!(accuracyThreshold > 0 && accuracyThreshold <= 1)) {
                throw new IllegalArgumentException("--accuracy-threshold must be in (0, 1], got " + accuracyThreshold);
            }
            options = new ImageClassifierOptions(resolvedBackbone, width, dimension, epochs, batchSize, optimizer, learningRate,
                    weightDecay, augment ? new Augmentation(2, true) : Augmentation.NONE, ncEvery, Math.max(ncSubset, 2),
                    500, tau, delta);
            RunFiles.requireWritableFolder(out);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        System.setProperty("ai.djl.pytorch.num_threads",
                Integer.toString(threads == 0 ? Runtime.getRuntime().availableProcessors() : threads));

        FashionMnist dataset;
        try {
            dataset = FashionMnist.load(data);
        } catch (FileNotFoundException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        Normalisation normalisation = dataset.train().normalisation();
        ImageSet train = trainSubset == 0 ? dataset.train() : dataset.train().first(Math.min(trainSubset, dataset.train().size()));
        ImageSet test = testSubset == 0 ? dataset.test() : dataset.test().first(Math.min(testSubset, dataset.test().size()));
        if (train.size() < batchSize) {
            throw new ParameterException(spec.commandLine(), "--train-subset " + train.size()
                    + " is smaller than one batch (--batch-size " + batchSize + ")");
        }
        options = options.withNeuralCollapse(ncEvery, Math.min(options.ncSubset(), train.size()));

        Path runFolder = RunFiles.createRunFolder(out);
        lastRunFolder = runFolder;
        String description = resolvedBackbone.describe(width, dimension);
        writeConfiguration(runFolder, options, train.size(), test.size(), normalisation, description);

        boolean terminal = Terminal.stderrIsTerminal();
        int stepsPerEpoch = train.size() / batchSize;
        ProgressBar bar = noProgress || !terminal ? null : new ProgressBarBuilder().setTaskName("fashion-mnist")
                .setInitialMax((long) resolvedHeads.size() * seeds * epochs * stepsPerEpoch)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500)
                .setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
        PrintWriter console = spec.commandLine().getOut();
        Map<HeadKind, List<List<EpochRecord>>> results = new LinkedHashMap<>();
        resolvedHeads.forEach(head -> results.put(head, new ArrayList<>()));
        try {
            // seeds outside, heads inside: a change of machine load between runs then affects every
            // head alike, so their seconds per epoch stay comparable
            for (int s = 0; s < seeds; s++) {
                long seed = firstSeed + s;
                for (HeadKind head : resolvedHeads) {
                    List<EpochRecord> history = ImageClassifierTraining.run(head, seed, train, test, normalisation,
                            options, listener(head, seed, bar));
                    writeHistory(runFolder.resolve(head.commandLineName() + "-seed" + seed + ".csv"), history);
                    results.get(head).add(history);
                }
            }
        } finally {
            if (bar != null) {
                bar.close();
            }
        }

        ExperimentSummary summary = new ExperimentSummary(results, earlyEpoch, accuracyThreshold);
        String heading = String.format(Locale.ROOT, "Fashion-MNIST, %s; %d training and %d test images, %d epoch(s), "
                + "batch %d, %s, %d seed(s)", description, train.size(), test.size(), epochs, batchSize,
                describeOptimizer(), seeds);
        Files.writeString(runFolder.resolve("summary.csv"), summary.toCsv(), StandardCharsets.UTF_8);
        Files.writeString(runFolder.resolve("summary.md"), "# " + heading + "\n\n" + summary.toMarkdown() + "\n"
                + notes(options) + "\n", StandardCharsets.UTF_8);
        if (!noPlots) {
            EpochPlots.writeAll(Files.createDirectories(runFolder.resolve("plots")), "Fashion-MNIST "
                    + resolvedBackbone.commandLineName(), results);
        }
        console.println(heading);
        console.print(summary.toText());
        console.println(notes(options));
        console.println("Results written to " + runFolder);
        console.flush();
        return 0;
    }

    private String describeOptimizer() {
        return optimizer == OptimizerChoice.AGD ? "AGD (gain 10)"
                : String.format(Locale.ROOT, "%s lr %s, weight decay %s", optimizer.commandLineName(), learningRate,
                        weightDecay);
    }

    private String notes(ImageClassifierOptions options) {
        return String.format(Locale.ROOT, "Median [min, max] over seeds. Train accuracy and loss are those of the epoch's"
                + " mini-batches as trained%s; NC1/NC3 on the first %d training images; seconds per epoch are training"
                + " steps only.", options.augmentation().isNone() ? "" : " (augmented)", options.ncSubset());
    }

    private ImageClassifierTraining.Listener listener(HeadKind head, long seed, ProgressBar bar) {
        PrintWriter err = spec.commandLine().getErr();
        return new ImageClassifierTraining.Listener() {
            @Override
            public void stepDone(int epoch, int step, int stepsPerEpoch, double batchLoss) {
                if (bar != null) {
                    bar.step();
                }
            }

            @Override
            public void epochDone(EpochRecord r) {
                String line = String.format(Locale.ROOT, "%s seed %d epoch %d/%d: train acc %.4f loss %.4f, test acc %.4f"
                        + " loss %.4f, %.1f s%s", head.commandLineName(), seed, r.epoch(), epochs, r.trainAccuracy(),
                        r.trainLoss(), r.testAccuracy(), r.testLoss(), r.trainSeconds(),
                        Double.isNaN(r.nc1()) ? "" : String.format(Locale.ROOT, ", NC1 %.3g NC3 %.3g", r.nc1(), r.nc3()));
                if (bar != null) {
                    bar.setExtraMessage(" " + line);
                } else if (!noProgress) {
                    err.println(line);
                    err.flush();
                }
            }
        };
    }

    private void writeConfiguration(Path runFolder, ImageClassifierOptions options, int trainImages, int testImages,
            Normalisation normalisation, String description) throws IOException {
        String text = "arguments: " + String.join(" ", spec.commandLine().getParseResult().originalArgs())
                + "\nbackbone: " + description
                + "\ntraining images: " + trainImages + " (the first of the training file)"
                + "\ntest images: " + testImages
                + "\nnormalisation: mean " + normalisation.mean() + ", std " + normalisation.std() + " (training set)"
                + "\noptions: " + options
                + "\npytorch threads: " + System.getProperty("ai.djl.pytorch.num_threads") + "\n";
        Files.writeString(runFolder.resolve("config.txt"), text, StandardCharsets.UTF_8);
    }

    private static void writeHistory(Path file, List<EpochRecord> history) throws IOException {
        try (Writer writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            writer.write(EpochRecord.CSV_HEADER);
            writer.write('\n');
            for (EpochRecord record : history) {
                writer.write(record.toCsv());
                writer.write('\n');
            }
        }
    }
}
