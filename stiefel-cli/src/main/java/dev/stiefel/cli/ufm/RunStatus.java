package dev.stiefel.cli.ufm;

import dev.stiefel.cli.StatusFile;
import dev.stiefel.etf.train.HeadKind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The state of a {@code ufm} call in {@code status.txt} of its run folder ({@link StatusFile}):
 * {@code running (process P)} from the start, then {@code finished}, {@code failed: <reason>} or
 * {@code interrupted at head H, seed S, iteration I} (one entry per (head, seed) run in progress,
 * separated by {@code ;}). A process killed outright (SIGKILL, a power cut) cannot write
 * anything: the next run in the same output folder, or {@code ufm-compare} reading the folder,
 * finds process P gone and writes {@code stale: ...} instead ({@link #markStale}).
 *
 * <p>The results of a (head, seed) run are written through {@link #recordDone}, under the
 * status's lock: a run's files are either written before the status (and the run is no longer
 * listed) or not at all. {@link #interrupted()} is what the shutdown hook runs on SIGINT or
 * SIGTERM; it is public so that it can be exercised without a signal. Thread-safe: the training
 * threads report progress while the hook may read it.
 */
public final class RunStatus extends StatusFile {

    /** "head H, seed S" of the runs in progress, in a stable order, to the iteration each is in. */
    private final Map<String, AtomicInteger> inProgress = new ConcurrentSkipListMap<>();

    /** The start of the status of a run in progress; the process id follows. */
    static final String RUNNING = "running (process ";

    /** Writes {@code running (process P)}, P this process's id. */
    public RunStatus(Path runFolder) throws IOException {
        super(runFolder, RUNNING + ProcessHandle.current().pid() + ")");
    }

    /**
     * Rewrites the status of every run folder under {@code out} whose status says it is running
     * in a process that no longer exists: such a run was killed without a chance to say so.
     *
     * @param out a folder of run folders ({@code run-001}, ...)
     * @return the run folders marked stale
     * @throws IOException when a status file cannot be read or written
     */
    public static java.util.List<Path> markStale(Path out) throws IOException {
        java.util.List<Path> marked = new java.util.ArrayList<>();
        if (!Files.isDirectory(out)) {
            return marked;
        }
        try (java.util.stream.Stream<Path> folders = Files.list(out)) {
            for (Path folder : (Iterable<Path>) folders.sorted()::iterator) {
                if (markStaleFolder(folder)) {
                    marked.add(folder);
                }
            }
        }
        return marked;
    }

    /**
     * Marks one run folder stale if its status says running in a process that is gone.
     *
     * @param runFolder a run folder
     * @return whether it was marked
     * @throws IOException when its status file cannot be read or written
     */
    public static boolean markStaleFolder(Path runFolder) throws IOException {
        Path status = runFolder.resolve(FILE_NAME);
        if (!Files.isRegularFile(status)) {
            return false;
        }
        String line = Files.readString(status, StandardCharsets.UTF_8).strip();
        if (!line.startsWith(RUNNING) || !line.endsWith(")")) {
            return false;
        }
        long pid;
        try {
            pid = Long.parseLong(line.substring(RUNNING.length(), line.length() - 1));
        } catch (NumberFormatException e) {
            return false;
        }
        if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            return false;
        }
        replace(status, "stale: process " + pid + " that ran it is gone without a word (killed, or the machine"
                + " stopped); the CSVs hold the (head, seed) runs it finished");
        return true;
    }

    /**
     * A (head, seed) run has started.
     *
     * @return its iteration in progress (0 until the first step), for the run to update
     *     without allocating
     */
    public AtomicInteger started(HeadKind head, long seed) {
        AtomicInteger iteration = new AtomicInteger();
        inProgress.put(key(head, seed), iteration);
        return iteration;
    }

    /**
     * A (head, seed) run has ended: writes its files and takes it off the runs in progress, unless
     * the call has ended (interrupted, failed or finished), in which case nothing is written.
     * Holds the status's lock while writing, so an interruption waits for the files.
     *
     * @param writer writes the run's files
     * @return whether the files were written
     * @throws IOException from the writer
     */
    public boolean recordDone(HeadKind head, long seed, ResultWriter writer) throws IOException {
        return record(() -> {
            writer.write();
            inProgress.remove(key(head, seed));
        });
    }

    @Override
    protected String interruptionLine() {
        StringJoiner where = new StringJoiner("; ");
        for (Map.Entry<String, AtomicInteger> entry : inProgress.entrySet()) {
            where.add(entry.getKey() + ", iteration " + entry.getValue().get());
        }
        return inProgress.isEmpty() ? "interrupted between runs" : "interrupted at " + where;
    }

    /** A thread for {@link Runtime#addShutdownHook}: marks the run interrupted and runs {@code afterwards}. */
    public Thread shutdownHook(Runnable afterwards) {
        return shutdownHook("ufm-status-on-exit", afterwards);
    }

    private static String key(HeadKind head, long seed) {
        return "head " + head.commandLineName() + ", seed " + seed;
    }
}
