package dev.stiefel.cli.ufm;

import dev.stiefel.etf.train.HeadKind;
import dev.stiefel.etf.train.NeuralCollapseSnapshot;
import dev.stiefel.etf.train.TrainingResult;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunSummaryTest {

    private static final double BOUND = 0.5;

    /** A run whose CE reaches the bound within 1 % at {@code reachAt}, NC1 below 0.01 at {@code nc1At}. */
    private static TrainingResult run(int reachAt, int nc1At, double finalAccuracy, double millis) {
        List<NeuralCollapseSnapshot> history = new ArrayList<>();
        for (int t = 0; t <= 100; t += 10) {
            double ce = t >= reachAt ? BOUND * 1.005 : BOUND * 2;
            double nc1 = t >= nc1At ? 0.005 : 1;
            history.add(new NeuralCollapseSnapshot(t, ce, BOUND, t == 100 ? finalAccuracy : 0.5, nc1, 0.1, 0.2,
                    0, 0, 0.3, t));
        }
        return new TrainingResult(history, new double[] {0.1}, millis, 100);
    }

    @Test
    void medianAndRangeOverSeedsAsThePaperReports() {
        Map<HeadKind, List<TrainingResult>> results = new LinkedHashMap<>();
        // odd count: median is the middle value; 1000 = never within the data (infinitely late)
        results.put(HeadKind.FIXED, List.of(run(30, 50, 1.0, 100), run(10, 1000, 0.9, 300), run(70, 60, 0.8, 200)));
        // even count: mean of the two middle values
        results.put(HeadKind.STANDARD, List.of(run(20, 1000, 1, 100), run(40, 1000, 1, 100)));
        RunSummary summary = new RunSummary(results, SummaryThresholds.defaults());

        RunSummary.Statistic loss = summary.get(HeadKind.FIXED, "iterations to CE within gap");
        assertEquals(30, loss.median());
        assertEquals(10, loss.minimum());
        assertEquals(70, loss.maximum());
        assertEquals(0, loss.missed());
        RunSummary.Statistic nc1 = summary.get(HeadKind.FIXED, "iterations to NC1 < threshold");
        assertEquals(60, nc1.median());
        assertEquals(Double.POSITIVE_INFINITY, nc1.maximum());
        assertEquals(1, nc1.missed());
        assertTrue(nc1.format().contains("1/3 not reached"), nc1.format());
        assertEquals(0.9, summary.get(HeadKind.FIXED, "final accuracy").median());
        assertEquals(2.0, summary.get(HeadKind.FIXED, "ms per iteration").median());
        assertEquals(30, summary.get(HeadKind.STANDARD, "iterations to CE within gap").median());
        RunSummary.Statistic never = summary.get(HeadKind.STANDARD, "iterations to NC1 < threshold");
        assertEquals("n/a [n/a, n/a] (2/2 not reached)", never.format());

        String text = summary.toText();
        assertTrue(text.contains("fixed") && text.contains("standard") && text.contains("30 [10, 70]"), text);
        assertTrue(summary.toMarkdown().contains("| final accuracy |"));
        assertTrue(summary.toCsv().contains("fixed,iterations to CE within gap,30.0,10.0,70.0,3,0"));
    }

    @Test
    void thresholdsMustBePositive() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new SummaryThresholds(0.01, 0, 0.05))
                .getMessage().contains("NC1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new SummaryThresholds(Double.NaN, 0.01, 0.05))
                .getMessage().contains("loss gap"));
    }
}
