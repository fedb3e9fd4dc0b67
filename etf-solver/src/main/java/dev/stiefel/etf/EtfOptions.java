package dev.stiefel.etf;

import dev.stiefel.ddn.BackwardMethod;
import dev.stiefel.solver.StoppingCriteria;

/**
 * Options of the nearest-ETF solver, its state across training steps and the implicit ETF head
 * ({@code docs/mathematics.md} sections 1-5). Immutable; {@link #defaults()} gives the paper's
 * values and the {@code withX} methods return modified copies.
 *
 * @param delta proximal weight of problem (7), {@code > 0}; default {@code 1e-3} (paper). It
 *     bounds the smallest singular value of {@code G} and hence the conditioning of the
 *     closed form and of the backward pass
 * @param tau feature temperature: features are rescaled to norm {@code tau}; default {@code 5}
 * @param emaFloor lower bound of the EMA rate {@code a_t = max(2/(t+1), emaFloor)}, in
 *     {@code (0, 1]}; default {@code 1e-4}
 * @param start start point of the very first solve; default {@link EtfStart#CANONICAL}
 * @param seed seed of the Haar start; default {@code 0}
 * @param method solver of problems (6) and (7); default {@link EtfSolverMethod#CLOSED_FORM}
 * @param solverStopping stopping criteria of the Riemannian solvers (not used by the closed
 *     form); default {@link StoppingCriteria#defaults()} with at most {@code 1000} iterations
 *     and Riemannian gradient norm {@code 1e-12}: the Riemannian Hessian's smallest eigenvalue
 *     is about {@code delta}, so the distance to the exact solution is about
 *     {@code tolerance / delta}, {@code 1e-9} at the defaults
 * @param backwardMethod how the head differentiates the solution; default
 *     {@link BackwardMethod#CLOSED_FORM}
 * @param backwardMode which paths the head's backward follows; default {@link BackwardMode#FULL}
 * @param recordHistory whether Riemannian solves keep their per-iteration history in
 *     {@link EtfSolveResult#history()}; default false (a training step then allocates nothing
 *     that grows with the iterations)
 */
public record EtfOptions(
        double delta,
        double tau,
        double emaFloor,
        EtfStart start,
        long seed,
        EtfSolverMethod method,
        StoppingCriteria solverStopping,
        BackwardMethod backwardMethod,
        BackwardMode backwardMode,
        boolean recordHistory) {

    /** Default proximal weight (paper). */
    public static final double DEFAULT_DELTA = 1e-3;
    /** Default temperature (paper Section 4). */
    public static final double DEFAULT_TAU = 5.0;
    /** Default floor of the EMA rate (authors' code). */
    public static final double DEFAULT_EMA_FLOOR = 1e-4;
    /** Default iteration cap of the Riemannian solvers. */
    public static final int DEFAULT_SOLVER_MAX_ITERATIONS = 1000;
    /** Default Riemannian gradient-norm tolerance of the Riemannian solvers. */
    public static final double DEFAULT_SOLVER_GRADIENT_TOLERANCE = 1e-12;

    /**
     * Validates every field.
     *
     * @throws IllegalArgumentException naming the offending option
     */
    public EtfOptions {
        if (!(delta > 0) || !Double.isFinite(delta)) {
            throw new IllegalArgumentException("delta must be finite and > 0 (problem (7) is ill-posed otherwise), got "
                    + delta);
        }
        if (!(tau > 0) || !Double.isFinite(tau)) {
            throw new IllegalArgumentException("tau must be finite and > 0, got " + tau);
        }
        if (!(emaFloor > 0) || emaFloor > 1) {
            throw new IllegalArgumentException("emaFloor must be in (0, 1], got " + emaFloor);
        }
        if (start == null || method == null || backwardMethod == null || backwardMode == null) {
            throw new IllegalArgumentException("start, method, backwardMethod and backwardMode must not be null");
        }
        if (solverStopping == null) {
            throw new IllegalArgumentException("solverStopping must not be null");
        }
    }

    /** The documented defaults. */
    public static EtfOptions defaults() {
        return new EtfOptions(DEFAULT_DELTA, DEFAULT_TAU, DEFAULT_EMA_FLOOR, EtfStart.CANONICAL, 0L,
                EtfSolverMethod.CLOSED_FORM, StoppingCriteria.defaults().withMaxIterations(DEFAULT_SOLVER_MAX_ITERATIONS)
                        .withMinGradientNorm(DEFAULT_SOLVER_GRADIENT_TOLERANCE),
                BackwardMethod.CLOSED_FORM, BackwardMode.FULL, false);
    }

    /** Iteration cap of the Riemannian solvers ({@code solverStopping().maxIterations()}). */
    public int solverMaxIterations() {
        return solverStopping.maxIterations();
    }

    /** Gradient-norm tolerance of the Riemannian solvers ({@code solverStopping().minGradientNorm()}). */
    public double solverGradientTolerance() {
        return solverStopping.minGradientNorm();
    }

    public EtfOptions withDelta(double value) {
        return new EtfOptions(value, tau, emaFloor, start, seed, method, solverStopping, backwardMethod,
                backwardMode, recordHistory);
    }

    public EtfOptions withTau(double value) {
        return new EtfOptions(delta, value, emaFloor, start, seed, method, solverStopping, backwardMethod,
                backwardMode, recordHistory);
    }

    public EtfOptions withEmaFloor(double value) {
        return new EtfOptions(delta, tau, value, start, seed, method, solverStopping, backwardMethod, backwardMode,
                recordHistory);
    }

    /** Start of the first solve; {@code seed} is used by {@link EtfStart#HAAR}. */
    public EtfOptions withStart(EtfStart value, long seedValue) {
        return new EtfOptions(delta, tau, emaFloor, value, seedValue, method, solverStopping, backwardMethod,
                backwardMode, recordHistory);
    }

    public EtfOptions withMethod(EtfSolverMethod value) {
        return new EtfOptions(delta, tau, emaFloor, start, seed, value, solverStopping, backwardMethod, backwardMode,
                recordHistory);
    }

    public EtfOptions withSolverStopping(StoppingCriteria value) {
        return new EtfOptions(delta, tau, emaFloor, start, seed, method, value, backwardMethod, backwardMode,
                recordHistory);
    }

    /** Stopping of the Riemannian solvers with the given iteration cap and gradient-norm tolerance. */
    public EtfOptions withSolverStopping(int maxIterations, double gradientTolerance) {
        if (maxIterations < 1 || !(gradientTolerance > 0)) {
            throw new IllegalArgumentException("solver stopping needs maxIterations >= 1 and gradientTolerance > 0, got "
                    + maxIterations + ", " + gradientTolerance);
        }
        return withSolverStopping(solverStopping.withMaxIterations(maxIterations).withMinGradientNorm(gradientTolerance));
    }

    public EtfOptions withBackwardMethod(BackwardMethod value) {
        return new EtfOptions(delta, tau, emaFloor, start, seed, method, solverStopping, value, backwardMode,
                recordHistory);
    }

    public EtfOptions withRecordHistory(boolean value) {
        return new EtfOptions(delta, tau, emaFloor, start, seed, method, solverStopping, backwardMethod, backwardMode,
                value);
    }

    public EtfOptions withBackwardMode(BackwardMode value) {
        return new EtfOptions(delta, tau, emaFloor, start, seed, method, solverStopping, backwardMethod, value,
                recordHistory);
    }
}
