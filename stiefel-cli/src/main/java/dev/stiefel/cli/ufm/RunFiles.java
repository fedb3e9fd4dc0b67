package dev.stiefel.cli.ufm;

import dev.stiefel.etf.train.NeuralCollapseSnapshot;

import dev.stiefel.etf.train.HeadKind;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The files of a run: a fresh numbered folder {@code <out>/run-001}, {@code run-002}, ...
 * (so re-running into the same output folder never overwrites nor loses earlier results),
 * one metrics CSV and one margins CSV per head and seed.
 */
public final class RunFiles {

    /** Header of the per-run metrics CSV. */
    public static final String METRICS_HEADER = "iteration,elapsed_ms,cross_entropy,ce_lower_bound,accuracy,"
            + "nc1,nc2,nc3,nc4_percent,equinorm,average_margin";

    private static final int MAXIMUM_RUNS = 9999;

    private RunFiles() {
    }

    /**
     * Checks that {@code out} is, or can be created as, a writable folder.
     *
     * @throws IllegalArgumentException with the reason when it is not
     */
    public static void requireWritableFolder(Path out) {
        try {
            Files.createDirectories(out);
        } catch (IOException | SecurityException e) {
            throw new IllegalArgumentException("output folder " + out + " cannot be created: " + e, e);
        }
        if (!Files.isDirectory(out)) {
            throw new IllegalArgumentException("output path " + out + " is not a folder");
        }
        try {
            Path probe = Files.createTempFile(out, ".write-check", ".tmp");
            Files.delete(probe);
        } catch (IOException | SecurityException e) {
            throw new IllegalArgumentException("output folder " + out + " is not writable: " + e, e);
        }
    }

    /**
     * Creates the next free {@code run-NNN} folder inside {@code out} (atomically, so two
     * concurrent runs get different folders).
     */
    public static Path createRunFolder(Path out) throws IOException {
        Files.createDirectories(out);
        for (int number = 1; number <= MAXIMUM_RUNS; number++) {
            Path candidate = out.resolve(String.format(Locale.ROOT, "run-%03d", number));
            if (Files.exists(candidate)) {
                continue;
            }
            try {
                return Files.createDirectory(candidate);
            } catch (FileAlreadyExistsException raced) {
                // another run took this number between the check and the creation
            }
        }
        throw new IOException("no free run folder left in " + out + " (run-001 to run-" + MAXIMUM_RUNS + " exist)");
    }

    /** File name stem of a head and seed, e.g. {@code implicit-seed3}. */
    public static String stem(HeadKind head, long seed) {
        return head.commandLineName() + "-seed" + seed;
    }

    /** Writes the metric history as CSV (full double precision). */
    public static void writeMetrics(Path file, List<NeuralCollapseSnapshot> history) throws IOException {
        try (Writer writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            writer.write(METRICS_HEADER);
            writer.write('\n');
            for (NeuralCollapseSnapshot s : history) {
                writer.write(s.iteration() + "," + s.elapsedMillis() + "," + s.crossEntropy() + ","
                        + s.crossEntropyLowerBound() + "," + s.accuracy() + "," + s.nc1() + "," + s.nc2() + ","
                        + s.nc3() + "," + s.nc4() + "," + s.equinorm() + "," + s.averageMargin() + "\n");
            }
        }
    }

    /** Writes the final per-sample margins as CSV: sample, label, margin. */
    public static void writeMargins(Path file, double[] margins, int numClasses) throws IOException {
        try (Writer writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            writer.write("sample,label,cosine_margin\n");
            for (int i = 0; i < margins.length; i++) {
                writer.write(i + "," + (i % numClasses) + "," + margins[i] + "\n");
            }
        }
    }
}
