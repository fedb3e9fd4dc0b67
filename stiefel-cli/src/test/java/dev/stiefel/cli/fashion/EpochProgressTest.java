package dev.stiefel.cli.fashion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.etf.train.HeadKind;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Off a terminal: plain lines, at most one per interval during an epoch, and one at every epoch's end. */
class EpochProgressTest {

    @Test
    void plainLinesComeEveryFewSecondsAndAtEachEpochEnd() {
        long[] now = {0};
        StringWriter text = new StringWriter();
        EpochProgress.PlainLines progress = new EpochProgress.PlainLines(new PrintWriter(text), () -> now[0]);
        for (int batch = 1; batch <= 30; batch++) {
            now[0] += TimeUnit.SECONDS.toNanos(1);
            progress.batch(HeadKind.IMPLICIT, 2, 1, 3, batch, 30, 0.5);
        }
        progress.epoch(HeadKind.IMPLICIT, 2, 3, new EpochRecord(1, 30, 0.5, 0.8, 0.6, 0.78, Double.NaN, Double.NaN,
                Double.NaN));
        String[] lines = text.toString().split("\n");
        assertEquals(30 / EpochProgress.PLAIN_INTERVAL_SECONDS + 1, lines.length, text.toString());
        assertTrue(lines[0].equals("implicit seed 2: epoch 1/3, batch 5/30, loss 0.5000, 5 s elapsed"), lines[0]);
        assertTrue(lines[lines.length - 1].startsWith("implicit seed 2 epoch 1/3: train acc 0.8000"), lines[lines.length - 1]);
        assertTrue(!text.toString().contains("\r") && !text.toString().contains("\u001b"), "no carriage returns or escapes");
    }

    @Test
    void durationsReadAsHoursMinutesOrSeconds() {
        assertEquals("12 s", FashionMnistCommand.duration(12));
        assertEquals("3 min 10 s", FashionMnistCommand.duration(190));
        assertEquals("1 h 02 min", FashionMnistCommand.duration(3720));
    }
}
