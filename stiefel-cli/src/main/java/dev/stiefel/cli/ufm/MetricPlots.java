package dev.stiefel.cli.ufm;

import dev.stiefel.etf.train.HeadKind;
import dev.stiefel.etf.train.NeuralCollapseSnapshot;
import dev.stiefel.etf.train.TrainingResult;
import java.awt.BasicStroke;
import dev.stiefel.cli.HeadColours;
import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.Histogram;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG plots of a run with XChart, headless: every metric against iterations with the heads
 * overlaid (median over seeds as a solid line, minimum and maximum as thin dashed lines of the
 * same colour; each head in its colour of {@link HeadColours}, the same in every plot of every
 * command), the cross-entropy lower bound drawn on the loss plot, and a histogram of the
 * final per-sample cosine margins of each head (all seeds pooled) with the simplex-ETF maximum
 * {@code C/(C-1)} in the title. Strictly positive metrics are drawn on a log axis, clamped at
 * {@value #LOG_FLOOR} because exact zeros (e.g. NC2 of the fixed ETF) have no logarithm,
 * unless all their values lie within one decade (a log axis labels only powers of ten; the
 * UFM-1000 cross-entropy runs from 6.9 to 2.04): then the axis is linear.
 */
public final class MetricPlots {

    static final double LOG_FLOOR = 1e-16;
    private static final int WIDTH = 900;
    private static final int HEIGHT = 600;
    private static final int HISTOGRAM_BINS = 60;

    /** A plotted metric: file name, axis title, accessor, log axis. */
    record Metric(String file, String title, ToDoubleFunction<NeuralCollapseSnapshot> value, boolean logarithmic) {
    }

    /** The plots written by {@link #writeAll}, one file each ({@code <file>.png}). */
    static final List<Metric> METRICS = List.of(
            new Metric("cross-entropy", "cross-entropy", NeuralCollapseSnapshot::crossEntropy, true),
            new Metric("accuracy", "train accuracy", NeuralCollapseSnapshot::accuracy, false),
            new Metric("nc1", "NC1", NeuralCollapseSnapshot::nc1, true),
            new Metric("nc2", "NC2", NeuralCollapseSnapshot::nc2, true),
            new Metric("nc3", "NC3", NeuralCollapseSnapshot::nc3, true),
            new Metric("nc4", "NC4 (%)", NeuralCollapseSnapshot::nc4, false),
            new Metric("equinorm", "equinorm", NeuralCollapseSnapshot::equinorm, true),
            new Metric("average-margin", "average cosine margin", NeuralCollapseSnapshot::averageMargin, false));

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private MetricPlots() {
    }

    /**
     * Writes every metric plot and the margin histogram into {@code folder}.
     *
     * @param title prefix of every chart title, e.g. {@code UFM-10}
     * @param results per head, one result per seed; all runs share the evaluation iterations
     * @param numClasses C, for the ETF margin
     * @return the files written
     */
    public static List<Path> writeAll(Path folder, String title, Map<HeadKind, List<TrainingResult>> results,
            int numClasses) throws IOException {
        List<Path> written = new ArrayList<>();
        for (Metric metric : METRICS) {
            XYChart chart = metricChart(title, metric, results);
            Path file = folder.resolve(metric.file() + ".png");
            savePng(chart, file);
            written.add(file);
        }
        Path histogram = folder.resolve("margin-distribution.png");
        savePng(marginHistogram(title, results, numClasses), histogram);
        written.add(histogram);
        return written;
    }

    static XYChart metricChart(String title, Metric metric, Map<HeadKind, List<TrainingResult>> results) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title + ": " + metric.title())
                .xAxisTitle("iteration").yAxisTitle(metric.title()).build();
        chart.getStyler().setMarkerSize(0);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        double[] iterations = null;
        double smallest = Double.POSITIVE_INFINITY;
        double largest = Double.NEGATIVE_INFINITY;
        for (Map.Entry<HeadKind, List<TrainingResult>> entry : results.entrySet()) {
            List<TrainingResult> runs = entry.getValue();
            List<NeuralCollapseSnapshot> reference = runs.get(0).history();
            int points = reference.size();
            iterations = new double[points];
            double[] median = new double[points];
            double[] minimum = new double[points];
            double[] maximum = new double[points];
            double[] values = new double[runs.size()];
            for (int p = 0; p < points; p++) {
                iterations[p] = reference.get(p).iteration();
                for (int s = 0; s < runs.size(); s++) {
                    double value = metric.value().applyAsDouble(runs.get(s).history().get(p));
                    values[s] = metric.logarithmic() ? Math.max(value, LOG_FLOOR) : value;
                }
                Arrays.sort(values);
                int n = values.length;
                median[p] = n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
                minimum[p] = values[0];
                maximum[p] = values[n - 1];
                smallest = Math.min(smallest, minimum[p]);
                largest = Math.max(largest, maximum[p]);
            }
            Color color = HeadColours.of(entry.getKey());
            String name = entry.getKey().commandLineName();
            XYSeries series = chart.addSeries(name, iterations, median);
            style(series, color, new BasicStroke(2f));
            if (runs.size() > 1) {
                BasicStroke dashed = new BasicStroke(0.8f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                        new float[] {4f, 4f}, 0f);
                style(chart.addSeries(name + " min", iterations, minimum), color, dashed).setShowInLegend(false);
                style(chart.addSeries(name + " max", iterations, maximum), color, dashed).setShowInLegend(false);
            }
        }
        if (metric.file().equals("cross-entropy") && iterations != null) {
            double bound = results.values().iterator().next().get(0).last().crossEntropyLowerBound();
            double[] line = new double[iterations.length];
            Arrays.fill(line, bound);
            style(chart.addSeries("lower bound", iterations, line), Color.BLACK,
                    new BasicStroke(1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {8f, 4f}, 0f));
            smallest = Math.min(smallest, bound);
            largest = Math.max(largest, bound);
        }
        // a log axis labels only powers of ten, so values within one decade get a linear axis
        chart.getStyler().setYAxisLogarithmic(metric.logarithmic() && largest >= 10 * smallest);
        return chart;
    }

    static CategoryChart marginHistogram(String title, Map<HeadKind, List<TrainingResult>> results, int numClasses) {
        double etfMargin = numClasses / (numClasses - 1.0);
        double low = Double.POSITIVE_INFINITY;
        double high = etfMargin;
        for (List<TrainingResult> runs : results.values()) {
            for (TrainingResult run : runs) {
                for (double margin : run.finalMargins()) {
                    low = Math.min(low, margin);
                    high = Math.max(high, margin);
                }
            }
        }
        if (!(low < high)) {
            low = high - 1;
        }
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
                .title(String.format(java.util.Locale.ROOT, "%s: final cosine margins (ETF maximum C/(C-1) = %.4f)",
                        title, etfMargin))
                .xAxisTitle("cosine margin").yAxisTitle("samples").build();
        chart.getStyler().setOverlapped(true);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setXAxisDecimalPattern("0.00");
        chart.getStyler().setXAxisMaxLabelCount(12);
        for (Map.Entry<HeadKind, List<TrainingResult>> entry : results.entrySet()) {
            List<Double> pooled = new ArrayList<>();
            for (TrainingResult run : entry.getValue()) {
                for (double margin : run.finalMargins()) {
                    pooled.add(margin);
                }
            }
            Histogram histogram = new Histogram(pooled, HISTOGRAM_BINS, low, high);
            Color color = HeadColours.of(entry.getKey());
            chart.addSeries(entry.getKey().commandLineName(), histogram.getxAxisData(), histogram.getyAxisData())
                    .setFillColor(new Color(color.getRed(), color.getGreen(), color.getBlue(), 110));
        }
        return chart;
    }

    /**
     * One PNG per threshold quantity of {@link ThresholdScaling}: iterations to the threshold
     * against C (log axis), one line per head through the medians, triangles at the
     * minimum to the maximum over seeds; sizes where no seed reached it are left out.
     *
     * @return the files written ({@code iterations-to-ce.png}, {@code -nc1}, {@code -nc3})
     */
    public static List<Path> writeThresholdScaling(Path folder, ThresholdScaling scaling) throws IOException {
        List<Path> written = new ArrayList<>();
        String[] files = {"iterations-to-ce", "iterations-to-nc1", "iterations-to-nc3"};
        for (int q = 0; q < ThresholdScaling.QUANTITIES.size(); q++) {
            String quantity = ThresholdScaling.QUANTITIES.get(q);
            XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(quantity + " against C")
                    .xAxisTitle("classes C").yAxisTitle("iterations").build();
            chart.getStyler().setXAxisLogarithmic(true);
            chart.getStyler().setChartBackgroundColor(Color.WHITE);
            chart.getStyler().setMarkerSize(8);
            int colour = 0;
            for (String head : scaling.heads()) {
                List<Double> classes = new ArrayList<>();
                List<Double> medians = new ArrayList<>();
                List<Double> minima = new ArrayList<>();
                List<Double> maxima = new ArrayList<>();
                for (ThresholdScaling.Run run : scaling.runs()) {
                    RunSummary.Statistic statistic = run.get(head, quantity);
                    if (statistic == null || statistic.missed() == statistic.seeds()) {
                        continue;
                    }
                    classes.add((double) run.numClasses());
                    medians.add(statistic.median());
                    minima.add(statistic.minimum());
                    maxima.add(statistic.maximum());
                }
                Color color = HeadColours.of(head, colour++);
                if (classes.isEmpty()) {
                    continue;
                }
                XYSeries series = chart.addSeries(head, toArray(classes), toArray(medians));
                series.setLineColor(color);
                series.setMarkerColor(color);
                series.setLineStyle(new BasicStroke(2f));
                series.setMarker(SeriesMarkers.CIRCLE);
                // the range over seeds as unconnected markers (XChart's error bars are symmetric)
                for (String bound : new String[] {"min", "max"}) {
                    XYSeries range = chart.addSeries(head + " " + bound, toArray(classes),
                            toArray(bound.equals("min") ? minima : maxima));
                    range.setLineStyle(SeriesLines.NONE);
                    range.setMarkerColor(color);
                    range.setMarker(bound.equals("min") ? SeriesMarkers.TRIANGLE_DOWN : SeriesMarkers.TRIANGLE_UP);
                    range.setShowInLegend(false);
                }
            }
            Path file = folder.resolve(files[q] + ".png");
            savePng(chart, file);
            written.add(file);
        }
        return written;
    }

    private static double[] toArray(List<Double> values) {
        double[] array = new double[values.size()];
        for (int i = 0; i < array.length; i++) {
            array[i] = values.get(i);
        }
        return array;
    }

    private static void savePng(org.knowm.xchart.internal.chartpart.IChart chart, Path file) throws IOException {
        try (OutputStream stream = Files.newOutputStream(file)) {
            if (!ImageIO.write(BitmapEncoder.getBufferedImage(chart), "png", stream)) {
                throw new IOException("no PNG writer available for " + file);
            }
        }
    }

    private static XYSeries style(XYSeries series, Color color, BasicStroke stroke) {
        series.setLineColor(color);
        series.setLineStyle(stroke);
        series.setMarker(SeriesMarkers.NONE);
        return series;
    }
}
