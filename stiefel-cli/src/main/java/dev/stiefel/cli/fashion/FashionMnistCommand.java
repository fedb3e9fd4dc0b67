package dev.stiefel.cli.fashion;

import dev.stiefel.cli.CommandLines;

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
import java.io.UncheckedIOException;
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
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code fashion-mnist}: trains a backbone with each head for each seed on Fashion-MNIST in DJL's
 * own loop ({@code EasyTrain.fit}, measured by a training listener) and writes, into a new
 * numbered folder {@code <out>/run-NNN} (earlier runs are never overwritten), a CSV per head and
 * seed with a row written as each epoch ends, {@code status.txt} ({@code running}, then
 * {@code finished}, {@code failed: <reason>} or
 * {@code interrupted at head H, seed S, epoch E, batch K}), a summary over seeds (median
 * [min, max], printed and written to {@code summary.md} / {@code summary.csv}) and PNG plots with
 * the heads overlaid, each head in its colour. It starts with a line stating the work (heads x
 * seeds x epochs x images) and the time estimated from a short calibration; progress is a bar on a
 * terminal and plain lines every few seconds otherwise. Runs are sequential, all heads of a seed
 * after one another; PyTorch uses {@code --threads} threads.
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

    @Option(names = "--classifier-rows", defaultValue = "renormalised",
            description = "The standard head's unit-norm classifier rows: renormalised after each step (the authors')"
                    + " or oblique (held on the oblique manifold by Riemannian SGD/Adam). Default: ${DEFAULT-VALUE}.")
    String classifierRows;

    @Option(names = "--orthogonal-backbone-output",
            description = "Hold the backbone's last linear map on the Stiefel manifold (orthonormal columns) with"
                    + " Riemannian SGD/Adam.")
    boolean orthogonalBackboneOutput;

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

    /** Untimed training steps before the calibration behind the start line's estimate. */
    static final int CALIBRATION_WARM_UP = 3;
    /** Timed training steps of that calibration (their median counts). */
    static final int CALIBRATION_STEPS = 5;

    /** Where the last call wrote (for tests and scripts). */
    Path lastRunFolder;

    /**
     * Whether the progress goes to a terminal (a redrawn bar) or not (plain lines); a test may
     * replace it.
     */
    java.util.function.BooleanSupplier terminal = Terminal::stderrIsTerminal;

    public static void main(String[] args) {
        int status = CommandLines.newCommandLine(new FashionMnistCommand()).execute(args);
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
                    500, tau, delta, new ParameterManifolds(parseClassifierRows(classifierRows),
                            orthogonalBackboneOutput));
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

        HeadKind calibrated = resolvedHeads.contains(HeadKind.IMPLICIT) ? HeadKind.IMPLICIT : resolvedHeads.get(0);
        int batchesPerEpoch = train.size() / batchSize;
        PrintWriter err = spec.commandLine().getErr();
        err.println(String.format(Locale.ROOT, "fashion-mnist: %d head(s) x %d seed(s) x %d epoch(s) x %d training images"
                + " (%d batches of %d), %d test images; %s", resolvedHeads.size(), seeds, epochs, train.size(),
                batchesPerEpoch, batchSize, test.size(), estimate(calibrated, train, test, normalisation, options,
                        batchesPerEpoch, resolvedHeads.size())));
        err.flush();

        Path runFolder = RunFiles.createRunFolder(out);
        lastRunFolder = runFolder;
        String description = resolvedBackbone.describe(width, dimension);
        writeConfiguration(runFolder, options, train.size(), test.size(), normalisation, description);
        EpochRunStatus status = new EpochRunStatus(runFolder);
        EpochProgress progress = noProgress ? EpochProgress.none()
                : EpochProgress.create(terminal.getAsBoolean(),
                        (long) resolvedHeads.size() * seeds * epochs * batchesPerEpoch, System.err, err);
        Thread onSignal = status.shutdownHook(progress::close);
        Runtime.getRuntime().addShutdownHook(onSignal);
        PrintWriter console = spec.commandLine().getOut();
        Map<HeadKind, List<List<EpochRecord>>> results = new LinkedHashMap<>();
        resolvedHeads.forEach(head -> results.put(head, new ArrayList<>()));
        try {
            try {
                // seeds outside, heads inside: a change of machine load between runs then affects every
                // head alike, so their seconds per epoch stay comparable
                for (int s = 0; s < seeds; s++) {
                    long seed = firstSeed + s;
                    for (HeadKind head : resolvedHeads) {
                        results.get(head).add(runOne(head, seed, train, test, normalisation, options, runFolder, status,
                                progress));
                    }
                }
            } finally {
                progress.close();
            }
            ExperimentSummary summary = new ExperimentSummary(results, earlyEpoch, accuracyThreshold);
            String heading = String.format(Locale.ROOT, "Fashion-MNIST, %s; %d training and %d test images, %d epoch(s), "
                    + "batch %d, %s, %d seed(s)", description, train.size(), test.size(), epochs, batchSize,
                    describeOptimizer(options), seeds);
            Files.writeString(runFolder.resolve("summary.csv"), summary.toCsv(), StandardCharsets.UTF_8);
            Files.writeString(runFolder.resolve("summary.md"), "# " + heading + "\n\n" + summary.toMarkdown() + "\n"
                    + notes(options) + "\n", StandardCharsets.UTF_8);
            if (!noPlots) {
                EpochPlots.writeAll(Files.createDirectories(runFolder.resolve("plots")), "Fashion-MNIST "
                        + resolvedBackbone.commandLineName(), results);
            }
            status.finished();
            console.println(heading);
            console.print(summary.toText());
            console.println(notes(options));
            console.println("Results written to " + runFolder);
            console.flush();
            return 0;
        } catch (Exception | Error failure) {
            status.failed(failure instanceof ImageRunException run ? run.describe() : CommandLines.describe(failure));
            throw failure;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(onSignal);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run: it owns the status now
            }
        }
    }

    /**
     * One (head, seed) run: its CSV gets a row as each epoch ends, the status file its position.
     *
     * @throws ImageRunException wrapping any failure, with the head, seed, epoch and batch
     */
    private List<EpochRecord> runOne(HeadKind head, long seed, ImageSet train, ImageSet test, Normalisation normalisation,
            ImageClassifierOptions options, Path runFolder, EpochRunStatus status, EpochProgress progress)
            throws IOException {
        int[] position = {1, 0};
        status.at(head, seed, 1, 0);
        try (Writer csv = Files.newBufferedWriter(runFolder.resolve(RunFiles.stem(head, seed) + ".csv"),
                StandardCharsets.UTF_8)) {
            csv.write(EpochRecord.CSV_HEADER);
            csv.write('\n');
            csv.flush();
            List<EpochRecord> history = ImageClassifierTraining.run(head, seed, train, test, normalisation, options,
                    new ImageClassifierTraining.Listener() {
                        @Override
                        public void batchDone(int epoch, int batch, int batchesPerEpoch, double batchLoss) {
                            position[0] = epoch;
                            position[1] = batch;
                            status.at(head, seed, epoch, batch);
                            progress.batch(head, seed, epoch, epochs, batch, batchesPerEpoch, batchLoss);
                        }

                        @Override
                        public void epochDone(EpochRecord record) {
                            try {
                                status.record(() -> {
                                    csv.write(record.toCsv());
                                    csv.write('\n');
                                    csv.flush();
                                });
                            } catch (IOException e) {
                                throw new UncheckedIOException(e);
                            }
                            progress.epoch(head, seed, epochs, record);
                        }
                    });
            status.betweenRuns();
            return history;
        } catch (RuntimeException | Error failure) {
            throw new ImageRunException(head, seed, position[0], position[1], failure);
        }
    }

    /**
     * The estimated time of the whole call from a calibration of {@link #CALIBRATION_STEPS} training
     * steps of one head; an evaluation forward is taken to cost a third of a training step per image.
     * A calibration that fails (a diverging learning rate, say) gives no estimate: the run then fails
     * where it fails, with its status written.
     */
    private String estimate(HeadKind calibrated, ImageSet train, ImageSet test, Normalisation normalisation,
            ImageClassifierOptions options, int batchesPerEpoch, int headCount) {
        double stepSeconds;
        try {
            stepSeconds = ImageClassifierTraining.secondsPerStep(calibrated, train, normalisation, options,
                    CALIBRATION_WARM_UP, CALIBRATION_STEPS);
        } catch (RuntimeException failed) {
            return "no time estimate (the calibration failed: " + CommandLines.describe(failed) + ")";
        }
        double evaluationImages = test.size() + (double) options.ncSubset() / options.ncEvery();
        double epochSeconds = batchesPerEpoch * stepSeconds + evaluationImages * stepSeconds / (3.0 * batchSize);
        long total = Math.round(epochSeconds * epochs * seeds * headCount);
        return String.format(Locale.ROOT, "estimated %s (a training step took %.0f ms on the %s head)", duration(total),
                stepSeconds * 1e3, calibrated.commandLineName());
    }

    /** {@code 1 h 02 min}, {@code 3 min 10 s} or {@code 12 s}. */
    static String duration(long seconds) {
        if (seconds >= 3600) {
            return String.format(Locale.ROOT, "%d h %02d min", seconds / 3600, seconds % 3600 / 60);
        }
        if (seconds >= 60) {
            return String.format(Locale.ROOT, "%d min %02d s", seconds / 60, seconds % 60);
        }
        return seconds + " s";
    }

    /** {@code renormalised} or {@code oblique}, case-insensitive: whether the classifier rows are on the oblique manifold. */
    static boolean parseClassifierRows(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "renormalised", "renormalized" -> false;
            case "oblique" -> true;
            default -> throw new IllegalArgumentException("--classifier-rows must be renormalised or oblique, got '"
                    + text + "'");
        };
    }

    private String describeOptimizer(ImageClassifierOptions options) {
        if (optimizer == OptimizerChoice.AGD) {
            return "AGD (gain 10)";
        }
        return String.format(Locale.ROOT, "%s%s lr %s, weight decay %s",
                options.manifolds().any() ? "Riemannian " : "", optimizer.commandLineName(), learningRate, weightDecay);
    }

    private String notes(ImageClassifierOptions options) {
        return String.format(Locale.ROOT, "Median [min, max] over seeds. Train accuracy and loss are those of the epoch's"
                + " mini-batches as trained%s; NC1/NC3 on the first %d training images; seconds per epoch are training"
                + " steps only.", options.augmentation().isNone() ? "" : " (augmented)", options.ncSubset());
    }

    private void writeConfiguration(Path runFolder, ImageClassifierOptions options, int trainImages, int testImages,
            Normalisation normalisation, String description) throws IOException {
        String text = "arguments: " + String.join(" ", spec.commandLine().getParseResult().originalArgs())
                + "\nbackbone: " + description
                + "\ntraining images: " + trainImages + " (the first of the training file)"
                + "\ntest images: " + testImages
                + "\nnormalisation: mean " + normalisation.mean() + ", std " + normalisation.std() + " (training set)"
                + "\noptions: " + options
                + "\nparameters on manifolds: " + options.manifolds().describe()
                + "\npytorch threads: " + System.getProperty("ai.djl.pytorch.num_threads") + "\n";
        Files.writeString(runFolder.resolve("config.txt"), text, StandardCharsets.UTF_8);
    }
}
