package dev.stiefel.cli.fashion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.stiefel.etf.train.HeadKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** status.txt says running, then finished, failed or where the call was interrupted; the first end is kept. */
class EpochRunStatusTest {

    @TempDir
    Path folder;

    String read(EpochRunStatus status) throws IOException {
        return Files.readString(status.file()).strip();
    }

    @Test
    void anInterruptionNamesTheHeadSeedEpochAndBatch() throws IOException {
        EpochRunStatus status = new EpochRunStatus(folder);
        assertEquals("running", read(status));
        status.at(HeadKind.IMPLICIT_FORWARD_ONLY, 3, 2, 17);
        assertEquals("interrupted at head implicit-forward-only, seed 3, epoch 2, batch 17", status.interrupted());
        assertEquals("interrupted at head implicit-forward-only, seed 3, epoch 2, batch 17", read(status));
        status.finished();
        assertEquals("interrupted at head implicit-forward-only, seed 3, epoch 2, batch 17", read(status),
                "the first end is kept");
    }

    @Test
    void noEpochRowIsWrittenAfterTheInterruption() throws IOException {
        EpochRunStatus status = new EpochRunStatus(folder);
        status.at(HeadKind.IMPLICIT, 1, 3, 0);
        StringBuilder rows = new StringBuilder();
        assertEquals(true, status.record(() -> rows.append("epoch 2\n")));
        status.interrupted();
        assertEquals(false, status.record(() -> rows.append("epoch 3\n")));
        assertEquals("epoch 2\n", rows.toString());
        assertEquals("interrupted at head implicit, seed 1, epoch 3, batch 0", read(status));
    }

    @Test
    void finishedAndFailedAreFinal() throws IOException {
        EpochRunStatus finished = new EpochRunStatus(Files.createDirectories(folder.resolve("a")));
        finished.finished();
        assertNull(finished.interrupted());
        assertEquals("finished", read(finished));
        EpochRunStatus failed = new EpochRunStatus(Files.createDirectories(folder.resolve("b")));
        failed.failed("ArithmeticException: two\nlines");
        failed.finished();
        assertEquals("failed: ArithmeticException: two lines", read(failed));
        EpochRunStatus between = new EpochRunStatus(Files.createDirectories(folder.resolve("c")));
        between.at(HeadKind.FIXED, 1, 1, 4);
        between.betweenRuns();
        assertEquals("interrupted between runs", between.interrupted());
    }
}
