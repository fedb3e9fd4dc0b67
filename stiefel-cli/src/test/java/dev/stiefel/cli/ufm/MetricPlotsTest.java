package dev.stiefel.cli.ufm;

import dev.stiefel.etf.train.TrainingResult;

import dev.stiefel.etf.train.HeadKind;

import dev.stiefel.etf.train.NeuralCollapseSnapshot;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;

/** Which axis a metric plot gets: a log axis labels only powers of ten. */
class MetricPlotsTest {

    @Test
    void valuesWithinOneDecadeGetALinearAxisAndWiderRangesALogAxis() {
        // the UFM-1000 cross-entropy: 6.9 down to its bound 2.04, while NC1 falls by six decades
        List<NeuralCollapseSnapshot> history = new ArrayList<>();
        for (int iteration = 0; iteration <= 100; iteration += 10) {
            double fraction = iteration / 100.0;
            double crossEntropy = 2.04 + 4.86 * Math.exp(-10 * fraction);
            double nc1 = Math.pow(10, -6 * fraction);
            history.add(new NeuralCollapseSnapshot(iteration, crossEntropy, 2.04, 1, nc1, 0.1, 0.1, 0, 0.01, 1, 0));
        }
        Map<HeadKind, List<TrainingResult>> results =
                Map.of(HeadKind.FIXED, List.of(new TrainingResult(history, new double[] {1}, 1, 100)));
        XYChart crossEntropy = MetricPlots.metricChart("UFM-1000", metric("cross-entropy"), results);
        assertFalse(crossEntropy.getStyler().isYAxisLogarithmic(), "6.9 to 2.04 on a linear axis");
        XYChart nc1 = MetricPlots.metricChart("UFM-1000", metric("nc1"), results);
        assertTrue(nc1.getStyler().isYAxisLogarithmic(), "1 to 1e-6 on a log axis");
    }

    @Test
    void eachHeadIsDrawnInItsOwnColourWhateverTheHeadsOfTheRun() {
        List<NeuralCollapseSnapshot> history = List.of(
                new NeuralCollapseSnapshot(0, 2, 1, 0.5, 1, 0.1, 0.1, 0, 0.01, 1, 0),
                new NeuralCollapseSnapshot(10, 1.5, 1, 0.7, 0.5, 0.1, 0.1, 0, 0.01, 1, 0));
        TrainingResult result = new TrainingResult(history, new double[] {1}, 1, 10);
        Map<HeadKind, List<TrainingResult>> results = new java.util.LinkedHashMap<>();
        results.put(HeadKind.IMPLICIT, List.of(result));
        results.put(HeadKind.STANDARD, List.of(result));
        XYChart chart = MetricPlots.metricChart("UFM", metric("nc1"), results);
        for (HeadKind head : results.keySet()) {
            org.junit.jupiter.api.Assertions.assertEquals(dev.stiefel.cli.HeadColours.of(head),
                    chart.getSeries(head.commandLineName()).getLineColor(), head.commandLineName());
        }
    }

    private static MetricPlots.Metric metric(String file) {
        return MetricPlots.METRICS.stream().filter(metric -> metric.file().equals(file)).findFirst().orElseThrow();
    }
}
