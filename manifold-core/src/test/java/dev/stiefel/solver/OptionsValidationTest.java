package dev.stiefel.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Option records reject bad values with a message naming the field, and keep their defaults. */
class OptionsValidationTest {

    private static void rejects(String field, Runnable construction) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, construction::run);
        assertTrue(e.getMessage().contains(field), e.getMessage());
    }

    @Test
    void stoppingCriteriaDefaultsAndValidation() {
        StoppingCriteria d = StoppingCriteria.defaults();
        assertEquals(1000, d.maxIterations());
        assertEquals(1e-6, d.minGradientNorm());
        assertEquals(Double.POSITIVE_INFINITY, d.maxTimeSeconds());
        assertEquals(0.0, d.minCostChange());
        assertEquals(1e-10, d.minStepSize());
        rejects("maxIterations", () -> d.withMaxIterations(-1));
        rejects("minGradientNorm", () -> d.withMinGradientNorm(Double.NaN));
        rejects("maxTimeSeconds", () -> d.withMaxTimeSeconds(0));
        rejects("minCostChange", () -> d.withMinCostChange(-1));
        rejects("minStepSize", () -> d.withMinStepSize(-1e-3));
    }

    @Test
    void stoppingCriteriaOrderAndNaNSemantics() {
        StoppingCriteria s = StoppingCriteria.defaults().withMinCostChange(1e-12).withMaxIterations(10)
                .withMaxTimeSeconds(5);
        assertEquals(StopReason.GRADIENT_NORM, s.check(10, 10, 1e-9, 0, 0));
        assertEquals(StopReason.STEP_SIZE, s.check(10, 10, 1, 0, 1e-11));
        assertEquals(StopReason.COST_CHANGE, s.check(10, 10, 1, 1e-13, 1));
        assertEquals(StopReason.MAX_ITERATIONS, s.check(10, 10, 1, Double.NaN, Double.NaN));
        assertEquals(StopReason.MAX_TIME, s.check(3, 10, 1, Double.NaN, Double.NaN));
        assertEquals(null, s.check(3, 1, 1, Double.NaN, Double.NaN));
    }

    @Test
    void trustRegionsDefaultsAndValidation() {
        TrustRegionsOptions d = TrustRegionsOptions.defaults();
        assertTrue(Double.isNaN(d.maximalRadius()));
        assertTrue(Double.isNaN(d.initialRadius()));
        assertEquals(0.1, d.acceptanceRatio());
        assertEquals(0.1, d.kappa());
        assertEquals(1.0, d.theta());
        assertEquals(1e3, d.rhoRegularization());
        assertEquals(1, d.minInnerIterations());
        assertEquals(0, d.maxInnerIterations());
        rejects("maximalRadius", () -> d.withMaximalRadius(-1));
        rejects("initialRadius", () -> d.withInitialRadius(Double.POSITIVE_INFINITY));
        rejects("acceptanceRatio", () -> d.withAcceptanceRatio(0.3));
        rejects("kappa", () -> d.withKappa(1));
        rejects("theta", () -> d.withTheta(-1));
        rejects("inner iteration", () -> d.withMaxInnerIterations(-2));
        rejects("minInnerIterations (6) must not exceed maxInnerIterations (5)",
                () -> d.withMaxInnerIterations(5).withMinInnerIterations(6));
        rejects("minInnerIterations (6) must not exceed maxInnerIterations (5)",
                () -> d.withMinInnerIterations(6).withMaxInnerIterations(5));
        assertEquals(6, d.withMinInnerIterations(6).minInnerIterations());
        rejects("pointTolerance", () -> d.withPointTolerance(0));
    }

    @Test
    void lineSearchAndConjugateGradientValidation() {
        rejects("contractionFactor", () -> new ArmijoBacktracking.Parameters(1, 1e-4, 25, 1, 2, 1e6));
        rejects("sufficientDecrease", () -> new ArmijoBacktracking.Parameters(0.5, 0, 25, 1, 2, 1e6));
        rejects("maxSteps", () -> new AdaptiveLineSearch.Parameters(0.5, 0.5, 0, 1, 1e6));
        rejects("initialStepSize", () -> new AdaptiveLineSearch.Parameters(0.5, 0.5, 10, -1, 1e6));
        rejects("powellRestartThreshold", () -> ConjugateGradientOptions.defaults().withPowellRestartThreshold(0));
        assertEquals(ConjugateGradient.BetaRule.HESTENES_STIEFEL, ConjugateGradientOptions.defaults().betaRule());
    }
}
