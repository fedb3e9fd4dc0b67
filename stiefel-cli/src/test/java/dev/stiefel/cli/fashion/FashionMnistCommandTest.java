package dev.stiefel.cli.fashion;

import dev.stiefel.cli.StiefelCli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.stiefel.etf.djl.data.FashionMnist;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The fashion-mnist command end to end on a few hundred real images, and its errors. */
class FashionMnistCommandTest {

    @TempDir
    Path out;

    record Result(int status, String stdout, String stderr, Path folder) {
    }

    /**
     * The data folder; the data are missing: a failure under {@code CI=true} (CI installs the
     * package), a skip elsewhere.
     */
    static Path requireData() {
        Path folder = Path.of(FashionMnist.DEFAULT_FOLDER);
        String missing = "Fashion-MNIST not installed in " + folder + " (Debian package " + FashionMnist.DEBIAN_PACKAGE
                + ")";
        if ("true".equals(System.getenv("CI"))) {
            assertTrue(FashionMnist.available(folder), missing);
        }
        assumeTrue(FashionMnist.available(folder), missing + "; skipped outside CI");
        return folder;
    }

    Result run(String... args) {
        return run(new FashionMnistCommand(), new StringWriter(), args);
    }

    Result run(FashionMnistCommand command, StringWriter stderr, String... args) {
        command.terminal = () -> false;
        CommandLine line = StiefelCli.newCommandLine(command);
        StringWriter stdout = new StringWriter();
        line.setOut(new PrintWriter(stdout));
        line.setErr(new PrintWriter(stderr));
        int status = line.execute(args);
        return new Result(status, stdout.toString(), stderr.toString(), command.lastRunFolder);
    }

    /**
     * Standard error that, whenever a plain progress line reports the end of an epoch, counts the
     * rows of that run's CSV at that moment: the rows are written as each epoch ends.
     */
    static final class CsvWatchingErrors extends StringWriter {
        final FashionMnistCommand command;
        final java.util.Map<String, Integer> rowsAtEpochEnd = new java.util.LinkedHashMap<>();

        CsvWatchingErrors(FashionMnistCommand command) {
            this.command = command;
        }

        @Override
        public void write(String buffer, int offset, int length) {
            super.write(buffer, offset, length);
            String text = buffer.substring(offset, offset + length);
            java.util.regex.Matcher epoch = java.util.regex.Pattern.compile("^(\\S+) seed (\\d+) epoch (\\d+)/")
                    .matcher(text);
            if (epoch.find() && command.lastRunFolder != null) {
                Path csv = command.lastRunFolder.resolve(epoch.group(1) + "-seed" + epoch.group(2) + ".csv");
                try {
                    rowsAtEpochEnd.put(epoch.group(1) + " " + epoch.group(2) + " " + epoch.group(3),
                            Files.readAllLines(csv).size() - 1);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        }
    }

    @Test
    void writesCsvSummaryAndPlotsIntoANewNumberedFolderEachTime() throws IOException {
        requireData();
        String[] args = {"--backbone", "mlp", "--width", "2", "--dimension", "16", "--heads", "fixed,implicit-forward-only",
            "--seeds", "2", "--epochs", "2", "--batch-size", "40", "--train-subset", "400", "--test-subset", "200",
            "--nc-subset", "200", "--threads", "1", "--out", out.toString()};
        FashionMnistCommand command = new FashionMnistCommand();
        CsvWatchingErrors errors = new CsvWatchingErrors(command);
        Result first = run(command, errors, args);
        assertEquals(0, first.status(), first.stderr());
        assertTrue(first.stderr().startsWith("fashion-mnist: 2 head(s) x 2 seed(s) x 2 epoch(s) x 400 training images"
                + " (10 batches of 40), 200 test images; estimated "), "the start line: " + first.stderr());
        assertEquals(java.util.Map.of("fixed 1 1", 1, "fixed 1 2", 2, "implicit-forward-only 1 1", 1,
                "implicit-forward-only 1 2", 2, "fixed 2 1", 1, "fixed 2 2", 2, "implicit-forward-only 2 1", 1,
                "implicit-forward-only 2 2", 2), errors.rowsAtEpochEnd, "CSV rows present when each epoch's line is printed");
        assertEquals("finished", Files.readString(first.folder().resolve("status.txt")).strip());
        assertEquals(out.resolve("run-001"), first.folder());
        for (String stem : List.of("fixed-seed1", "fixed-seed2", "implicit-forward-only-seed1",
                "implicit-forward-only-seed2")) {
            List<String> rows = Files.readAllLines(first.folder().resolve(stem + ".csv"));
            assertEquals(3, rows.size(), stem + ": header and two epochs");
            assertTrue(rows.get(0).startsWith("epoch,train_seconds,train_loss,train_accuracy,test_loss,test_accuracy"));
            double testAccuracy = Double.parseDouble(rows.get(2).split(",")[5]);
            assertTrue(testAccuracy > 0.2, stem + ": test accuracy " + testAccuracy + " is not above chance");
        }
        String summary = Files.readString(first.folder().resolve("summary.md"));
        assertTrue(summary.contains("| train accuracy, epoch 2 |") && summary.contains("implicit-forward-only"), summary);
        for (String plot : List.of("train-accuracy", "test-accuracy", "train-loss", "test-loss", "nc1", "nc3")) {
            assertTrue(Files.size(first.folder().resolve("plots").resolve(plot + ".png")) > 1000, plot);
        }
        assertTrue(first.stdout().contains("seconds per epoch"), first.stdout());
        assertTrue(first.stderr().contains("fixed seed 1 epoch 1/2"), "plain progress lines off a terminal: "
                + first.stderr());

        Result second = run(args);
        assertEquals(0, second.status(), second.stderr());
        assertEquals(out.resolve("run-002"), second.folder());
        assertNotEquals(Files.readString(first.folder().resolve("config.txt")).length(), 0);
    }

    @Test
    void aRunThatFailsSaysWhereInItsStatus() throws IOException {
        requireData();
        // SGD with rate 1e38 sends the weights to infinity after the first step; the head refuses the
        // features of the second batch
        Result result = run("--backbone", "mlp", "--width", "2", "--dimension", "16", "--heads", "fixed", "--seeds", "1",
                "--epochs", "1", "--batch-size", "40", "--train-subset", "200", "--test-subset", "40", "--nc-subset",
                "40", "--threads", "1", "--learning-rate", "1e38", "--out", out.toString());
        assertNotEquals(0, result.status());
        String status = Files.readString(result.folder().resolve("status.txt")).strip();
        assertTrue(status.startsWith("failed: ") && status.contains("(head fixed, seed 1, epoch 1, batch "), status);
        assertEquals(1, Files.readAllLines(result.folder().resolve("fixed-seed1.csv")).size(),
                "the header, no epoch finished");
    }

    @Test
    void aMissingDataFolderNamesTheDebianPackage() {
        Result result = run("--data", out.resolve("nothing-here").toString(), "--out", out.toString());
        assertEquals(2, result.status());
        assertTrue(result.stderr().contains(FashionMnist.DEBIAN_PACKAGE), result.stderr());
    }

    @Test
    void unknownHeadsAndBackbonesAreRefusedBeforeAnyWork() {
        Result head = run("--heads", "standard,nearest", "--out", out.toString());
        assertEquals(2, head.status());
        assertTrue(head.stderr().contains("unknown head 'nearest'"), head.stderr());
        Result backbone = run("--backbone", "vgg", "--out", out.toString());
        assertEquals(2, backbone.status());
        assertTrue(backbone.stderr().contains("expected resnet or mlp"), backbone.stderr());
    }
}
