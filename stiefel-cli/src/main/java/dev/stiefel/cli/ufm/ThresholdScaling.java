package dev.stiefel.cli.ufm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Iterations to the summary thresholds against the number of classes C, gathered from the
 * {@code summary.csv} and {@code config.txt} of several finished {@code ufm} run folders (one
 * per model size): the paper's Figure 3 question, whether a head's speed stays flat as C grows.
 * Pure data; {@link UfmCompareCommand} prints and plots it.
 */
public final class ThresholdScaling {

    /** The first line of every {@code summary.csv} ufm writes. */
    static final String SUMMARY_HEADER = "head,quantity,median,min,max,seeds,not_reached";

    /** The summary quantities compared, in {@code summary.csv}'s wording. */
    public static final List<String> QUANTITIES = RunSummary.QUANTITIES.subList(0, 3);

    /**
     * One run folder: its model, C, the iterations it ran, how often it evaluated (0 when its
     * configuration does not say; an iteration count to a threshold is a multiple of it), and
     * every summary row.
     */
    public record Run(Path folder, String model, int numClasses, int iterations, int evaluateEvery, int seeds,
            Map<String, Map<String, RunSummary.Statistic>> statistics) {

        /** The statistic of {@code quantity} for {@code head}, or null when the run lacks the head. */
        public RunSummary.Statistic get(String head, String quantity) {
            Map<String, RunSummary.Statistic> row = statistics.get(head);
            return row == null ? null : row.get(quantity);
        }
    }

    private final List<Run> runs;
    private final List<String> heads;

    private ThresholdScaling(List<Run> runs) {
        this.runs = List.copyOf(runs);
        Set<String> names = new LinkedHashSet<>();
        for (Run run : runs) {
            names.addAll(run.statistics().keySet());
        }
        this.heads = List.copyOf(names);
    }

    /**
     * Reads run folders written by {@code ufm}, sorted by C.
     *
     * @throws IOException when a folder lacks {@code summary.csv} or {@code config.txt} (the run
     *     did not finish: its {@code status.txt} says why), or they cannot be parsed
     */
    public static ThresholdScaling read(List<Path> folders) throws IOException {
        if (folders.isEmpty()) {
            throw new IllegalArgumentException("name at least one ufm run folder");
        }
        List<Run> runs = new ArrayList<>();
        for (Path folder : folders) {
            runs.add(readRun(folder));
        }
        runs.sort(Comparator.comparingInt(Run::numClasses));
        return new ThresholdScaling(runs);
    }

    public List<Run> runs() {
        return runs;
    }

    /** Head names (command-line spelling) in the order they first appear. */
    public List<String> heads() {
        return heads;
    }

    /**
     * A markdown table per quantity: one row per head, one column per run (C), cells
     * {@code median [min, max]} over seeds or {@code not reached (k/n)}.
     */
    public String toMarkdown() {
        StringBuilder text = new StringBuilder();
        for (String quantity : QUANTITIES) {
            text.append("**").append(quantity).append("**\n\n| head |");
            for (Run run : runs) {
                text.append(' ').append(run.model()).append(" (C = ").append(run.numClasses()).append(", ")
                        .append(run.seeds()).append(" seeds, ").append(run.iterations()).append(" it.");
                if (run.evaluateEvery() > 0) {
                    text.append(", every ").append(run.evaluateEvery());
                }
                text.append(") |");
            }
            text.append("\n|---|");
            text.append("---:|".repeat(runs.size()));
            text.append('\n');
            for (String head : heads) {
                text.append("| ").append(head).append(" |");
                for (Run run : runs) {
                    RunSummary.Statistic statistic = run.get(head, quantity);
                    text.append(' ').append(statistic == null ? "–" : describe(statistic)).append(" |");
                }
                text.append('\n');
            }
            text.append('\n');
        }
        return text.toString();
    }

    /** {@code median [min, max]}, with the seeds that never reached the threshold counted. */
    static String describe(RunSummary.Statistic statistic) {
        if (statistic.missed() == statistic.seeds()) {
            return "not reached (" + statistic.missed() + "/" + statistic.seeds() + ")";
        }
        String range = String.format(Locale.ROOT, "%.0f [%.0f, %.0f]", statistic.median(), statistic.minimum(),
                statistic.maximum());
        return statistic.missed() == 0 ? range
                : range + " (" + statistic.missed() + "/" + statistic.seeds() + " not reached)";
    }

