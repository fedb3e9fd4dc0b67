package dev.stiefel.cli.ufm;

import dev.stiefel.etf.train.ComputeDevice;

import dev.stiefel.etf.train.OptimizerKind;

import dev.stiefel.etf.train.UnconstrainedFeatureModel;

import dev.stiefel.etf.train.TrainingListener;

import dev.stiefel.etf.train.Trainer;

import dev.stiefel.etf.train.NeuralCollapseSnapshot;

import dev.stiefel.etf.train.BatchSampler;

import dev.stiefel.etf.train.TrainingResult;

import dev.stiefel.etf.ClassifierHead;
import dev.stiefel.etf.train.HeadKind;

import dev.stiefel.cli.CommandLines;

import dev.stiefel.etf.train.TrainingOptions;
import dev.stiefel.etf.train.UfmPreset;
import dev.stiefel.kernel.OpenBlasKernels;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ufm}: trains unconstrained feature models with several heads and seeds, and writes
 * per-run metric CSVs, a summary over seeds (median and range, printed and written to
 * {@code summary.csv} / {@code summary.md}) and PNG plots into a new numbered folder
 * {@code <out>/run-NNN} (earlier runs are never overwritten).
 *
 * <p>Seed {@code s} fixes the model's start, the standard head's start and the batch draws, so
 * every head sees the same start for the same seed. Independent (head, seed) runs execute on
 * {@code --threads} trainers with {@code --blas-threads} OpenBLAS threads each
 * ({@link ParallelRuns}: by default trainers x BLAS threads = cores); results do not depend on
 * either.
 */
