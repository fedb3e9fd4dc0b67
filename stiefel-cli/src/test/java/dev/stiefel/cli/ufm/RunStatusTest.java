package dev.stiefel.cli.ufm;

import dev.stiefel.etf.train.HeadKind;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunStatusTest {

    private static void awaitQuietly(java.util.concurrent.CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String status(Path folder) throws IOException {
        return Files.readString(folder.resolve(RunStatus.FILE_NAME)).strip();
    }

    @Test
    void runningThenFinished(@TempDir Path folder) throws IOException {
        RunStatus status = new RunStatus(folder);
        assertEquals("running (process " + ProcessHandle.current().pid() + ")", status(folder));
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
        assertTrue(status.recordDone(HeadKind.STANDARD, 1, () -> { }));
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

    /**
     * The training threads run on while the shutdown hook writes the status: a run that finishes
     * during the interruption either writes its files before the status (and is not listed) or
     * writes nothing, so that the status never names an iteration behind a complete CSV.
     */
    @Test
    void noResultsAreWrittenAfterTheInterruptionAndTheStatusWaitsForAWriteInProgress(@TempDir Path folder)
            throws Exception {
        RunStatus status = new RunStatus(folder);
        status.started(HeadKind.IMPLICIT, 1).set(400);
        status.started(HeadKind.FIXED, 1).set(395);
        java.util.concurrent.CountDownLatch writing = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Thread finishing = new Thread(() -> {
            try {
                status.recordDone(HeadKind.IMPLICIT, 1, () -> {
                    writing.countDown();
                    awaitQuietly(release);
                    Files.writeString(folder.resolve("implicit-seed1.csv"), "complete\n");
                });
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        finishing.start();
        writing.await();
        java.util.concurrent.FutureTask<String> hook = new java.util.concurrent.FutureTask<>(status::interrupted);
        Thread signal = new Thread(hook);
        signal.start();
        Thread.sleep(200);
        assertTrue(!hook.isDone(), "the interruption waits for the files being written");
        release.countDown();
        assertEquals("interrupted at head fixed, seed 1, iteration 395", hook.get());
        finishing.join();
        assertTrue(Files.exists(folder.resolve("implicit-seed1.csv")));
        AtomicBoolean wrote = new AtomicBoolean();
        assertTrue(!status.recordDone(HeadKind.FIXED, 1, () -> wrote.set(true)), "nothing is recorded afterwards");
        assertTrue(!wrote.get());
        assertEquals("interrupted at head fixed, seed 1, iteration 395", status(folder));
    }

    @Test
    void failedKeepsTheReasonOnOneLine(@TempDir Path folder) throws IOException {
        RunStatus status = new RunStatus(folder);
        status.failed("ArithmeticException: first\nsecond");
        assertEquals("failed: ArithmeticException: first second", status(folder));
        assertNull(status.interrupted());
    }

    @Test
    void aRunWhoseProcessIsGoneIsMarkedStaleAndALiveOneIsNot(@org.junit.jupiter.api.io.TempDir Path out)
            throws Exception {
        Process finished = new ProcessBuilder("true").start();
        finished.waitFor();
        long gone = finished.pid();
        Path killed = Files.createDirectories(out.resolve("run-001"));
        Files.writeString(killed.resolve(RunStatus.FILE_NAME), "running (process " + gone + ")\n");
        Path alive = Files.createDirectories(out.resolve("run-002"));
        new RunStatus(alive);
        Path done = Files.createDirectories(out.resolve("run-003"));
        Files.writeString(done.resolve(RunStatus.FILE_NAME), "finished\n");

        assertEquals(java.util.List.of(killed), RunStatus.markStale(out));
        assertTrue(status(killed).startsWith("stale: process " + gone + " that ran it is gone"), status(killed));
        assertEquals("running (process " + ProcessHandle.current().pid() + ")", status(alive));
        assertEquals("finished", status(done));
        assertEquals(java.util.List.of(), RunStatus.markStale(out), "marking is done once");
    }
}
