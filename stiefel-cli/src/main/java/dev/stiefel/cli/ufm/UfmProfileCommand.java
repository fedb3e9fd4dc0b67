package dev.stiefel.cli.ufm;

import dev.stiefel.cli.CommandLines;

import dev.stiefel.etf.train.HeadKind;
import dev.stiefel.etf.train.Trainer;
import dev.stiefel.etf.train.TrainingOptions;
import dev.stiefel.etf.train.UnconstrainedFeatureModel;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ufm-profile}: per head, time per training iteration, time of one full-data metrics
 * evaluation, bytes allocated per iteration (this thread, {@code ThreadMXBean}), the heap
 * retained by model, head, trainer and metric workspaces (used heap after a full GC, minus the
 * baseline before building them) and the peak heap during the timed iterations (sum of the heap pools' peak usage,
 * garbage included). Warm-up iterations run first so that JIT compilation is not timed.
 * The measurements are for comparison on one machine, not benchmarks (see module {@code jmh}).
 */
@Command(name = "ufm-profile", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Time and memory per iteration for each head on one model size.")
public final class UfmProfileCommand implements java.util.concurrent.Callable<Integer> {

    /** One head's measurements. */
    public record Profile(HeadKind head, double millisPerIteration, double millisPerEvaluation,
            double allocatedBytesPerIteration, double retainedMegabytes, double peakHeapMegabytes) {
    }

    @Spec
    CommandSpec spec;

    @Mixin
    UfmOptions model;

    @Option(names = "--iterations", defaultValue = "20", description = "Timed iterations per head. Default: ${DEFAULT-VALUE}.")
    int iterations;

    @Option(names = "--warmup", defaultValue = "5", description = "Untimed iterations first. Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of model, head and batches. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--csv", paramLabel = "FILE", description = "Also write the table as CSV to FILE.")
    Path csv;

    /** Results of the last call (for tests). */
    List<Profile> lastProfiles;

    public static void main(String[] args) {
        CommandLines.exit(CommandLines.newCommandLine(new UfmProfileCommand()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        model.validate();
        if (iterations < 1 || warmup < 0) {
            throw new ParameterException(spec.commandLine(), "--iterations must be >= 1 and --warmup >= 0, got "
                    + iterations + " and " + warmup);
        }
        TrainingOptions options = model.trainingOptions(warmup + iterations, warmup + iterations);
        spec.commandLine().getErr().println(model.backendReport);
        spec.commandLine().getErr().flush();
        List<Profile> profiles = new ArrayList<>();
        for (HeadKind head : model.resolvedHeads) {
            profiles.add(profile(head, options));
        }
        lastProfiles = List.copyOf(profiles);

        PrintWriter console = spec.commandLine().getOut();
        int batch = options.resolvedBatchSize(model.resolvedClasses, model.resolvedSamples);
        console.printf(Locale.ROOT, "%s, batch %d, %s, %d timed iterations after %d warm-up, %d core(s), max heap %.0f MB%n",
                model.modelName, batch, model.resolvedOptimizer, iterations, warmup,
                Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() / 1e6);
        console.printf(Locale.ROOT, "%-22s %12s %12s %14s %14s %12s%n", "head", "ms/iter", "ms/eval", "alloc B/iter",
                "retained MB", "peak MB");
        StringBuilder table = new StringBuilder(
                "head,ms_per_iteration,ms_per_evaluation,allocated_bytes_per_iteration,retained_mb,peak_heap_mb\n");
        for (Profile p : profiles) {
            console.printf(Locale.ROOT, "%-22s %12.3f %12.3f %14.0f %14.1f %12.1f%n", p.head().commandLineName(),
                    p.millisPerIteration(), p.millisPerEvaluation(), p.allocatedBytesPerIteration(),
                    p.retainedMegabytes(), p.peakHeapMegabytes());
            table.append(String.format(Locale.ROOT, "%s,%.6f,%.6f,%.1f,%.3f,%.3f%n", p.head().commandLineName(),
                    p.millisPerIteration(), p.millisPerEvaluation(), p.allocatedBytesPerIteration(),
                    p.retainedMegabytes(), p.peakHeapMegabytes()));
        }
        if (csv != null) {
            Files.writeString(csv, table.toString(), StandardCharsets.UTF_8);
        }
        console.flush();
        return 0;
    }

    private Profile profile(HeadKind head, TrainingOptions options) {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        double baseline = usedHeapAfterGc();
        UnconstrainedFeatureModel ufm = UnconstrainedFeatureModel.normal(model.resolvedClasses,
                model.resolvedSamples, model.resolvedDimension, seed, model.resolvedInitStd);
        Trainer trainer = new Trainer(ufm, head.create(model.resolvedDimension, model.resolvedClasses, model.tau,
                model.delta, seed, model.resolvedDevice), options, seed);
        for (int t = 0; t < warmup; t++) {
            trainer.step();
        }
        long evaluationStart = System.nanoTime();
        trainer.evaluate(trainer.iteration());
        double millisPerEvaluation = (System.nanoTime() - evaluationStart) / 1e6;
        double retained = usedHeapAfterGc() - baseline;
        List<MemoryPoolMXBean> heapPools = new ArrayList<>();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                pool.resetPeakUsage();
                heapPools.add(pool);
            }
        }
        long allocatedBefore = threads.getThreadAllocatedBytes(thread);
        long start = System.nanoTime();
        for (int t = 0; t < iterations; t++) {
            trainer.step();
        }
        double millis = (System.nanoTime() - start) / 1e6;
        long allocated = threads.getThreadAllocatedBytes(thread) - allocatedBefore;
        double peak = 0;
        for (MemoryPoolMXBean pool : heapPools) {
            peak += pool.getPeakUsage().getUsed();
        }
        return new Profile(head, millis / iterations, millisPerEvaluation, (double) allocated / iterations,
                retained / 1e6, peak / 1e6);
    }

    private static double usedHeapAfterGc() {
        for (int k = 0; k < 3; k++) {
            System.gc();
        }
        Runtime runtime = Runtime.getRuntime();
        return runtime.totalMemory() - runtime.freeMemory();
    }
}