    private static Run readRun(Path folder) throws IOException {
        Path summary = folder.resolve("summary.csv");
        Path config = folder.resolve("config.txt");
        if (!Files.isRegularFile(summary) || !Files.isRegularFile(config)) {
            RunStatus.markStaleFolder(folder);
            Path status = folder.resolve("status.txt");
            String state = Files.isRegularFile(status)
                    ? Files.readString(status, StandardCharsets.UTF_8).strip() : "no status.txt";
            throw new IOException(folder + " is not a finished ufm run (summary.csv and config.txt needed;"
                    + " status: " + state + ")");
        }
        Map<String, String> settings = new LinkedHashMap<>();
        for (String line : readText(config)) {
            int equals = line.indexOf(" = ");
            if (equals > 0) {
                settings.putIfAbsent(line.substring(0, equals).strip(), line.substring(equals + 3).strip());
            }
        }
        int numClasses = parseInt(settings, "classes", config, 2);
        int iterations = parseInt(settings, "iterations", config, 1);
        int evaluateEvery = settings.containsKey("evaluate every") ? parseInt(settings, "evaluate every", config, 0) : 0;
        String model = settings.getOrDefault("model", "C = " + numClasses);
        Map<String, Map<String, RunSummary.Statistic>> statistics = new LinkedHashMap<>();
        int seeds = 0;
        List<String> lines = readText(summary);
        if (lines.isEmpty() || !lines.get(0).strip().equals(SUMMARY_HEADER)) {
            throw new IOException(summary + " does not start with ufm's header '" + SUMMARY_HEADER + "'");
        }
        for (int number = 1; number < lines.size(); number++) {
            String line = lines.get(number);
            if (line.isBlank()) {
                continue;
            }
            String[] fields = line.split(",", -1);
            if (fields.length != 7) {
                throw new IOException(summary + " line " + (number + 1) + ": expected 7 fields"
                        + " (head,quantity,median,min,max,seeds,not_reached), got " + fields.length);
            }
            String where = summary + " line " + (number + 1) + ": ";
            try {
                int runSeeds = Integer.parseInt(fields[5]);
                int missed = Integer.parseInt(fields[6]);
                if (runSeeds < 1 || missed < 0 || missed > runSeeds) {
                    throw new IOException(where + runSeeds + " seeds with " + missed
                            + " not reached: seeds must be at least 1 and not reached between 0 and seeds");
                }
                seeds = Math.max(seeds, runSeeds);
                double median = parseIterations(fields[2], "median", where);
                double minimum = parseIterations(fields[3], "min", where);
                double maximum = parseIterations(fields[4], "max", where);
                if (minimum > median || median > maximum) {
                    throw new IOException(where + "min " + fields[3] + ", median " + fields[2] + ", max " + fields[4]
                            + " are not in order");
                }
                RunSummary.Statistic statistic = new RunSummary.Statistic(median, minimum, maximum, runSeeds, missed);
                statistics.computeIfAbsent(fields[0], head -> new LinkedHashMap<>()).put(fields[1], statistic);
            } catch (NumberFormatException e) {
                throw new IOException(summary + " line " + (number + 1) + ": " + e.getMessage(), e);
            }
        }
        if (statistics.isEmpty()) {
            throw new IOException(summary + " has a header and no rows: the run summarised nothing");
        }
        return new Run(folder, model, numClasses, iterations, evaluateEvery, seeds, statistics);
    }

    /** The lines of a text file ufm wrote, or an exception that says the file is not such text. */
    private static List<String> readText(Path file) throws IOException {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IOException(file + " is not UTF-8 text, so not a file ufm wrote (" + e + ")", e);
        }
    }

    /**
     * An iteration count of the summary: empty when the threshold was not reached (as ufm writes
     * it), otherwise a finite number at least 0; "NaN" is refused, not read as unreached.
     */
    private static double parseIterations(String field, String column, String where) throws IOException {
        if (field.isEmpty()) {
            return Double.NaN;
        }
        double value = Double.parseDouble(field);
        if (!Double.isFinite(value) || value < 0) {
            throw new IOException(where + column + " " + field + " is not an iteration count (finite, at least 0;"
                    + " an unreached threshold is an empty field)");
        }
        return value;
    }

    private static int parseInt(Map<String, String> settings, String key, Path config, int minimum)
            throws IOException {
        String value = settings.get(key);
        if (value == null) {
            throw new IOException(config + " has no '" + key + " = ...' line");
        }
        int parsed;
        try {
            parsed = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IOException(config + ": '" + key + " = " + value + "' is not an integer", e);
        }
        if (parsed < minimum) {
            throw new IOException(config + ": '" + key + " = " + value + "' must be at least " + minimum);
        }
        return parsed;
    }
}
