package dev.stiefel.solver;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Objects;

/**
 * An {@link IterationListener} that prints one line per iteration to a stream the caller
 * supplies, as pymanopt's and Manopt's {@code verbosity = 2} do: iteration, cost, gradient norm,
 * step length, trust-region radius (trust regions) and inner iterations (truncated-CG steps or
 * line-search cost evaluations), with a header before iteration 0.
 * <pre>{@code
 *   new TrustRegions<>(TrustRegionsOptions.defaults(), IterationPrinter.to(System.out))
 * }</pre>
 * Library code never prints by itself; output appears only where a user passes a stream.
 * Formatting allocates; use it for interactive runs, not inside allocation-measured loops.
 *
 * @param <P> point type
 */
public final class IterationPrinter<P> implements IterationListener<P> {

    private final PrintStream out;
    private final int every;

    private IterationPrinter(PrintStream out, int every) {
        this.out = Objects.requireNonNull(out, "out");
        if (every < 1) {
            throw new IllegalArgumentException("every must be >= 1, got " + every);
        }
        this.every = every;
    }

    /** Prints every iteration to {@code out}. */
    public static <P> IterationPrinter<P> to(PrintStream out) {
        return new IterationPrinter<>(out, 1);
    }

    /** Prints iteration 0 and every {@code every}-th iteration to {@code out}. */
    public static <P> IterationPrinter<P> to(PrintStream out, int every) {
        return new IterationPrinter<>(out, every);
    }

    /** The column header printed before iteration 0. */
    public static String header() {
        return String.format(Locale.ROOT, "%6s  %23s  %11s  %11s  %11s  %6s  %9s", "iter", "cost", "|grad|", "step",
                "radius", "inner", "time [s]");
    }

    /** One formatted row, as printed. */
    public static String row(int iteration, double cost, double gradientNorm, double stepSize, double trustRadius,
            int innerIterations, double elapsedSeconds) {
        return String.format(Locale.ROOT, "%6d  %+23.16e  %11.5e  %11.5e  %11.5e  %6d  %9.3f", iteration, cost,
                gradientNorm, stepSize, trustRadius, innerIterations, elapsedSeconds)
                .replace("NaN", "  -");
    }

    /** Prints the header at iteration 0 and the row of every {@code every}-th iteration. */
    @Override
    public void onIteration(IterationState<P> state) {
        int iteration = state.iteration();
        if (iteration == 0) {
            out.println(header());
        }
        if (iteration % every == 0) {
            out.println(row(iteration, state.cost(), state.gradientNorm(), state.stepSize(), state.trustRadius(),
                    state.innerIterations(), state.elapsedSeconds()));
        }
    }
}
