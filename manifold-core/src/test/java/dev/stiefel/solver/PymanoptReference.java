package dev.stiefel.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
 *
 * <p>A missing script is a broken checkout and fails the test. A missing {@code python3} or
 * numpy skips it on a developer's machine and fails it where the environment variable
 * {@code CI} is {@code true}, so that continuous integration cannot pass without running the
 * comparisons.
 */
final class PymanoptReference {

    static final Path DIRECTORY = Path.of("src", "test", "python");

    private PymanoptReference() {
    }

    /**
     * The reference script {@code name} in {@link #DIRECTORY}; fails the test when the file is
     * not there (it is part of the repository).
     */
    static Path script(String name) {
        Path script = DIRECTORY.resolve(name);
        assertTrue(Files.isRegularFile(script), () -> "reference script missing from the checkout: "
                + script.toAbsolutePath());
        return script;
    }

    /**
     * Returns when {@code python3} with numpy runs; otherwise fails the test under continuous
     * integration ({@code CI=true}) and skips it elsewhere.
     */
    static void requirePythonWithNumpy() {
        requirePythonWithNumpy(pythonWithNumpy(), "true".equals(System.getenv("CI")));
    }

    /** {@link #requirePythonWithNumpy()} with its two facts given, so that a test can try both. */
    static void requirePythonWithNumpy(boolean available, boolean continuousIntegration) {
        String missing = "python3 with numpy is not available: the pymanopt trace comparison cannot run";
        if (!available && continuousIntegration) {
            fail(missing + " (CI=true: install python3 and numpy)");
        }
        assumeTrue(available, missing);
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
     * on the file, followed by {@code options}; returns its rows of numbers.
     */
    static List<double[]> trace(String script, Path input, double minGradientNorm, DMatrixRMaj a, DMatrixRMaj weights,
            DMatrixRMaj start, String... options) throws IOException, InterruptedException {
        StringBuilder text = new StringBuilder(start.numRows + " " + start.numCols + " " + minGradientNorm + "\n");
        for (DMatrixRMaj matrix : List.of(a, weights, start)) {
            for (int i = 0; i < matrix.numRows; i++) {
                for (int j = 0; j < matrix.numCols; j++) {
                    text.append(matrix.get(i, j)).append(j + 1 < matrix.numCols ? " " : "\n");
                }
            }
        }
        Files.writeString(input, text, StandardCharsets.UTF_8);
        List<String> command = new ArrayList<>(List.of("python3", script(script).toString(), input.toString()));
        command.addAll(List.of(options));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
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
