package dev.stiefel.cli.fashion;

import dev.stiefel.cli.ufm.RunStatus;
import dev.stiefel.etf.train.HeadKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The state of a {@code fashion-mnist} call in {@code status.txt} of its run folder, so that a
 * folder left by an interrupted or failed call says so: {@code running} from the start, then
 * {@code finished}, {@code failed: <reason>} or
 * {@code interrupted at head H, seed S, epoch E, batch K} (the runs go one after another, so one
 * position is in progress at a time). The file is replaced atomically where the file system
 * allows. Thread-safe: the training thread reports its position while a shutdown hook may read it.
 * Per-epoch results are written through {@link #record}, under the status's lock, so that no row
 * is written after the status says where the call was interrupted (the training thread runs on
 * while the shutdown hook writes the status).
 */
final class EpochRunStatus {

    /** Name of the status file in the run folder. */
    static final String FILE_NAME = RunStatus.FILE_NAME;

    private final Path file;
    private volatile HeadKind head;
    private volatile long seed;
    private volatile int epoch;
    private volatile int batch;
    private boolean ended;

    /** Writes {@code running}. */
    EpochRunStatus(Path runFolder) throws IOException {
        this.file = runFolder.resolve(FILE_NAME);
        write("running");
    }

    Path file() {
        return file;
    }

    /** The position in progress: a run of this head and seed, at this epoch and batch (1-based; 0 before the first). */
    void at(HeadKind runHead, long runSeed, int runEpoch, int runBatch) {
        this.head = runHead;
        this.seed = runSeed;
        this.epoch = runEpoch;
        this.batch = runBatch;
    }

    /**
     * Writes results of the position in progress unless the call has ended; an interruption waits
     * for a write in progress.
     *
     * @return whether they were written
     * @throws IOException from the writer
     */
    synchronized boolean record(RunStatus.ResultWriter writer) throws IOException {
        if (ended) {
            return false;
        }
        writer.write();
        return true;
    }

    /** Between runs (the last run's files are written). */
    void betweenRuns() {
        this.head = null;
    }

    /** Writes {@code finished}, unless the call has already ended. */
    synchronized void finished() throws IOException {
        if (ended) {
            return;
        }
        ended = true;
        write("finished");
    }

    /** Writes {@code failed: <what>} on one line, unless the call has already ended. */
    synchronized void failed(String what) {
        if (ended) {
            return;
        }
        ended = true;
        try {
            write("failed: " + what.replace('\n', ' ').replace('\r', ' '));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes {@code interrupted at ...}, unless the call has already ended.
     *
     * @return the line written, or null when the call had ended
     */
    synchronized String interrupted() {
        if (ended) {
            return null;
        }
        ended = true;
        HeadKind current = head;
        String line = current == null ? "interrupted between runs"
                : "interrupted at head " + current.commandLineName() + ", seed " + seed + ", epoch " + epoch + ", batch "
                        + batch;
        try {
            write(line);
        } catch (IOException | RuntimeException e) {
            // the process is going down: stderr is the last place to say it
            System.err.println("could not record '" + line + "' in " + file + ": " + e);
            return null;
        }
        return line;
    }

    /** A thread for {@link Runtime#addShutdownHook}: marks the call interrupted, then runs {@code afterwards}. */
    Thread shutdownHook(Runnable afterwards) {
        return new Thread(() -> {
            if (interrupted() != null) {
                afterwards.run();
            }
        }, "fashion-mnist-status-on-exit");
    }

    private void write(String line) throws IOException {
        RunStatus.replace(file, line);
    }
}
