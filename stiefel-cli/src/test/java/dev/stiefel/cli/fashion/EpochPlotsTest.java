package dev.stiefel.cli.fashion;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.stiefel.cli.HeadColours;
import dev.stiefel.etf.train.HeadKind;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;

/** The fashion plots draw each head in its own colour, whichever heads a call trains and in which order. */
class EpochPlotsTest {

    @Test
    void eachHeadIsDrawnInItsOwnColour() {
        List<EpochRecord> run = List.of(new EpochRecord(1, 1, 0.9, 0.7, 0.8, 0.72, 0.7, 0.5, 0.4),
                new EpochRecord(2, 1, 0.6, 0.8, 0.6, 0.8, 0.8, 0.3, 0.3));
        Map<HeadKind, List<List<EpochRecord>>> results = new LinkedHashMap<>();
        results.put(HeadKind.IMPLICIT_FORWARD_ONLY, List.of(run));
        results.put(HeadKind.FIXED, List.of(run, run));
        XYChart chart = EpochPlots.chart("Fashion-MNIST", EpochPlots.METRICS.get(0), results);
        for (HeadKind head : results.keySet()) {
            assertEquals(HeadColours.of(head), chart.getSeries(head.commandLineName()).getLineColor(),
                    head.commandLineName());
        }
        assertEquals(HeadColours.of(HeadKind.FIXED), chart.getSeries("fixed min").getLineColor());
    }
}
