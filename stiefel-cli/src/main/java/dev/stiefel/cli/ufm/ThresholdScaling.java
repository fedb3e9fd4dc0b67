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
            Path status = folder.resolve("status.txt");
            String state = Files.isRegularFile(status)
                    ? Files.readString(status, StandardCharsets.UTF_8).strip() : "no status.txt";
            throw new IOException(folder + " is not a finished ufm run (summary.csv and config.txt needed;"
                    + " status: " + state + ")");
        }
        Map<String, String> settings = new LinkedHashMap<>();
        for (String line : Files.readAllLines(config, StandardCharsets.UTF_8)) {
            int equals = line.indexOf(" = ");
            if (equals > 0) {
                settings.putIfAbsent(line.substring(0, equals).strip(), line.substring(equals + 3).strip());
            }
        }
        int numClasses = parseInt(settings, "classes", config);
        int iterations = parseInt(settings, "iterations", config);
        int evaluateEvery = settings.containsKey("evaluate every") ? parseInt(settings, "evaluate every", config) : 0;
        String model = settings.getOrDefault("model", "C = " + numClasses);
        Map<String, Map<String, RunSummary.Statistic>> statistics = new LinkedHashMap<>();
        int seeds = 0;
        List<String> lines = Files.readAllLines(summary, StandardCharsets.UTF_8);
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
            try {
                int runSeeds = Integer.parseInt(fields[5]);
                int missed = Integer.parseInt(fields[6]);
                seeds = Math.max(seeds, runSeeds);
                RunSummary.Statistic statistic = new RunSummary.Statistic(parseOrNaN(fields[2]),
                        parseOrNaN(fields[3]), parseOrNaN(fields[4]), runSeeds, missed);
                statistics.computeIfAbsent(fields[0], head -> new LinkedHashMap<>()).put(fields[1], statistic);
            } catch (NumberFormatException e) {
                throw new IOException(summary + " line " + (number + 1) + ": " + e.getMessage(), e);
            }
        }
        return new Run(folder, model, numClasses, iterations, evaluateEvery, seeds, statistics);
    }

    private static double parseOrNaN(String field) {
        return field.isEmpty() ? Double.NaN : Double.parseDouble(field);
    }

    private static int parseInt(Map<String, String> settings, String key, Path config) throws IOException {
        String value = settings.get(key);
        if (value == null) {
            throw new IOException(config + " has no '" + key + " = ...' line");
        }
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IOException(config + ": '" + key + " = " + value + "' is not an integer", e);
        }
    }
}
