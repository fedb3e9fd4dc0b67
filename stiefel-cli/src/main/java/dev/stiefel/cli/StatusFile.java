package dev.stiefel.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The state of a command's call in {@code status.txt} of its run folder, so that a folder left by
 * an interrupted or failed call says so: a first line from the start (running), then exactly one
 * end, {@code finished}, {@code failed: <reason>} or {@code interrupted ...} with the position the
 * subclass reports; the first end is kept.
 *
 * <p>Results (a run's files, an epoch's rows) are written through {@link #record}, under the same
 * lock as the status: on SIGINT or SIGTERM the training threads keep running while the shutdown
 * hook ({@link #shutdownHook}) writes {@code interrupted at ...}, so results could otherwise be
 * written after the status named the position in progress. With the lock, results are either
 * written before the status or not at all, and the hook waits for a write in progress.
 *
 * <p>The file is replaced atomically where the file system allows, so a reader never sees half a
 * line. Thread-safe.
 */
public abstract class StatusFile {

    /** Name of the status file in the run folder. */
    public static final String FILE_NAME = "status.txt";

    private final Path file;
    private boolean ended;

    /**
     * Writes {@code firstLine} to {@code status.txt} of {@code runFolder}.
     *
     * @throws IOException when it cannot be written
     */
    protected StatusFile(Path runFolder, String firstLine) throws IOException {
        this.file = runFolder.resolve(FILE_NAME);
        replace(file, firstLine);
    }

    /** The status file. */
    public Path file() {
        return file;
    }

    /** Writes results under a status's lock. */
    @FunctionalInterface
    public interface ResultWriter {
        /** Writes the results. */
        void write() throws IOException;
    }

    /**
     * Writes results of the position in progress, unless the call has ended (interrupted, failed
     * or finished), in which case nothing is written. Holds the status's lock while writing, so an
     * interruption waits for the results.
     *
     * @return whether they were written
     * @throws IOException from the writer
     */
    public synchronized boolean record(ResultWriter writer) throws IOException {
        if (ended) {
            return false;
        }
        writer.write();
        return true;
    }

    /** Writes {@code finished}, unless the call has already ended. */
    public synchronized void finished() throws IOException {
        if (ended) {
            return;
        }
        ended = true;
        replace(file, "finished");
    }

    /** Writes {@code failed: <what>}, the message on one line, unless the call has already ended. */
    public synchronized void failed(String what) {
        if (ended) {
            return;
        }
        ended = true;
        try {
            replace(file, "failed: " + what.replace('\n', ' ').replace('\r', ' '));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes the {@link #interruptionLine()}, unless the call has already ended (a signal after
     * {@link #finished} or {@link #failed} changes nothing).
     *
     * @return the line written, or null when the call had ended or the line could not be written
     */
    public synchronized String interrupted() {
        if (ended) {
            return null;
        }
        ended = true;
        String line = interruptionLine();
        try {
            replace(file, line);
        } catch (IOException | RuntimeException e) {
            // the process is going down: stderr is the last place to say it
            System.err.println("could not record '" + line + "' in " + file + ": " + e);
            return null;
        }
        return line;
    }

    /**
     * The line an interruption writes: {@code interrupted at <position in progress>}, or
     * {@code interrupted between runs}. Called under the status's lock.
     */
    protected abstract String interruptionLine();

    /**
     * A thread named {@code name} for {@link Runtime#addShutdownHook}: marks the call interrupted
     * and then runs {@code afterwards} (the command line ends its progress line there).
     */
    public Thread shutdownHook(String name, Runnable afterwards) {
        return new Thread(() -> {
            if (interrupted() != null) {
                afterwards.run();
            }
        }, name);
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