@Command(name = "ufm", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train unconstrained feature models with the standard, fixed-ETF and implicit-ETF heads.")
public final class UfmCommand implements java.util.concurrent.Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    UfmOptions model;

    @Option(names = "--seeds", paramLabel = "COUNT", defaultValue = "3",
            description = "Number of seeds (1..COUNT, offset by --first-seed). Default: ${DEFAULT-VALUE}.")
    int seeds;

    @Option(names = "--first-seed", paramLabel = "SEED", defaultValue = "1", description = "First seed. Default: ${DEFAULT-VALUE}.")
    long firstSeed;

    @Option(names = "--iterations", defaultValue = "2000", description = "Optimiser steps per run. Default: ${DEFAULT-VALUE}.")
    int iterations;

    @Option(names = "--eval-every", paramLabel = "K", defaultValue = "0",
            description = "Metrics on the whole data every K iterations; 0 = by model size: 10 for C <= 10, "
                    + "25 for C <= 200 (ufm-100, ufm-200), 50 above (ufm-1000). Default: 0.")
    int evaluateEvery;

    @Option(names = "--threads", defaultValue = "0",
            description = "(head, seed) runs trained at once; 0 = one per available core, at most one per run. "
                    + "Default: 0.")
    int threads;

    @Option(names = "--blas-threads", paramLabel = "COUNT", defaultValue = "0",
            description = "OpenBLAS threads while training; 0 = the cores left to each trainer, cores / trainers "
                    + "(at least 1), so that trainers x BLAS threads = cores and nothing is oversubscribed: "
                    + "2 runs or more on 2 cores train 2 at once with 1 BLAS thread each, a single run gets "
                    + "2 BLAS threads. Overrides -D" + OpenBlasKernels.THREADS_PROPERTY + " and OPENBLAS_NUM_THREADS. "
                    + "Default: 0.")
    int blasThreads;

    @Option(names = "--out", paramLabel = "FOLDER", description = "Output folder; each invocation writes a new run-NNN inside it."
            + " Default: runs/<preset>.")
    Path out;

    @Option(names = "--loss-gap", defaultValue = "0.01",
            description = "Summary: relative CE gap to the lower bound counted as reached. Default: ${DEFAULT-VALUE}.")
    double lossGap;

    @Option(names = "--nc1-threshold", defaultValue = "0.01", description = "Summary: NC1 threshold. Default: ${DEFAULT-VALUE}.")
    double nc1Threshold;

    @Option(names = "--nc3-threshold", defaultValue = "0.05", description = "Summary: NC3 threshold. Default: ${DEFAULT-VALUE}.")
    double nc3Threshold;

    @Option(names = "--no-progress", description = "No progress display (a bar on a terminal, a plain line every"
            + " few seconds otherwise).")
    boolean noProgress;

    @Option(names = "--no-plots", description = "Skip the PNG plots.")
    boolean noPlots;

    /** Where the last call wrote (for tests and scripts). */
    Path lastRunFolder;

    /**
     * Whether the progress goes to a terminal (a redrawn bar) or not (plain lines); a test may
     * replace the decision.
     */
    java.util.function.BooleanSupplier terminal = () -> System.console() != null;

    public static void main(String[] args) {
        CommandLines.exit(CommandLines.newCommandLine(new UfmCommand()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        model.validate();
        if (evaluateEvery < 0) {
            throw new ParameterException(spec.commandLine(), "--eval-every must be 0 (by model size) or positive, got "
                    + evaluateEvery);
        }
        TrainingOptions options = model.trainingOptions(iterations,
                evaluateEvery > 0 ? evaluateEvery : UfmPreset.evaluationInterval(model.resolvedClasses));
        SummaryThresholds thresholds;
        try {
            thresholds = new SummaryThresholds(lossGap, nc1Threshold, nc3Threshold);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        if (seeds < 1) {
            throw new ParameterException(spec.commandLine(), "--seeds must be at least 1, got " + seeds);
        }
        if (firstSeed > Long.MAX_VALUE - (seeds - 1)) {
            throw new ParameterException(spec.commandLine(), "--first-seed " + firstSeed + " with --seeds " + seeds
                    + ": the last seed would overflow (the largest first seed is " + (Long.MAX_VALUE - (seeds - 1)) + ")");
        }
        if (threads < 0) {
            throw new ParameterException(spec.commandLine(), "--threads must be 0 (all cores) or positive, got " + threads);
        }
        if (blasThreads < 0) {
            throw new ParameterException(spec.commandLine(), "--blas-threads must be 0 (automatic) or positive, got "
                    + blasThreads);
        }
        ParallelRuns parallel = ParallelRuns.resolve(model.resolvedHeads.size() * seeds,
                Runtime.getRuntime().availableProcessors(), threads, blasThreads);
        applyBlasThreads(parallel.blasThreads());
        model.describeBackend(); // with the thread count the trainers will use
        int poolSize = parallel.trainers();
        Path outFolder = out != null ? out
                : Path.of("runs", model.modelName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-"));
        try {
            RunFiles.requireWritableFolder(outFolder);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        PrintWriter err = spec.commandLine().getErr();
        err.println(model.backendReport);
        err.flush();

        for (Path stale : RunStatus.markStale(outFolder)) {
            err.println("marked " + stale + " stale: the process that was running it is gone");
        }
        Path runFolder = RunFiles.createRunFolder(outFolder);
        lastRunFolder = runFolder;
        RunStatus status = new RunStatus(runFolder);
        PrintWriter console = spec.commandLine().getOut();
        TrainingProgress progress = noProgress ? TrainingProgress.none()
                : TrainingProgress.create(terminal.getAsBoolean(), model.modelName,
                        (long) model.resolvedHeads.size() * seeds * iterations, System.err, err);
        Thread onSignal = status.shutdownHook(progress::close);
        Runtime.getRuntime().addShutdownHook(onSignal);
        try {
            writeConfiguration(runFolder, options, thresholds);
            Map<HeadKind, List<TrainingResult>> results;
            try {
                results = train(options, runFolder, poolSize, progress, status);
            } finally {
                progress.close();
            }
            RunSummary summary = new RunSummary(results, thresholds);
            Files.writeString(runFolder.resolve("summary.csv"), summary.toCsv(), StandardCharsets.UTF_8);
            Files.writeString(runFolder.resolve("summary.md"), "# " + model.modelName + ", " + seeds + " seed(s), "
                    + iterations + " iterations\n\n" + summary.toMarkdown(), StandardCharsets.UTF_8);
            if (!noPlots) {
                Path plots = Files.createDirectories(runFolder.resolve("plots"));
                MetricPlots.writeAll(plots, model.modelName, results, model.resolvedClasses);
            }
            status.finished();
            console.println(model.modelName + ": " + seeds + " seed(s) x " + iterations + " iterations, batch "
                    + describeBatch(options) + ", " + model.resolvedOptimizer + ", tau " + model.tau + ", "
                    + parallel.trainers() + " trainer(s) x " + parallel.blasThreads() + " BLAS thread(s)");
            console.print(summary.toText());
            console.println("Median [min, max] over seeds. " + summary.describeThresholds());
            console.println("Results written to " + runFolder);
            console.flush();
            return 0;
        } catch (Exception | Error failure) {
            status.failed(CommandLines.describe(failure));
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
     * OpenBLAS's thread count for this run: set now and as the property every new kernel
     * instance applies, so that the heads' and the metrics' kernels keep it.
     */
    private static void applyBlasThreads(int count) {
        System.setProperty(OpenBlasKernels.THREADS_PROPERTY, Integer.toString(count));
        if (OpenBlasKernels.isAvailable()) {
            OpenBlasKernels.setThreads(count);
        }
    }

    private String describeBatch(TrainingOptions options) {
        int size = options.resolvedBatchSize(model.resolvedClasses, model.resolvedSamples);
        BatchSampler.Mode mode = BatchSampler.modeFor(options.fullBatch(), size, model.resolvedClasses,
                options.stratification());
        if (mode == BatchSampler.Mode.STRATIFIED_K_FOLD) {
            int folds = model.resolvedSamples / size;
            int smallest = model.resolvedSamples / folds;
            int largest = (model.resolvedSamples + folds - 1) / folds;
            return size + " (stratified k-fold: " + folds + " folds of " + (smallest == largest ? "" + smallest
                    : smallest + "-" + largest) + ")";
        }
        return size + " (" + mode.name().toLowerCase(Locale.ROOT) + ")";
    }

    private Map<HeadKind, List<TrainingResult>> train(TrainingOptions options, Path runFolder, int poolSize,
            TrainingProgress progress, RunStatus status) throws InterruptedException, IOException {
        ExecutorService pool = Executors.newFixedThreadPool(poolSize);
        Map<HeadKind, List<Future<TrainingResult>>> futures = new LinkedHashMap<>();
        try {
            for (HeadKind head : model.resolvedHeads) {
                List<Future<TrainingResult>> perSeed = new ArrayList<>();
                for (int s = 0; s < seeds; s++) {
                    long seed = firstSeed + s;
                    perSeed.add(pool.submit(() -> trainOne(head, seed, options, runFolder, progress, status)));
                }
                futures.put(head, perSeed);
            }
            Map<HeadKind, List<TrainingResult>> results = new LinkedHashMap<>();
            for (Map.Entry<HeadKind, List<Future<TrainingResult>>> entry : futures.entrySet()) {
                List<TrainingResult> perSeed = new ArrayList<>();
                for (Future<TrainingResult> future : entry.getValue()) {
                    perSeed.add(future.get());
                }
                results.put(entry.getKey(), Collections.unmodifiableList(perSeed));
            }
            return results;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(cause);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * One (head, seed) run and its CSVs.
     *
     * @throws TrainingRunException wrapping any failure, with the head, seed and iteration
     */
    private TrainingResult trainOne(HeadKind head, long seed, TrainingOptions options, Path runFolder,
            TrainingProgress progress, RunStatus status) {
        AtomicInteger iteration = status.started(head, seed);
        try {
            UnconstrainedFeatureModel ufm = UnconstrainedFeatureModel.normal(model.resolvedClasses,
                    model.resolvedSamples, model.resolvedDimension, seed, model.resolvedInitStd);
            // the head owns its kernels and workspaces (device memory with --device cuda), the
            // trainer its metrics: both are given back when this run ends, however it ends
            try (ClassifierHead classifier = head.create(model.resolvedDimension, model.resolvedClasses, model.tau,
                    model.delta, seed, model.resolvedDevice);
                    Trainer trainer = new Trainer(ufm, classifier, options, seed)) {
            iteration.set(Math.min(1, iterations));
            TrainingResult result = trainer.run(new TrainingListener() {
                @Override
                public void iterationDone(int done, double batchLoss) {
                    // the iteration in progress from now on (the last one while it is evaluated)
                    iteration.set(Math.min(done + 1, iterations));
                    progress.step();
                }

                @Override
                public void evaluated(NeuralCollapseSnapshot snapshot) {
                    progress.evaluated(head, seed, iterations, snapshot);
                }
            });
            String stem = RunFiles.stem(head, seed);
            status.recordDone(head, seed, () -> {
                RunFiles.writeMetrics(runFolder.resolve(stem + ".csv"), result.history());
                RunFiles.writeMargins(runFolder.resolve(stem + "-margins.csv"), result.finalMargins(),
                        model.resolvedClasses);
            });
            return result;
            }
        } catch (IOException e) {
            throw new TrainingRunException(head, seed, iteration.get(), iterations, new UncheckedIOException(e));
        } catch (RuntimeException | Error e) {
            throw new TrainingRunException(head, seed, iteration.get(), iterations, e);
        }
    }

    private void writeConfiguration(Path runFolder, TrainingOptions options, SummaryThresholds thresholds)
            throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("model = " + model.modelName);
        lines.add("classes = " + model.resolvedClasses);
        lines.add("samples = " + model.resolvedSamples);
        lines.add("dimension = " + model.resolvedDimension);
        lines.add("heads = " + model.resolvedHeads.stream().map(HeadKind::commandLineName).toList());
        lines.add("seeds = " + firstSeed + ".." + (firstSeed + seeds - 1));
        lines.add("iterations = " + options.iterations());
        lines.add("batch = " + describeBatch(options));
        lines.add("optimizer = " + options.optimizer() + (options.optimizer() == OptimizerKind.AGD
                ? " gain " + options.gain() : " learning rate " + options.learningRate()));
        lines.add("evaluate every = " + options.evaluateEvery());
        lines.add("openblas threads = " + (OpenBlasKernels.isAvailable() ? OpenBlasKernels.threads() : "-"));
        lines.add("tau = " + options.tau());
        lines.add("delta = " + model.delta);
        lines.add("initial feature std = " + model.initStdDescription);
        lines.add("device = " + model.resolvedDevice.commandLineName());
        lines.add(model.backendReport);
        lines.add("thresholds = " + thresholds);
        lines.add("arguments = " + String.join(" ", spec.commandLine().getParseResult().originalArgs()));
        Files.write(runFolder.resolve("config.txt"), lines, StandardCharsets.UTF_8);
    }
}
