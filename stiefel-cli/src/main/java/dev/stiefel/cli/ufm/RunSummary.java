package dev.stiefel.cli.ufm;

import dev.stiefel.etf.train.HeadKind;
import dev.stiefel.etf.train.NeuralCollapseSnapshot;
import dev.stiefel.etf.train.TrainingResult;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Median and range over seeds, per head, as the paper reports its UFM results: the first
 * evaluated iteration at which the loss is within {@link SummaryThresholds#lossGap()} of its
 * lower bound and at which NC1 and NC3 fall below their thresholds (a seed that never gets
 * there counts as infinitely late: the median is then "not reached" when more than half the
 * seeds miss), and the final value of every metric.
 */
public final class RunSummary {

    /** The rows of the summary, in this order. */
    public static final List<String> QUANTITIES = List.of(
            "iterations to CE within gap", "iterations to NC1 < threshold", "iterations to NC3 < threshold",
            "final CE", "final CE - bound", "final accuracy", "final NC1", "final NC2", "final NC3", "final NC4 (%)",
            "final equinorm", "final average margin", "ms per iteration");

    /** Median, minimum and maximum of one quantity over seeds; {@code missed} seeds never reached it. */
    public record Statistic(double median, double minimum, double maximum, int seeds, int missed) {

        /** {@code median [min, max]}, with {@code n/a} for unreached values. */
        public String format() {
            return formatValue(median) + " [" + formatValue(minimum) + ", " + formatValue(maximum) + "]"
                    + (missed > 0 ? " (" + missed + "/" + seeds + " not reached)" : "");
        }
    }

    private final SummaryThresholds thresholds;
    private final Map<HeadKind, Map<String, Statistic>> table = new LinkedHashMap<>();

    /**
     * @param results per head, one result per seed (at least one)
     * @param thresholds what "reached" means
     */
    public RunSummary(Map<HeadKind, List<TrainingResult>> results, SummaryThresholds thresholds) {
        this.thresholds = thresholds;
        for (Map.Entry<HeadKind, List<TrainingResult>> entry : results.entrySet()) {
            List<TrainingResult> runs = entry.getValue();
            if (runs.isEmpty()) {
                throw new IllegalArgumentException("head " + entry.getKey() + " has no run");
            }
            Map<String, Statistic> row = new LinkedHashMap<>();
            row.put(QUANTITIES.get(0), statistic(runs, r -> firstIteration(r, s -> s.relativeLossGap() <= thresholds.lossGap())));
            row.put(QUANTITIES.get(1), statistic(runs, r -> firstIteration(r, s -> s.nc1() < thresholds.nc1())));
            row.put(QUANTITIES.get(2), statistic(runs, r -> firstIteration(r, s -> s.nc3() < thresholds.nc3())));
            row.put(QUANTITIES.get(3), statistic(runs, r -> r.last().crossEntropy()));
            row.put(QUANTITIES.get(4), statistic(runs, r -> r.last().crossEntropy() - r.last().crossEntropyLowerBound()));
            row.put(QUANTITIES.get(5), statistic(runs, r -> r.last().accuracy()));
            row.put(QUANTITIES.get(6), statistic(runs, r -> r.last().nc1()));
            row.put(QUANTITIES.get(7), statistic(runs, r -> r.last().nc2()));
            row.put(QUANTITIES.get(8), statistic(runs, r -> r.last().nc3()));
            row.put(QUANTITIES.get(9), statistic(runs, r -> r.last().nc4()));
            row.put(QUANTITIES.get(10), statistic(runs, r -> r.last().equinorm()));
            row.put(QUANTITIES.get(11), statistic(runs, r -> r.last().averageMargin()));
            row.put(QUANTITIES.get(12), statistic(runs, TrainingResult::millisPerIteration));
            table.put(entry.getKey(), row);
        }
    }

    public SummaryThresholds thresholds() {
        return thresholds;
    }

    /** The statistic of a quantity (one of {@link #QUANTITIES}) for a head. */
    public Statistic get(HeadKind head, String quantity) {
        Map<String, Statistic> row = table.get(head);
        if (row == null || !row.containsKey(quantity)) {
            throw new IllegalArgumentException("no summary for head " + head + " and quantity '" + quantity + "'");
        }
        return row.get(quantity);
    }

    /** The heads, in the order given. */
    public List<HeadKind> heads() {
        return List.copyOf(table.keySet());
    }

    /** First evaluated iteration whose snapshot satisfies the test, or +infinity. */
    static double firstIteration(TrainingResult result, java.util.function.Predicate<NeuralCollapseSnapshot> reached) {
        for (NeuralCollapseSnapshot snapshot : result.history()) {
            if (reached.test(snapshot)) {
                return snapshot.iteration();
            }
        }
        return Double.POSITIVE_INFINITY;
    }

    /** Median (mean of the two middle values for an even count), minimum, maximum. */
    static Statistic statistic(List<TrainingResult> runs, ToDoubleFunction<TrainingResult> quantity) {
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

    /** A fixed-width text table: one row per quantity, one column per head. */
    public String toText() {
        List<List<String>> rows = rows();
        int columns = rows.get(0).size();
        int[] widths = new int[columns];
        for (List<String> row : rows) {
            for (int c = 0; c < columns; c++) {
                widths[c] = Math.max(widths[c], row.get(c).length());
            }
        }
        StringBuilder text = new StringBuilder();
        for (int r = 0; r < rows.size(); r++) {
            for (int c = 0; c < columns; c++) {
                String cell = rows.get(r).get(c);
                text.append(c == 0 ? padRight(cell, widths[c]) : "  " + padRight(cell, widths[c]));
            }
            text.append(System.lineSeparator());
            if (r == 0) {
                int total = Arrays.stream(widths).sum() + 2 * (columns - 1);
                text.append("-".repeat(total)).append(System.lineSeparator());
            }
        }
        return text.toString();
    }

    /** A Markdown table with the thresholds stated under it. */
    public String toMarkdown() {
        List<List<String>> rows = rows();
        StringBuilder text = new StringBuilder();
        text.append("| ").append(String.join(" | ", rows.get(0))).append(" |\n");
        text.append("|").append("---|".repeat(rows.get(0).size())).append("\n");
        for (List<String> row : rows.subList(1, rows.size())) {
            text.append("| ").append(String.join(" | ", row)).append(" |\n");
        }
        text.append("\nMedian [min, max] over seeds. ").append(describeThresholds()).append("\n");
        return text.toString();
    }

    /** CSV: head, quantity, median, min, max, seeds, not_reached. */
    public String toCsv() {
        StringBuilder text = new StringBuilder("head,quantity,median,min,max,seeds,not_reached\n");
        for (Map.Entry<HeadKind, Map<String, Statistic>> head : table.entrySet()) {
            for (Map.Entry<String, Statistic> cell : head.getValue().entrySet()) {
                Statistic s = cell.getValue();
                text.append(head.getKey().commandLineName()).append(',').append(cell.getKey()).append(',')
                        .append(csvNumber(s.median())).append(',').append(csvNumber(s.minimum())).append(',')
                        .append(csvNumber(s.maximum())).append(',').append(s.seeds()).append(',')
                        .append(s.missed()).append('\n');
            }
        }
        return text.toString();
    }

    /** One sentence stating what the iteration rows measure. */
    public String describeThresholds() {
        return String.format(Locale.ROOT, "Iterations are the first evaluation with (CE - bound)/bound <= %s, "
                + "NC1 < %s, NC3 < %s.", thresholds.lossGap(), thresholds.nc1(), thresholds.nc3());
    }

    private List<List<String>> rows() {
        List<List<String>> rows = new ArrayList<>();
        List<String> header = new ArrayList<>();
        header.add("quantity");
        for (HeadKind head : table.keySet()) {
            header.add(head.commandLineName());
        }
        rows.add(header);
        for (String quantity : QUANTITIES) {
            List<String> row = new ArrayList<>();
            row.add(quantity);
            for (HeadKind head : table.keySet()) {
                row.add(table.get(head).get(quantity).format());
            }
            rows.add(row);
        }
        return Collections.unmodifiableList(rows);
    }

    static String formatValue(double value) {
        if (value == Double.POSITIVE_INFINITY) {
            return "n/a";
        }
        if (value == Math.rint(value) && Math.abs(value) < 1e7) {
            return String.format(Locale.ROOT, "%d", (long) value);
        }
        return String.format(Locale.ROOT, "%.4g", value);
    }

    private static String csvNumber(double value) {
        return value == Double.POSITIVE_INFINITY ? "" : Double.toString(value);
    }

    private static String padRight(String text, int width) {
        return text + " ".repeat(Math.max(0, width - text.length()));
    }
}
