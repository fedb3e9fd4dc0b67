package dev.stiefel.cli.ufm;

import dev.stiefel.etf.train.HeadKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The state of a run, kept in {@code status.txt} of its folder so that a folder left by an
 * interrupted or failed run says so: {@code running (process P)} from the start, then
 * {@code finished}, {@code failed: <reason>} or {@code interrupted at head H, seed S, iteration I}
 * (one entry per (head, seed) run in progress, separated by {@code ;}). A process killed outright
 * (SIGKILL, a power cut) cannot write anything: the next run in the same output folder, or
 * {@code ufm-compare} reading the folder, finds process P gone and writes
 * {@code stale: ...} instead ({@link #markStale}).
 *
 * <p>The results of a (head, seed) run are written through {@link #recordDone}, under the same
 * lock as the status: on SIGINT or SIGTERM the training threads keep running while the shutdown
 * hook writes {@code interrupted at ...}, so a run could otherwise finish and write its CSVs after
 * the status named it in progress (its iteration then lagging the CSV's last row). With the lock,
 * a run's files are either written before the status (and the run is no longer listed) or not at
 * all.
 *
 * <p>{@link #interrupted()} is what the shutdown hook ({@link #shutdownHook}) runs on SIGINT
 * or SIGTERM; it is public so that it can be exercised without a signal. The file is replaced
 * atomically where the file system allows, so a reader never sees half a line. Thread-safe: the
 * training threads report progress while the hook may read it.
 */
public final class RunStatus {

    /** Name of the status file in the run folder. */
    public static final String FILE_NAME = "status.txt";

    private final Path file;
    /** "head H, seed S" of the runs in progress, in a stable order, to the iteration each is in. */
    private final Map<String, AtomicInteger> inProgress = new ConcurrentSkipListMap<>();
    private volatile boolean ended;

    /** The start of the status of a run in progress; the process id follows. */
    static final String RUNNING = "running (process ";

    /** Writes {@code running (process P)}, P this process's id. */
    public RunStatus(Path runFolder) throws IOException {
        this.file = runFolder.resolve(FILE_NAME);
        write(RUNNING + ProcessHandle.current().pid() + ")");
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

    /** The status file. */
    public Path file() {
        return file;
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

    /** Writes results (a run's files, an epoch's rows) under a status's lock. */
    @FunctionalInterface
    public interface ResultWriter {
        /** Writes the results. */
        void write() throws IOException;
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
    public synchronized boolean recordDone(HeadKind head, long seed, ResultWriter writer) throws IOException {
        if (ended) {
            return false;
        }
        writer.write();
        inProgress.remove(key(head, seed));
        return true;
    }

    /** Writes {@code finished}, unless the run has already ended (the first end is kept). */
    public synchronized void finished() throws IOException {
        if (ended) {
            return;
        }
        ended = true;
        write("finished");
    }

    /** Writes {@code failed: <what>}, the message on one line, unless the run has already ended. */
    public synchronized void failed(String what) {
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
     * Writes {@code interrupted at ...} with the runs in progress, unless the run has already
     * ended (a signal after {@link #finished} or {@link #failed} changes nothing).
     *
     * @return the line written, or null when the run had ended
     */
    public synchronized String interrupted() {
        if (ended) {
            return null;
        }
        ended = true;
        StringJoiner where = new StringJoiner("; ");
        for (Map.Entry<String, AtomicInteger> entry : inProgress.entrySet()) {
            where.add(entry.getKey() + ", iteration " + entry.getValue().get());
        }
        String line = inProgress.isEmpty() ? "interrupted between runs" : "interrupted at " + where;
        try {
            write(line);
        } catch (IOException | RuntimeException e) {
            // the process is going down: stderr is the last place to say it
            System.err.println("could not record '" + line + "' in " + file + ": " + e);
            return null;
        }
        return line;
    }

    /**
     * A thread for {@link Runtime#addShutdownHook}: marks the run interrupted and runs
     * {@code afterwards} (the command line ends its progress line there).
     */
    public Thread shutdownHook(Runnable afterwards) {
        return new Thread(() -> {
            if (interrupted() != null) {
                afterwards.run();
            }
        }, "ufm-status-on-exit");
    }

    private static String key(HeadKind head, long seed) {
        return "head " + head.commandLineName() + ", seed " + seed;
    }

    private void write(String line) throws IOException {
        replace(file, line);
    }

    /**
     * Replaces a status file's content by {@code line}, atomically where the file system allows,
     * so that a reader never sees half a line.
     *
     * @param file the status file
     * @param line its new content, without the line break
     * @throws IOException when it cannot be written
     */
    public static void replace(Path file, String line) throws IOException {
        Path temporary = file.resolveSibling(FILE_NAME + ".tmp");
        Files.writeString(temporary, line + "\n", StandardCharsets.UTF_8);
        try {
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException notAtomic) {
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
