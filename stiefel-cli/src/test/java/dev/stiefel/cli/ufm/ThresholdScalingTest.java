package dev.stiefel.cli.ufm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ThresholdScalingTest {

    @TempDir
    Path folder;

    private Path run(String name, int classes, String summaryRows) throws IOException {
        return run(name, classes, "", summaryRows);
    }

    private Path run(String name, int classes, String extraConfig, String summaryRows) throws IOException {
        Path run = Files.createDirectories(folder.resolve(name));
        Files.writeString(run.resolve("config.txt"), "model = " + name + "\nclasses = " + classes
                + "\niterations = 2000\n" + extraConfig, StandardCharsets.UTF_8);
        Files.writeString(run.resolve("summary.csv"), "head,quantity,median,min,max,seeds,not_reached\n"
                + summaryRows, StandardCharsets.UTF_8);
        return run;
    }

    @Test
    void runsAreOrderedByClassesAndCellsSayWhatWasReached() throws IOException {
        Path large = run("UFM-100", 100, """
                fixed,iterations to CE within gap,200.0,175.0,250.0,5,0
                fixed,iterations to NC1 < threshold,100.0,100.0,100.0,5,0
                fixed,iterations to NC3 < threshold,,,,5,5
                """);
        Path small = run("UFM-10", 10, "evaluate every = 10\n", """
                fixed,iterations to CE within gap,670.0,670.0,680.0,5,0
                fixed,iterations to NC1 < threshold,20.0,20.0,30.0,5,2
                fixed,iterations to NC3 < threshold,10.0,10.0,10.0,5,0
                """);
        ThresholdScaling scaling = ThresholdScaling.read(List.of(large, small));
        assertEquals(List.of(10, 100), scaling.runs().stream().map(ThresholdScaling.Run::numClasses).toList());
        assertEquals(List.of("fixed"), scaling.heads());
        String table = scaling.toMarkdown();
        assertTrue(table.contains("| fixed | 670 [670, 680] | 200 [175, 250] |"), table);
        // the evaluation cadence is the resolution of a count; a configuration without it says nothing
        assertTrue(table.contains("| head | UFM-10 (C = 10, 5 seeds, 2000 it., every 10) | UFM-100 (C = 100, 5 seeds,"
                + " 2000 it.) |"), table);
        assertTrue(table.contains("| fixed | 20 [20, 30] (2/5 not reached) | 100 [100, 100] |"), table);
        assertTrue(table.contains("| fixed | 10 [10, 10] | not reached (5/5) |"), table);
    }

    @Test
    void plotsAreWrittenForEveryThreshold() throws IOException {
        Path small = run("UFM-10", 10, "implicit,iterations to CE within gap,670.0,670.0,680.0,5,0\n");
        Path large = run("UFM-100", 100, "implicit,iterations to CE within gap,225.0,200.0,250.0,5,0\n");
        List<Path> files = MetricPlots.writeThresholdScaling(folder, ThresholdScaling.read(List.of(small, large)));
        assertEquals(3, files.size());
        for (Path file : files) {
            assertTrue(Files.size(file) > 1000, file::toString);
        }
    }

    @Test
    void anUnfinishedRunIsNamedWithItsStatus() throws IOException {
        Path unfinished = Files.createDirectories(folder.resolve("run-007"));
        Files.writeString(unfinished.resolve("status.txt"), "interrupted at head implicit, seed 2, iteration 40\n");
        IOException error = assertThrows(IOException.class, () -> ThresholdScaling.read(List.of(unfinished)));
        assertTrue(error.getMessage().contains("not a finished ufm run"), error::getMessage);
        assertTrue(error.getMessage().contains("interrupted at head implicit"), error::getMessage);
    }

    @Test
    void aMalformedSummaryLineIsNamed() throws IOException {
        Path broken = run("UFM-10", 10, "fixed,iterations to CE within gap,670.0\n");
        IOException error = assertThrows(IOException.class, () -> ThresholdScaling.read(List.of(broken)));
        assertTrue(error.getMessage().contains("line 2: expected 7 fields"), error::getMessage);
    }

    @Test
    void summariesThatCannotComeFromUfmAreRefusedWithTheReason() throws IOException {
        assertRefused(run("empty", 10, ""), "has a header and no rows");
        assertRefused(run("nan", 10, "fixed,iterations to CE within gap,NaN,10.0,70.0,3,0\n"), "median NaN");
        assertRefused(run("negative", 10, "fixed,iterations to CE within gap,-5,-9,70.0,3,0\n"), "median -5");
        assertRefused(run("seeds", 10, "fixed,iterations to CE within gap,30,10,70,-2,0\n"), "-2 seeds");
        assertRefused(run("order", 10, "fixed,iterations to CE within gap,80,10,70,3,0\n"), "not in order");
        assertRefused(run("iterations", 10, "", ""), "has a header and no rows");
        Path noHeader = run("header", 10, "x\n");
        Files.writeString(noHeader.resolve("summary.csv"), "");
        assertRefused(noHeader, "does not start with ufm's header");
        Path binary = run("binary", 10, "x\n");
        Files.write(binary.resolve("summary.csv"), new byte[] {(byte) 0xff, (byte) 0xfe, 0x00, (byte) 0xc3});
        assertRefused(binary, "is not UTF-8 text");
        Path badConfig = Files.createDirectories(folder.resolve("config"));
        Files.writeString(badConfig.resolve("config.txt"), "classes = 10\niterations = -3\n");
        Files.writeString(badConfig.resolve("summary.csv"), "head,quantity,median,min,max,seeds,not_reached\n");
        assertRefused(badConfig, "must be at least 1");
    }

    private static void assertRefused(Path run, String reason) {
        IOException error = assertThrows(IOException.class, () -> ThresholdScaling.read(List.of(run)));
        assertTrue(error.getMessage().contains(reason), error::getMessage);
    }
}
