package dev.stiefel.solver;

import java.util.Objects;

/**
 * Options of {@link ConjugateGradient}; defaults are pymanopt's {@code ConjugateGradient}.
 *
 * @param stopping stopping criteria; default {@link StoppingCriteria#defaults()}
 * @param betaRule the conjugate-gradient update; default {@link ConjugateGradient.BetaRule#HESTENES_STIEFEL}
 * @param powellRestartThreshold restart with the negative gradient when
 *     {@code |<T(grad_old), grad_new>| / ||grad_new||^2} reaches this (Powell 1977; 0.1 is the
 *     classical value); default {@code +inf} (never)
 * @param pointTolerance tolerance of the start-point check; default 1e-8
 * @param recordHistory keep the per-iteration history in the result; default true
 */
public record ConjugateGradientOptions(
        StoppingCriteria stopping,
        ConjugateGradient.BetaRule betaRule,
        double powellRestartThreshold,
        double pointTolerance,
        boolean recordHistory) {

    public ConjugateGradientOptions {
        Objects.requireNonNull(stopping, "stopping");
        Objects.requireNonNull(betaRule, "betaRule");
        if (!(powellRestartThreshold > 0)) {
            throw new IllegalArgumentException("powellRestartThreshold must be > 0 (+inf disables it), got "
                    + powellRestartThreshold);
        }
        if (!(pointTolerance > 0)) {
            throw new IllegalArgumentException("pointTolerance must be > 0, got " + pointTolerance);
        }
    }

    /** The documented defaults. */
    public static ConjugateGradientOptions defaults() {
        return new ConjugateGradientOptions(StoppingCriteria.defaults(), ConjugateGradient.BetaRule.HESTENES_STIEFEL,
                Double.POSITIVE_INFINITY, 1e-8, true);
    }

    public ConjugateGradientOptions withStopping(StoppingCriteria value) {
        return new ConjugateGradientOptions(value, betaRule, powellRestartThreshold, pointTolerance, recordHistory);
    }

    public ConjugateGradientOptions withBetaRule(ConjugateGradient.BetaRule value) {
        return new ConjugateGradientOptions(stopping, value, powellRestartThreshold, pointTolerance, recordHistory);
    }

    public ConjugateGradientOptions withPowellRestartThreshold(double value) {
        return new ConjugateGradientOptions(stopping, betaRule, value, pointTolerance, recordHistory);
    }

    public ConjugateGradientOptions withPointTolerance(double value) {
        return new ConjugateGradientOptions(stopping, betaRule, powellRestartThreshold, value, recordHistory);
    }

    public ConjugateGradientOptions withRecordHistory(boolean value) {
        return new ConjugateGradientOptions(stopping, betaRule, powellRestartThreshold, pointTolerance, value);
    }
}
