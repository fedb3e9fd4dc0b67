package dev.stiefel.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.ejml.data.DMatrixRMaj;

/**
 * Runs the numpy transcriptions of pymanopt in {@code src/test/python} on a Brockett instance
 * and parses their traces; see {@link PymanoptTrustRegionsTraceTest}.
 */
final class PymanoptReference {

    static final Path DIRECTORY = Path.of("src", "test", "python");

    private PymanoptReference() {
    }

    /** Whether {@code python3} runs and imports numpy. */
    static boolean pythonWithNumpy() {
        try {
            Process process = new ProcessBuilder("python3", "-c", "import numpy").redirectErrorStream(true).start();
            process.getInputStream().readAllBytes();
            return process.waitFor(60, TimeUnit.SECONDS) && process.exitValue() == 0;
        } catch (IOException | InterruptedException unavailable) {
            return false;
        }
    }

    /**
     * Writes {@code n p minGradientNorm}, then A, N and the start point, and runs {@code script}
     * on the file; returns its rows of numbers.
     */
    static List<double[]> trace(String script, Path input, double minGradientNorm, DMatrixRMaj a, DMatrixRMaj weights,
            DMatrixRMaj start) throws IOException, InterruptedException {
        StringBuilder text = new StringBuilder(start.numRows + " " + start.numCols + " " + minGradientNorm + "\n");
        for (DMatrixRMaj matrix : List.of(a, weights, start)) {
            for (int i = 0; i < matrix.numRows; i++) {
                for (int j = 0; j < matrix.numCols; j++) {
                    text.append(matrix.get(i, j)).append(j + 1 < matrix.numCols ? " " : "\n");
                }
            }
        }
        Files.writeString(input, text, StandardCharsets.UTF_8);
        Process process = new ProcessBuilder("python3", DIRECTORY.resolve(script).toString(), input.toString())
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(300, TimeUnit.SECONDS), "reference script timed out");
        assertEquals(0, process.exitValue(), () -> "reference script failed:\n" + output);
        List<double[]> rows = new ArrayList<>();
        for (String line : output.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] fields = line.trim().split("\\s+");
            double[] row = new double[fields.length];
            for (int i = 0; i < fields.length; i++) {
                row[i] = Double.parseDouble(fields[i]);
            }
            rows.add(row);
        }
        return rows;
    }
}
