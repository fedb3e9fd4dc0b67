package dev.stiefel.cli.ufm;

import dev.stiefel.etf.train.HeadKind;
import dev.stiefel.etf.train.NeuralCollapseSnapshot;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of the (head, seed) runs of one {@code ufm} call: on a terminal a progress bar
 * redrawn in place; otherwise (output to a log or a pipe) plain lines, at most one every
 * {@link #PLAIN_INTERVAL_SECONDS} seconds plus one when each run ends, without carriage
 * returns or ANSI escape sequences, e.g.
 * {@code UFM-10 implicit seed 2: iteration 400/2000, CE 0.0342, NC1 1.2e-04, 12 s elapsed}.
 * Called from the training threads; thread-safe.
 */
abstract class TrainingProgress implements AutoCloseable {

    /** Shortest time between two plain lines (the last evaluation of a run is always printed). */
    static final long PLAIN_INTERVAL_SECONDS = 5;

    /**
     * @param terminal whether the output is a terminal ({@code System.console() != null}):
     *     the progress bar there, plain lines otherwise
     * @param modelName the model's name, first on every line
     * @param totalSteps iterations of all runs together (the bar's length)
     * @param terminalOut where the bar draws
     * @param plainOut where the plain lines go
     */
    static TrainingProgress create(boolean terminal, String modelName, long totalSteps, PrintStream terminalOut,
            PrintWriter plainOut) {
        return terminal ? new Bar(modelName, totalSteps, terminalOut) : new PlainLines(modelName, plainOut, System::nanoTime);
    }

    /** Shows nothing ({@code --no-progress}). */
    static TrainingProgress none() {
        return new TrainingProgress() {
        };
    }

    /** One optimiser step of some run. */
    void step() {
    }

    /** A run's metrics at {@code snapshot.iteration()} of {@code iterations}. */
    void evaluated(HeadKind head, long seed, int iterations, NeuralCollapseSnapshot snapshot) {
    }

    /** Ends the display; the output continues on a fresh line. Safe to call more than once. */
    @Override
    public void close() {
    }

    /** The progressbar library's bar, redrawn with carriage returns: for terminals only. */
    private static final class Bar extends TrainingProgress {

        private final ProgressBar bar;
        private boolean closed;

        Bar(String modelName, long totalSteps, PrintStream out) {
            bar = new ProgressBarBuilder().setTaskName(modelName).setInitialMax(totalSteps).setStyle(ProgressBarStyle.ASCII)
                    .setUpdateIntervalMillis(500).setConsumer(new ConsoleProgressBarConsumer(out)).build();
        }

        @Override
        void step() {
            bar.step();
        }

        @Override
        void evaluated(HeadKind head, long seed, int iterations, NeuralCollapseSnapshot snapshot) {
            bar.setExtraMessage(String.format(Locale.ROOT, " %s seed %d: CE %.4f, NC1 %.3g",
                    head.commandLineName(), seed, snapshot.crossEntropy(), snapshot.nc1()));
        }

        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                bar.close();
            }
        }
    }

    /** One line per evaluation, at most every few seconds: for logs and pipes. */
    static final class PlainLines extends TrainingProgress {

        private final String modelName;
        private final PrintWriter out;
        private final LongSupplier clock;
        private final long start;
        private long lastLine;
        private boolean printedAny;

        /** @param clock nanoseconds, {@link System#nanoTime} or a test's clock */
        PlainLines(String modelName, PrintWriter out, LongSupplier clock) {
            this.modelName = modelName;
            this.out = out;
            this.clock = clock;
            this.start = clock.getAsLong();
        }

        @Override
        synchronized void evaluated(HeadKind head, long seed, int iterations, NeuralCollapseSnapshot snapshot) {
            long now = clock.getAsLong();
            boolean last = snapshot.iteration() >= iterations;
            if (!last && printedAny && now - lastLine < TimeUnit.SECONDS.toNanos(PLAIN_INTERVAL_SECONDS)) {
                return;
            }
            printedAny = true;
            lastLine = now;
            out.printf(Locale.ROOT, "%s %s seed %d: iteration %d/%d, CE %.4g, NC1 %.2g, %d s elapsed%n", modelName,
                    head.commandLineName(), seed, snapshot.iteration(), iterations, snapshot.crossEntropy(),
                    snapshot.nc1(), TimeUnit.NANOSECONDS.toSeconds(now - start));
            out.flush();
        }
    }
}
