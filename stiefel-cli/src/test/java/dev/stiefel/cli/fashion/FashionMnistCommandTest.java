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

    Result run(String... args) {
        FashionMnistCommand command = new FashionMnistCommand();
        CommandLine line = StiefelCli.newCommandLine(command);
        StringWriter stdout = new StringWriter();
        StringWriter stderr = new StringWriter();
        line.setOut(new PrintWriter(stdout));
        line.setErr(new PrintWriter(stderr));
        int status = line.execute(args);
        return new Result(status, stdout.toString(), stderr.toString(), command.lastRunFolder);
    }

    @Test
    void writesCsvSummaryAndPlotsIntoANewNumberedFolderEachTime() throws IOException {
        assumeTrue(FashionMnist.available(Path.of(FashionMnist.DEFAULT_FOLDER)),
                "Fashion-MNIST not installed (Debian package " + FashionMnist.DEBIAN_PACKAGE + "); skipped");
        String[] args = {"--backbone", "mlp", "--width", "2", "--dimension", "16", "--heads", "fixed,implicit-forward-only",
            "--seeds", "2", "--epochs", "2", "--batch-size", "40", "--train-subset", "400", "--test-subset", "200",
            "--nc-subset", "200", "--threads", "1", "--out", out.toString()};
        Result first = run(args);
        assertEquals(0, first.status(), first.stderr());
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
