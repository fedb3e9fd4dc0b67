package dev.stiefel.cli.fashion;

import dev.stiefel.etf.train.HeadKind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Median and range over seeds, per head, of: train and test accuracy at an early epoch and at the
 * last, the first epoch whose (as-trained) training accuracy reaches a threshold, the final NC1
 * and NC3, and the training seconds per epoch.
 */
public final class ExperimentSummary {

    /** Median, minimum and maximum over seeds; {@code missed} seeds never reached the value. */
    public record Statistic(double median, double minimum, double maximum, int seeds, int missed) {

        /** {@code median [min, max]}, with {@code n/a} for an unreached value. */
        public String format() {
            return value(median) + " [" + value(minimum) + ", " + value(maximum) + "]"
                    + (missed > 0 ? " (" + missed + "/" + seeds + " not reached)" : "");
        }

        private static String value(double v) {
            if (v == Double.POSITIVE_INFINITY || Double.isNaN(v)) {
                return "n/a";
            }
            if (v == Math.rint(v) && Math.abs(v) < 1e6) {
                return Long.toString((long) v);
            }
            return Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? String.format(Locale.ROOT, "%.4f", v)
                    : String.format(Locale.ROOT, "%.3e", v);
        }
    }

    private final int earlyEpoch;
    private final double accuracyThreshold;
    private final List<String> quantities;
    private final Map<HeadKind, Map<String, Statistic>> table = new LinkedHashMap<>();

    /**
     * @param results per head, one epoch history per seed, all of the same length
     * @param earlyEpoch the early epoch reported (clamped to the run's length)
     * @param accuracyThreshold training accuracy counted as reached
     * @throws IllegalArgumentException on an empty result or histories of different lengths
     */
    public ExperimentSummary(Map<HeadKind, List<List<EpochRecord>>> results, int earlyEpoch, double accuracyThreshold) {
        if (results.isEmpty()) {
            throw new IllegalArgumentException("no results to summarise");
        }
        int epochs = results.values().iterator().next().get(0).size();
        for (List<List<EpochRecord>> runs : results.values()) {
            for (List<EpochRecord> run : runs) {
                if (run.size() != epochs || epochs == 0) {
                    throw new IllegalArgumentException("all runs must have the same, non-zero number of epochs");
                }
            }
        }
        this.earlyEpoch = Math.max(1, Math.min(earlyEpoch, epochs));
        this.accuracyThreshold = accuracyThreshold;
        int early = this.earlyEpoch - 1;
        int last = epochs - 1;
        String threshold = String.format(Locale.ROOT, "epochs to train accuracy %.2f", accuracyThreshold);
        quantities = List.of("train accuracy, epoch " + this.earlyEpoch, "test accuracy, epoch " + this.earlyEpoch,
                "train accuracy, epoch " + epochs, "test accuracy, epoch " + epochs, threshold, "final NC1",
                "final NC3", "seconds per epoch");
        List<ToDoubleFunction<List<EpochRecord>>> extractors = List.of(
                run -> run.get(early).trainAccuracy(), run -> run.get(early).testAccuracy(),
                run -> run.get(last).trainAccuracy(), run -> run.get(last).testAccuracy(),
                run -> firstEpochReaching(run, accuracyThreshold), run -> run.get(last).nc1(),
                run -> run.get(last).nc3(),
                run -> run.stream().mapToDouble(EpochRecord::trainSeconds).average().orElse(Double.NaN));
        for (Map.Entry<HeadKind, List<List<EpochRecord>>> entry : results.entrySet()) {
            Map<String, Statistic> row = new LinkedHashMap<>();
            for (int q = 0; q < quantities.size(); q++) {
                row.put(quantities.get(q), statistic(entry.getValue(), extractors.get(q)));
            }
            table.put(entry.getKey(), row);
        }
    }

    /** The first epoch whose training accuracy is at least {@code threshold}; infinity when none. */
    static double firstEpochReaching(List<EpochRecord> run, double threshold) {
        for (EpochRecord record : run) {
            if (record.trainAccuracy() >= threshold) {
                return record.epoch();
            }
        }
        return Double.POSITIVE_INFINITY;
    }

    static Statistic statistic(List<List<EpochRecord>> runs, ToDoubleFunction<List<EpochRecord>> quantity) {
        double[] values = new double[runs.size()];
        int missed = 0;
        for (int k = 0; k < values.length; k++) {
            values[k] = quantity.applyAsDouble(runs.get(k));
            if (values[k] == Double.POSITIVE_INFINITY) {
                missed++;
            }
        }
        Arrays.sort(values);
        int n = values.length;
        double median = n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
        return new Statistic(median, values[0], values[n - 1], n, missed);
    }

    public List<String> quantities() {
        return quantities;
    }

    public int earlyEpoch() {
        return earlyEpoch;
    }

    public double accuracyThreshold() {
        return accuracyThreshold;
    }

    /**
     * @throws IllegalArgumentException for an unknown head or quantity
     */
    public Statistic get(HeadKind head, String quantity) {
        Map<String, Statistic> row = table.get(head);
        if (row == null || !row.containsKey(quantity)) {
            throw new IllegalArgumentException("no summary for head " + head + " and quantity '" + quantity + "'");
        }
        return row.get(quantity);
    }

    /** A Markdown table: one row per quantity, one column per head. */
    public String toMarkdown() {
        StringBuilder text = new StringBuilder("| quantity |");
        for (HeadKind head : table.keySet()) {
            text.append(' ').append(head.commandLineName()).append(" |");
        }
        text.append("\n|---|").append("---|".repeat(table.size())).append('\n');
        for (String quantity : quantities) {
            text.append("| ").append(quantity).append(" |");
            for (Map<String, Statistic> row : table.values()) {
                text.append(' ').append(row.get(quantity).format()).append(" |");
            }
            text.append('\n');
        }
        return text.toString();
    }

    /** A fixed-width text table for the terminal. */
    public String toText() {
        List<List<String>> rows = new ArrayList<>();
        List<String> header = new ArrayList<>(List.of("quantity"));
        table.keySet().forEach(head -> header.add(head.commandLineName()));
        rows.add(header);
        for (String quantity : quantities) {
            List<String> row = new ArrayList<>(List.of(quantity));
            table.values().forEach(stats -> row.add(stats.get(quantity).format()));
            rows.add(row);
        }
        int[] widths = new int[header.size()];
        for (List<String> row : rows) {
            for (int c = 0; c < row.size(); c++) {
                widths[c] = Math.max(widths[c], row.get(c).length());
            }
        }
        StringBuilder text = new StringBuilder();
        for (List<String> row : rows) {
            for (int c = 0; c < row.size(); c++) {
                text.append(String.format(Locale.ROOT, "%-" + (widths[c] + 2) + "s", row.get(c)));
            }
            text.append('\n');
        }
        return text.toString();
    }

    /** CSV: head, quantity, median, minimum, maximum, seeds, missed. */
    public String toCsv() {
        StringBuilder text = new StringBuilder("head,quantity,median,minimum,maximum,seeds,not_reached\n");
        for (Map.Entry<HeadKind, Map<String, Statistic>> entry : table.entrySet()) {
            for (Map.Entry<String, Statistic> cell : entry.getValue().entrySet()) {
                Statistic s = cell.getValue();
                text.append(entry.getKey().commandLineName()).append(',').append(cell.getKey()).append(',')
                        .append(s.median()).append(',').append(s.minimum()).append(',').append(s.maximum()).append(',')
                        .append(s.seeds()).append(',').append(s.missed()).append('\n');
            }
        }
        return text.toString();
    }
}
