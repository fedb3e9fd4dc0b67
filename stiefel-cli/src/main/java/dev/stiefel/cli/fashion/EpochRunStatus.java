package dev.stiefel.cli.fashion;

import dev.stiefel.cli.StatusFile;
import dev.stiefel.etf.train.HeadKind;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The state of a {@code fashion-mnist} call in {@code status.txt} of its run folder
 * ({@link StatusFile}): {@code running} from the start, then {@code finished},
 * {@code failed: <reason>} or {@code interrupted at head H, seed S, epoch E, batch K} (the runs go
 * one after another, so one position is in progress at a time). Per-epoch results are written
 * through {@link #record}, under the status's lock, so that no row is written after the status
 * says where the call was interrupted. Thread-safe: the training thread reports its position
 * while a shutdown hook may read it.
 */
final class EpochRunStatus extends StatusFile {

    private volatile HeadKind head;
    private volatile long seed;
    private volatile int epoch;
    private volatile int batch;

    /** Writes {@code running}. */
    EpochRunStatus(Path runFolder) throws IOException {
        super(runFolder, "running");
    }

    /** The position in progress: a run of this head and seed, at this epoch and batch (1-based; 0 before the first). */
    void at(HeadKind runHead, long runSeed, int runEpoch, int runBatch) {
        this.head = runHead;
        this.seed = runSeed;
        this.epoch = runEpoch;
        this.batch = runBatch;
    }

    /** Between runs (the last run's files are written). */
    void betweenRuns() {
        this.head = null;
    }

    @Override
    protected String interruptionLine() {
        HeadKind current = head;
        return current == null ? "interrupted between runs"
                : "interrupted at head " + current.commandLineName() + ", seed " + seed + ", epoch " + epoch + ", batch "
                        + batch;
    }

    /** A thread for {@link Runtime#addShutdownHook}: marks the call interrupted, then runs {@code afterwards}. */
    Thread shutdownHook(Runnable afterwards) {
        return shutdownHook("fashion-mnist-status-on-exit", afterwards);
    }
}
