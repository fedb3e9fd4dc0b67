package dev.stiefel.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.stiefel.kernel.OpenBlasKernels;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The accuracy report runs and prints one row per input, with the refined error at rounding level. */
class PolarAccuracyReportTest {

    @Test
    void reportPrintsARowPerInputWithARoundingLevelRefinedError() {
        assumeTrue(OpenBlasKernels.isAvailable(), "OpenBLAS natives unavailable");
        PrintStream saved = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            PolarAccuracyReport.main(new String[] {"60", "40"});
        } finally {
            System.setOut(saved);
        }
        String[] rows = captured.toString(StandardCharsets.UTF_8).lines()
                .filter(line -> line.startsWith("| ") && !line.startsWith("| input")).toArray(String[]::new);
        assertEquals(3, rows.length, String.join("\n", rows));
        double threshold = 16.0 * Math.sqrt(60) * Math.ulp(1.0);
        for (String row : rows) {
            String[] cells = row.split("\\|");
            assertTrue(Double.parseDouble(cells[3].trim()) <= threshold, row);
        }
    }
}
