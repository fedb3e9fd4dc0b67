package dev.stiefel.cli.fashion;

import dev.stiefel.etf.train.HeadKind;
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
 * Progress of the runs of one {@code fashion-mnist} call: on a terminal a progress bar redrawn in
 * place; otherwise (a log or a pipe) plain lines without carriage returns or escape sequences, at
 * most one every {@link #PLAIN_INTERVAL_SECONDS} seconds while an epoch trains, e.g.
 * {@code implicit seed 2: epoch 3/5, batch 120/468, loss 0.4512, 1 min 10 s elapsed}, and one
 * line at the end of every epoch with its measurements.
 */
abstract class EpochProgress implements AutoCloseable {

    /** Shortest time between two plain lines during an epoch. */
    static final long PLAIN_INTERVAL_SECONDS = 5;

    /**
     * @param terminal whether standard error is a terminal: the bar there, plain lines otherwise
     * @param totalBatches training batches of all runs together (the bar's length)
     */
    static EpochProgress create(boolean terminal, long totalBatches, PrintStream terminalOut, PrintWriter plainOut) {
        return terminal ? new Bar(totalBatches, terminalOut) : new PlainLines(plainOut, System::nanoTime);
    }

    /** Shows nothing ({@code --no-progress}). */
    static EpochProgress none() {
        return new EpochProgress() {
        };
    }

    /** One training batch of a run. */
    void batch(HeadKind head, long seed, int epoch, int epochs, int batch, int batches, double loss) {
    }

    /** A run's epoch has ended. */
    void epoch(HeadKind head, long seed, int epochs, EpochRecord record) {
    }

    /** Ends the display; safe to call more than once. */
    @Override
    public void close() {
    }

    static String describe(HeadKind head, long seed, int epochs, EpochRecord r) {
        return String.format(Locale.ROOT, "%s seed %d epoch %d/%d: train acc %.4f loss %.4f, test acc %.4f loss %.4f,"
                + " %.1f s%s", head.commandLineName(), seed, r.epoch(), epochs, r.trainAccuracy(), r.trainLoss(),
                r.testAccuracy(), r.testLoss(), r.trainSeconds(),
                Double.isNaN(r.nc1()) ? "" : String.format(Locale.ROOT, ", NC1 %.3g NC3 %.3g", r.nc1(), r.nc3()));
    }

    /** The progressbar library's bar, for terminals only. */
    private static final class Bar extends EpochProgress {
        private final ProgressBar bar;
        private boolean closed;

        Bar(long totalBatches, PrintStream out) {
            bar = new ProgressBarBuilder().setTaskName("fashion-mnist").setInitialMax(totalBatches)
                    .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500)
                    .setConsumer(new ConsoleProgressBarConsumer(out)).build();
        }

        @Override
        void batch(HeadKind head, long seed, int epoch, int epochs, int batch, int batches, double loss) {
            bar.step();
        }

        @Override
        void epoch(HeadKind head, long seed, int epochs, EpochRecord record) {
            bar.setExtraMessage(" " + describe(head, seed, epochs, record));
        }

        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                bar.close();
            }
        }
    }

    /** Plain lines, for logs and pipes. */
    static final class PlainLines extends EpochProgress {
        private final PrintWriter out;
        private final LongSupplier clock;
        private final long start;
        private long lastLine;

        /** @param clock nanoseconds, {@link System#nanoTime} or a test's clock */
        PlainLines(PrintWriter out, LongSupplier clock) {
            this.out = out;
            this.clock = clock;
            this.start = clock.getAsLong();
            this.lastLine = start;
        }

        @Override
        synchronized void batch(HeadKind head, long seed, int epoch, int epochs, int batch, int batches, double loss) {
            long now = clock.getAsLong();
            if (now - lastLine < TimeUnit.SECONDS.toNanos(PLAIN_INTERVAL_SECONDS)) {
                return;
            }
            lastLine = now;
            out.printf(Locale.ROOT, "%s seed %d: epoch %d/%d, batch %d/%d, loss %.4f, %s elapsed%n",
                    head.commandLineName(), seed, epoch, epochs, batch, batches, loss,
                    FashionMnistCommand.duration(TimeUnit.NANOSECONDS.toSeconds(now - start)));
            out.flush();
        }

        @Override
        synchronized void epoch(HeadKind head, long seed, int epochs, EpochRecord record) {
            lastLine = clock.getAsLong();
            out.println(describe(head, seed, epochs, record));
            out.flush();
        }
    }
}
