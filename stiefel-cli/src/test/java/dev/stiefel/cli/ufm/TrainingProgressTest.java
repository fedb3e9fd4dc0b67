package dev.stiefel.cli.ufm;

import dev.stiefel.etf.train.HeadKind;
import dev.stiefel.etf.train.NeuralCollapseSnapshot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TrainingProgressTest {

    private static final char ESCAPE = '\u001b';

    private static NeuralCollapseSnapshot at(int iteration) {
        return new NeuralCollapseSnapshot(iteration, 0.0342, 0.03, 1.0, 1.2e-4, 0.1, 0.1, 0.0, 0.0, 0.5, 0.0);
    }

    /** Off a terminal: plain lines, at most one per interval plus each run's last, no '\r' nor ESC. */
    @Test
    void plainLinesAreThrottledAndFreeOfTerminalControls() {
        StringWriter text = new StringWriter();
        long[] now = {0};
        TrainingProgress progress = new TrainingProgress.PlainLines("UFM-10", new PrintWriter(text), () -> now[0]);
        for (int iteration = 0; iteration <= 2000; iteration += 10) {
            progress.step();
            progress.evaluated(HeadKind.IMPLICIT, 2, 2000, at(iteration));
            // 0.1 s per evaluation: 20 s in all
            now[0] += TimeUnit.MILLISECONDS.toNanos(100);
        }
        progress.close();
        String output = text.toString();
        assertFalse(output.indexOf('\r') >= 0, "no carriage return");
        assertFalse(output.indexOf(ESCAPE) >= 0, "no ANSI escape sequence");
        String[] lines = output.split("\n");
        // iteration 0, then every 5 s (iterations 500, 1000, 1500), and the last evaluation
        assertEquals(5, lines.length, output);
        assertEquals("UFM-10 implicit seed 2: iteration 0/2000, CE 0.03420, NC1 0.00012, 0 s elapsed", lines[0]);
        assertTrue(lines[1].startsWith("UFM-10 implicit seed 2: iteration 500/2000,"), lines[1]);
        assertTrue(lines[4].startsWith("UFM-10 implicit seed 2: iteration 2000/2000,"), lines[4]);
        assertTrue(lines[4].endsWith(", 20 s elapsed"), lines[4]);
    }

    @Test
    void theTerminalDecisionPicksTheDisplay() {
        StringWriter text = new StringWriter();
        try (TrainingProgress plain = TrainingProgress.create(false, "UFM-10", 10, System.err, new PrintWriter(text))) {
            assertTrue(plain instanceof TrainingProgress.PlainLines);
        }
        java.io.ByteArrayOutputStream drawn = new java.io.ByteArrayOutputStream();
        try (TrainingProgress bar = TrainingProgress.create(true, "UFM-10", 10,
                new java.io.PrintStream(drawn, true, java.nio.charset.StandardCharsets.UTF_8), new PrintWriter(text))) {
            assertFalse(bar instanceof TrainingProgress.PlainLines);
            bar.step();
        }
        assertEquals("", text.toString());
    }
}
