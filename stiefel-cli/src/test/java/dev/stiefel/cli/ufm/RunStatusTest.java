package dev.stiefel.cli.ufm;

import dev.stiefel.etf.train.HeadKind;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunStatusTest {

    private static String status(Path folder) throws IOException {
        return Files.readString(folder.resolve(RunStatus.FILE_NAME)).strip();
    }

    @Test
    void runningThenFinished(@TempDir Path folder) throws IOException {
        RunStatus status = new RunStatus(folder);
        assertEquals("running", status(folder));
        status.finished();
        assertEquals("finished", status(folder));
        // a signal after the end changes nothing
        assertNull(status.interrupted());
        assertEquals("finished", status(folder));
    }

    /** What the shutdown hook does on SIGINT or SIGTERM, run here without a signal. */
    @Test
    void theShutdownHookNamesTheRunsInProgress(@TempDir Path folder) throws IOException {
        RunStatus status = new RunStatus(folder);
        status.started(HeadKind.IMPLICIT, 2).set(400);
        status.started(HeadKind.FIXED, 2).set(380);
        status.started(HeadKind.STANDARD, 1).set(2000);
        status.done(HeadKind.STANDARD, 1);
        AtomicBoolean progressEnded = new AtomicBoolean();
        status.shutdownHook(() -> progressEnded.set(true)).run();
        assertEquals("interrupted at head fixed, seed 2, iteration 380; head implicit, seed 2, iteration 400",
                status(folder));
        assertEquals(true, progressEnded.get());
        // the first end is kept: a failure of the interrupted threads does not hide it
        assertNull(status.interrupted());
        status.failed("InterruptedException");
        assertEquals("interrupted at head fixed, seed 2, iteration 380; head implicit, seed 2, iteration 400",
                status(folder));
    }

    @Test
    void failedKeepsTheReasonOnOneLine(@TempDir Path folder) throws IOException {
        RunStatus status = new RunStatus(folder);
        status.failed("ArithmeticException: first\nsecond");
        assertEquals("failed: ArithmeticException: first second", status(folder));
        assertNull(status.interrupted());
    }
}
