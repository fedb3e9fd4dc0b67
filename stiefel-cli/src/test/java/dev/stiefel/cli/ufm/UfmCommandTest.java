package dev.stiefel.cli.ufm;

import dev.stiefel.cli.StiefelCli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

class UfmCommandTest {

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    private static final int USAGE_ERROR = 2;

    /** Captured output of one command-line call. */
    record Outcome(int status, String out, String err) {
    }

    static Outcome execute(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = StiefelCli.newCommandLine(new StiefelCli());
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(err));
        int status = commandLine.execute(args);
        return new Outcome(status, out.toString(), err.toString());
    }

    @Test
    void endToEndWritesEverythingAndNeverClobbersEarlierRuns(@TempDir Path folder) throws IOException {
        Path out = folder.resolve("runs");
        String[] args = {"ufm", "--classes", "3", "--samples", "12", "--dim", "6",
            "--heads", "standard,fixed,implicit-forward-only", "--seeds", "2", "--iterations", "20", "--eval-every", "5",
            "--batch-size", "6", "--out", out.toString(), "--no-progress"};

        Outcome first = execute(args);
        assertEquals(0, first.status(), first::err);
        Path run = out.resolve("run-001");
        assertTrue(first.out().contains(run.toString()), first::out);
        assertTrue(first.out().contains("iterations to CE within gap"), first::out);

        for (String head : List.of("standard", "fixed", "implicit-forward-only")) {
            for (int seed = 1; seed <= 2; seed++) {
                List<String> metrics = Files.readAllLines(run.resolve(head + "-seed" + seed + ".csv"));
                assertEquals(RunFiles.METRICS_HEADER, metrics.get(0));
                // iterations 0, 5, 10, 15, 20
                assertEquals(6, metrics.size());
                assertTrue(metrics.get(5).startsWith("20,"));
                List<String> margins = Files.readAllLines(run.resolve(head + "-seed" + seed + "-margins.csv"));
                assertEquals(13, margins.size());
            }
        }
        List<String> summary = Files.readAllLines(run.resolve("summary.csv"));
        assertEquals(1 + 3 * RunSummary.QUANTITIES.size(), summary.size());
        assertTrue(Files.readString(run.resolve("summary.md")).contains("| quantity | standard | fixed |"));
        String config = Files.readString(run.resolve("config.txt"));
        assertTrue(config.contains("seeds = 1..2"), config);
        assertTrue(config.contains("initial feature std = " + 1 / Math.sqrt(6) + " (auto: 1/sqrt(d), d = 6)"), config);
        assertTrue(config.contains("dense backend: cpu kernels: "), config);
        assertEquals("finished", Files.readString(run.resolve(RunStatus.FILE_NAME)).strip());
        assertTrue(first.err().startsWith("dense backend: cpu kernels: "), first::err);
        List<String> pngs = new ArrayList<>();
        for (MetricPlots.Metric metric : MetricPlots.METRICS) {
            pngs.add(metric.file() + ".png");
        }
        pngs.add("margin-distribution.png");
        for (String png : pngs) {
            byte[] bytes = Files.readAllBytes(run.resolve("plots").resolve(png));
            assertTrue(bytes.length > 1000, png);
            assertArrayEquals(PNG_SIGNATURE, java.util.Arrays.copyOf(bytes, PNG_SIGNATURE.length), png);
        }

        Map<Path, byte[]> before = snapshot(run);
        List<String> secondArgs = new ArrayList<>(List.of(args));
        secondArgs.addAll(List.of("--threads", "3"));
        Outcome second = execute(secondArgs.toArray(String[]::new));
        assertEquals(0, second.status(), second::err);
        assertTrue(Files.isDirectory(out.resolve("run-002")));
        Map<Path, byte[]> after = snapshot(run);
        assertEquals(before.keySet(), after.keySet());
        for (Path file : before.keySet()) {
            assertArrayEquals(before.get(file), after.get(file), file.toString());
        }
        // Same seeds, same results, whatever the thread count: the runs are reproducible.
        assertEquals(Files.readString(run.resolve("fixed-seed2.csv")).lines().map(UfmCommandTest::withoutTime).toList(),
                Files.readString(out.resolve("run-002").resolve("fixed-seed2.csv")).lines()
                        .map(UfmCommandTest::withoutTime).toList());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--classes 1 --samples 10 --dim 4 | at least 2",
        "--classes 5 --samples 10 --dim 3 --heads fixed | needs d >= C",
        "--classes 5 --samples 10 --dim 3 --heads implicit | needs d >= C",
        "--classes 3 --samples 10 --dim 6 | multiple of the number of classes",
        "--classes 3 --samples 12 --dim 6 --heads standard,magic | unknown head 'magic'",
        "--classes 3 --samples 12 --dim 6 --device cuda | cuda backend not available",
        "--classes 3 --samples 12 --dim 6 --optimizer adam | unknown optimizer",
        "--classes 3 --samples 12 --dim 6 --stratification random | unknown stratification 'random'",
        "--classes 3 --samples 12 --dim 6 --batch-size 13 | --batch-size",
        "--classes 3 --samples 12 --dim 6 --delta 0 | delta",
        "--classes 3 --samples 12 --dim 6 --tau -1 | tau",
        "--classes 3 --samples 12 --dim 6 --seeds 0 | --seeds",
        "--classes 3 --samples 12 --dim 6 --threads -1 | --threads",
        "--classes 3 --samples 12 --dim 6 --iterations 0 | iterations",
        "--classes 3 --samples 12 --dim 6 --init-std big | --init-std must be auto, standard-normal or a positive number",
        "--classes 3 --samples 12 --dim 6 --init-std -0.5 | --init-std must be finite and positive",
        "--classes 3 --samples 12 --dim 6 --first-seed 9223372036854775807 --seeds 2 | the last seed would overflow",
        "--preset ufm-3 | unknown UFM preset"})
    void badOptionsFailAtOnceWithClearMessage(String options, String fragment, @TempDir Path folder) {
        List<String> args = new ArrayList<>(List.of("ufm", "--no-progress", "--out", folder.resolve("out").toString()));
        args.addAll(List.of(options.trim().split("\\s+")));
        Outcome outcome = execute(args.toArray(String[]::new));
        assertEquals(USAGE_ERROR, outcome.status(), outcome::err);
        assertTrue(outcome.err().contains(fragment), () -> "'" + fragment + "' not in: " + outcome.err());
        assertFalse(Files.exists(folder.resolve("out").resolve("run-001")), "no run folder for a bad call");
    }

    @Test
    void evaluationIntervalAndThreadsDefaultByModelAndRuns(@TempDir Path folder) throws IOException {
        Outcome outcome = execute("ufm", "--classes", "20", "--samples", "40", "--dim", "24", "--heads", "fixed",
                "--seeds", "1", "--iterations", "3", "--no-plots", "--no-progress", "--out", folder.toString());
        assertEquals(0, outcome.status(), outcome::err);
        String config = Files.readString(folder.resolve("run-001").resolve("config.txt"));
        assertTrue(config.contains("evaluate every = 25"), config);
        int cores = Runtime.getRuntime().availableProcessors();
        assertTrue(outcome.out().contains("1 trainer(s) x " + cores + " BLAS thread(s)"), outcome::out);

        Outcome explicit = execute("ufm", "--classes", "20", "--samples", "40", "--dim", "24", "--heads", "fixed",
                "--seeds", "2", "--iterations", "3", "--eval-every", "2", "--threads", "1", "--blas-threads", "1",
                "--no-plots", "--no-progress", "--out", folder.toString());
        assertEquals(0, explicit.status(), explicit::err);
        String second = Files.readString(folder.resolve("run-002").resolve("config.txt"));
        assertTrue(second.contains("evaluate every = 2"), second);
        assertTrue(explicit.out().contains("1 trainer(s) x 1 BLAS thread(s)"), explicit::out);
    }

    @Test
    void aDivergedRunFailsWithoutASummary(@TempDir Path folder) {
        Outcome outcome = execute("ufm", "--classes", "3", "--samples", "12", "--dim", "6", "--heads", "fixed",
                "--gain", "1e300", "--seeds", "1", "--iterations", "20", "--no-plots", "--no-progress",
                "--out", folder.toString());
        assertTrue(outcome.status() != 0, "exit status of a diverged run");
        assertTrue(outcome.err().contains("diverged"), outcome::err);
        assertFalse(outcome.out().contains("threshold"), outcome::out);
    }

    @Test
    void standardHeadAloneAcceptsDimensionBelowClasses(@TempDir Path folder) {
        Outcome outcome = execute("ufm", "--classes", "5", "--samples", "10", "--dim", "3", "--heads", "standard",
                "--seeds", "1", "--iterations", "2", "--no-plots", "--no-progress", "--out", folder.toString());
        assertEquals(0, outcome.status(), outcome::err);
    }

    /** The default batches are the authors' k-fold ones; exact batches of B on request. */
    @Test
    void stratificationIsKFoldByDefaultAndExactOnRequest(@TempDir Path folder) {
        Outcome kFold = execute("ufm", "--classes", "3", "--samples", "30", "--dim", "6", "--heads", "fixed",
                "--batch-size", "7", "--seeds", "1", "--iterations", "4", "--no-plots", "--no-progress",
                "--out", folder.resolve("k-fold").toString());
        assertEquals(0, kFold.status(), kFold::err);
        assertTrue(kFold.out().contains("batch 7 (stratified k-fold: 4 folds of 7-8)"), kFold::out);
        Outcome exact = execute("ufm", "--classes", "3", "--samples", "30", "--dim", "6", "--heads", "fixed",
                "--batch-size", "7", "--stratification", "exact", "--seeds", "1", "--iterations", "4", "--no-plots",
                "--no-progress", "--out", folder.resolve("exact").toString());
        assertEquals(0, exact.status(), exact::err);
        assertTrue(exact.out().contains("batch 7 (stratified)"), exact::out);
    }

    @Test
    void batchesSmallerThanClassesRunWithTheNonImplicitHeads(@TempDir Path folder) {
        Outcome outcome = execute("ufm", "--classes", "4", "--samples", "12", "--dim", "6", "--heads", "standard,fixed",
                "--batch-size", "3", "--seeds", "1", "--iterations", "6", "--no-plots", "--no-progress",
                "--out", folder.toString());
        assertEquals(0, outcome.status(), outcome::err);
        assertTrue(outcome.out().contains("batch 3 (uniform)"), outcome::out);
    }

    @Test
    void batchesSmallerThanClassesRunWithTheImplicitHead(@TempDir Path folder) {
        // the first batch misses classes: the first nearest-ETF problem (6) has rank < C-1
        Outcome outcome = execute("ufm", "--classes", "4", "--samples", "12", "--dim", "6", "--heads", "implicit",
                "--batch-size", "2", "--seeds", "1", "--iterations", "6", "--no-plots", "--no-progress",
                "--out", folder.toString());
        assertEquals(0, outcome.status(), outcome::err);
        assertTrue(outcome.out().contains("batch 2 (uniform)"), outcome::out);
    }

    @Test
    void unwritableOutputFolderFailsAtOnce(@TempDir Path folder) throws IOException {
        Path file = Files.writeString(folder.resolve("a-file"), "not a folder");
        Outcome outcome = execute("ufm", "--classes", "3", "--samples", "12", "--dim", "6", "--no-progress",
                "--out", file.resolve("below").toString());
        assertEquals(USAGE_ERROR, outcome.status(), outcome::err);
        assertTrue(outcome.err().contains("cannot be created"), outcome::err);
    }

    @Test
    void profileReportsEveryHead(@TempDir Path folder) throws IOException {
        Path csv = folder.resolve("profile.csv");
        Outcome outcome = execute("ufm-profile", "--classes", "3", "--samples", "12", "--dim", "6",
                "--heads", "fixed,standard", "--iterations", "3", "--warmup", "1", "--csv", csv.toString());
        assertEquals(0, outcome.status(), outcome::err);
        List<String> lines = Files.readAllLines(csv);
        assertEquals(3, lines.size());
        assertTrue(lines.get(1).startsWith("fixed,") && lines.get(2).startsWith("standard,"));
        for (String line : lines.subList(1, 3)) {
            String[] cells = line.split(",");
            assertTrue(Double.parseDouble(cells[1]) > 0, line);
            assertTrue(Double.parseDouble(cells[5]) > 0, line);
        }
        assertTrue(outcome.out().contains("ms/iter"), outcome::out);
    }

    @Test
    void missingSubcommandIsAUsageError() {
        Outcome outcome = execute();
        assertEquals(USAGE_ERROR, outcome.status());
        assertTrue(outcome.err().contains("ufm"), outcome::err);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "auto | 0.5 (auto: 1/sqrt(d), d = 4)",
        "standard-normal | 1.0 (standard-normal)",
        "0.25 | 0.25"})
    void theInitialScaleIsResolvedAndRecorded(String initStd, String recorded, @TempDir Path folder) throws IOException {
        Outcome outcome = execute("ufm", "--classes", "2", "--samples", "4", "--dim", "4", "--heads", "fixed",
                "--seeds", "1", "--iterations", "2", "--no-plots", "--no-progress", "--init-std", initStd,
                "--out", folder.toString());
        assertEquals(0, outcome.status(), outcome::err);
        String config = Files.readString(folder.resolve("run-001").resolve("config.txt"));
        assertTrue(config.contains("initial feature std = " + recorded + "\n"), config);
    }

    @Test
    void helpExplainsTheInitialScales() {
        Outcome outcome = execute("ufm", "--help");
        assertEquals(0, outcome.status());
        String help = outcome.out().replaceAll("\\s+", " ");
        assertTrue(help.contains("auto = 1/sqrt(d)"), help);
        assertTrue(help.contains("standard-normal = 1, the unconstrained-feature-model start of the paper's text,"
                + " which does not converge with AGD gain 10 in 2000 iterations"), help);
        assertTrue(help.contains("Default: auto"), help);
    }

    /** A batch of one sample holds one class: the implicit head refuses it at the first step. */
    private static final String[] FAILING_RUN = {"ufm", "--classes", "2", "--samples", "4", "--dim", "4", "--heads",
        "implicit", "--batch-size", "1", "--seeds", "1", "--first-seed", "7", "--iterations", "3", "--no-plots",
        "--no-progress"};

    @Test
    void aFailureMidRunIsOneLineWithWhatTheRunWasDoing(@TempDir Path folder) throws IOException {
        List<String> args = new ArrayList<>(List.of(FAILING_RUN));
        args.addAll(List.of("--out", folder.toString()));
        Outcome outcome = execute(args.toArray(String[]::new));
        assertEquals(1, outcome.status(), outcome::err);
        List<String> lines = outcome.err().lines().toList();
        assertEquals(2, lines.size(), outcome::err);
        assertTrue(lines.get(0).startsWith("dense backend: "), lines.get(0));
        String failure = lines.get(1);
        assertTrue(failure.startsWith("ufm failed: ArithmeticException: implicit ETF: only one class"), failure);
        assertTrue(failure.contains("(head implicit, seed 7, iteration 1 of 3)"), failure);
        assertTrue(failure.endsWith("(--verbose prints the stack trace)"), failure);
        String status = Files.readString(folder.resolve("run-001").resolve(RunStatus.FILE_NAME)).strip();
        assertTrue(status.startsWith("failed: ArithmeticException: implicit ETF: only one class"), status);
        assertTrue(status.endsWith("(head implicit, seed 7, iteration 1 of 3)"), status);
    }

    @Test
    void verbosePrintsTheStackTraceAfterTheLine(@TempDir Path folder) {
        List<String> args = new ArrayList<>(List.of(FAILING_RUN));
        args.addAll(List.of("--out", folder.toString(), "--verbose"));
        Outcome outcome = execute(args.toArray(String[]::new));
        assertEquals(1, outcome.status(), outcome::err);
        List<String> lines = outcome.err().lines().toList();
        assertTrue(lines.get(1).startsWith("ufm failed: ArithmeticException: "), lines.get(1));
        assertTrue(outcome.err().contains("\tat dev.stiefel.etf.ImplicitEtfState"), outcome::err);
    }

    @Test
    void offATerminalTheProgressIsPlainLines(@TempDir Path folder) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = StiefelCli.newCommandLine(new StiefelCli());
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(err));
        UfmCommand ufm = commandLine.getSubcommands().get("ufm").getCommand();
        ufm.terminal = () -> false;
        int status = commandLine.execute("ufm", "--classes", "2", "--samples", "4", "--dim", "4", "--heads", "fixed",
                "--seeds", "1", "--iterations", "20", "--eval-every", "5", "--no-plots", "--out", folder.toString());
        assertEquals(0, status, err::toString);
        String text = err.toString();
        assertFalse(text.indexOf('\r') >= 0, "no carriage return");
        assertFalse(text.indexOf('\u001b') >= 0, "no ANSI escape sequence");
        assertTrue(text.contains("UFM C=2 N=4 d=4 fixed seed 1: iteration 0/20, CE "), text);
        assertTrue(text.contains("UFM C=2 N=4 d=4 fixed seed 1: iteration 20/20, CE "), text);
    }

    @Test
    void profileReportsTheDenseBackend() {
        Outcome outcome = execute("ufm-profile", "--classes", "3", "--samples", "12", "--dim", "6",
                "--heads", "fixed", "--iterations", "1", "--warmup", "0");
        assertEquals(0, outcome.status(), outcome::err);
        assertTrue(outcome.err().startsWith("dense backend: cpu kernels: "), outcome::err);
    }

    private static String withoutTime(String csvLine) {
        String[] cells = csvLine.split(",", 3);
        return cells[0] + "," + cells[2];
    }

    private static Map<Path, byte[]> snapshot(Path folder) throws IOException {
        Map<Path, byte[]> files = new HashMap<>();
        try (Stream<Path> walk = Files.walk(folder)) {
            for (Path path : walk.filter(Files::isRegularFile).toList()) {
                files.put(folder.relativize(path), Files.readAllBytes(path));
            }
        }
        return files;
    }
}
