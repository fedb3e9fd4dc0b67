package dev.stiefel.cli.fashion;

import dev.stiefel.etf.train.HeadKind;
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
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG plots (XChart, headless) of per-epoch metrics with the heads overlaid: the median over
 * seeds as a solid line, the minimum and maximum as thin dashed lines of the same colour, each
 * head in its colour of {@link HeadColours} (the same in every plot of every command). NC1
 * and NC3 are drawn on a log axis, at the epochs where they were evaluated.
 */
public final class EpochPlots {

    private static final int WIDTH = 900;
    private static final int HEIGHT = 600;
    private static final double LOG_FLOOR = 1e-16;

    record Metric(String file, String title, ToDoubleFunction<EpochRecord> value, boolean logarithmic) {
    }

    static final List<Metric> METRICS = List.of(
            new Metric("train-accuracy", "train accuracy (as trained)", EpochRecord::trainAccuracy, false),
            new Metric("test-accuracy", "test accuracy", EpochRecord::testAccuracy, false),
            new Metric("train-loss", "train cross-entropy (as trained)", EpochRecord::trainLoss, true),
            new Metric("test-loss", "test cross-entropy", EpochRecord::testLoss, true),
            new Metric("nc1", "NC1 (training subset)", EpochRecord::nc1, true),
            new Metric("nc3", "NC3 (training subset)", EpochRecord::nc3, true));

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private EpochPlots() {
    }

    /**
     * Writes one PNG per metric into {@code folder}.
     *
     * @param title prefix of every chart title
     * @param results per head, one history per seed
     * @return the files written
     */
    public static List<Path> writeAll(Path folder, String title, Map<HeadKind, List<List<EpochRecord>>> results)
            throws IOException {
        List<Path> written = new ArrayList<>();
        for (Metric metric : METRICS) {
            Path file = folder.resolve(metric.file() + ".png");
            save(chart(title, metric, results), file);
            written.add(file);
        }
        return written;
    }

    static XYChart chart(String title, Metric metric, Map<HeadKind, List<List<EpochRecord>>> results) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title + ": " + metric.title())
                .xAxisTitle("epoch").yAxisTitle(metric.title()).build();
        chart.getStyler().setYAxisLogarithmic(metric.logarithmic());
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        for (Map.Entry<HeadKind, List<List<EpochRecord>>> entry : results.entrySet()) {
            List<List<EpochRecord>> runs = entry.getValue();
            List<double[]> points = new ArrayList<>();
            for (int e = 0; e < runs.get(0).size(); e++) {
                double[] values = new double[runs.size()];
                boolean evaluated = true;
                for (int s = 0; s < runs.size(); s++) {
                    double value = metric.value().applyAsDouble(runs.get(s).get(e));
                    evaluated &= !Double.isNaN(value);
                    values[s] = metric.logarithmic() ? Math.max(value, LOG_FLOOR) : value;
                }
                if (!evaluated) {
                    continue;
                }
                Arrays.sort(values);
                int n = values.length;
                double median = n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
                points.add(new double[] {runs.get(0).get(e).epoch(), median, values[0], values[n - 1]});
            }
            if (points.isEmpty()) {
                continue;
            }
            double[] epochs = column(points, 0);
            Color color = HeadColours.of(entry.getKey());
            String name = entry.getKey().commandLineName();
            XYSeries median = chart.addSeries(name, epochs, column(points, 1));
            style(median, color, new BasicStroke(2f), points.size() == 1);
            if (runs.size() > 1) {
                BasicStroke dashed = new BasicStroke(0.8f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                        new float[] {4f, 4f}, 0f);
                style(chart.addSeries(name + " min", epochs, column(points, 2)), color, dashed, false)
                        .setShowInLegend(false);
                style(chart.addSeries(name + " max", epochs, column(points, 3)), color, dashed, false)
                        .setShowInLegend(false);
            }
        }
        return chart;
    }

    private static double[] column(List<double[]> points, int index) {
        return points.stream().mapToDouble(p -> p[index]).toArray();
    }

    private static XYSeries style(XYSeries series, Color color, BasicStroke stroke, boolean marker) {
        series.setLineColor(color);
        series.setLineStyle(stroke);
        series.setMarker(marker ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
        series.setMarkerColor(color);
        return series;
    }

    private static void save(XYChart chart, Path file) throws IOException {
        try (OutputStream stream = Files.newOutputStream(file)) {
            if (!ImageIO.write(BitmapEncoder.getBufferedImage(chart), "png", stream)) {
                throw new IOException("no PNG writer available for " + file);
            }
        }
    }
}
