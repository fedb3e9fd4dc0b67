package dev.stiefel.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.problem.ArrayRayleighQuotient;
import dev.stiefel.problem.Problem;
import java.util.Random;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The single stopping criteria, their combination, {@link StoppingCriteria} as the same
 * combination, a criterion of the user's own and a listener that stops the run.
 */
class StoppingCriterionTest {

    private static final int N = 20;

    private static IterationState<Object> state(int iteration, double elapsed, double gradientNorm,
            double costDecrease, double stepSize) {
        IterationState<Object> state = new IterationState<>();
        state.iteration = iteration;
        state.elapsedSeconds = elapsed;
        state.gradientNorm = gradientNorm;
        state.costDecrease = costDecrease;
        state.stepSize = stepSize;
        return state;
    }

    @Test
    void singleCriteriaHoldStrictlyBeyondTheirThresholdAndNeverOnNaN() {
        assertEquals(StopReason.MAX_ITERATIONS, new StoppingCriterion.MaxIterations(5).stopReason(state(5, 0, 1, 1, 1)));
        assertNull(new StoppingCriterion.MaxIterations(5).stopReason(state(4, 0, 1, 1, 1)));
        assertEquals(StopReason.MAX_TIME, new StoppingCriterion.MaxTime(2).stopReason(state(1, 2.5, 1, 1, 1)));
        assertNull(new StoppingCriterion.MaxTime(2).stopReason(state(1, 2, 1, 1, 1)));
        assertEquals(StopReason.GRADIENT_NORM,
                new StoppingCriterion.MinGradientNorm(1e-6).stopReason(state(1, 0, 9e-7, 1, 1)));
        assertNull(new StoppingCriterion.MinGradientNorm(1e-6).stopReason(state(1, 0, 1e-6, 1, 1)));
        assertNull(new StoppingCriterion.MinGradientNorm(1e-6).stopReason(state(1, 0, Double.NaN, 1, 1)));
        assertEquals(StopReason.STEP_SIZE, new StoppingCriterion.MinStepSize(1e-10).stopReason(state(1, 0, 1, 1, 0)));
        assertNull(new StoppingCriterion.MinStepSize(1e-10).stopReason(state(1, 0, 1, 1, Double.NaN)));
        assertEquals(StopReason.COST_CHANGE,
                new StoppingCriterion.MinCostChange(1e-9).stopReason(state(1, 0, 1, -1e-10, 1)));
        assertNull(new StoppingCriterion.MinCostChange(1e-9).stopReason(state(1, 0, 1, Double.NaN, 1)));
        assertNull(StoppingCriterion.never().stopReason(state(Integer.MAX_VALUE, 1e300, 0, 0, 0)));
    }

    @Test
    void singleCriteriaRejectMeaninglessThresholds() {
        assertThrows(IllegalArgumentException.class, () -> new StoppingCriterion.MaxIterations(-1));
        assertThrows(IllegalArgumentException.class, () -> new StoppingCriterion.MaxTime(0));
        assertThrows(IllegalArgumentException.class, () -> new StoppingCriterion.MinGradientNorm(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> new StoppingCriterion.MinStepSize(-1));
        assertThrows(IllegalArgumentException.class, () -> new StoppingCriterion.MinCostChange(-1));
        assertThrows(IllegalArgumentException.class, StoppingCriterion::anyOf);
        assertThrows(IllegalArgumentException.class,
                () -> StoppingCriterion.anyOf(new StoppingCriterion.MaxIterations(1), null));
    }

    @Test
    void anyOfAnswersTheFirstThatHoldsAndTheSmallestIterationLimit() {
        StoppingCriterion gradientThenIterations = StoppingCriterion.anyOf(
                new StoppingCriterion.MinGradientNorm(1e-3), new StoppingCriterion.MaxIterations(10));
        StoppingCriterion iterationsThenGradient = new StoppingCriterion.MaxIterations(10)
                .or(new StoppingCriterion.MinGradientNorm(1e-3));
        IterationState<Object> both = state(10, 0, 1e-4, 1, 1);
        assertEquals(StopReason.GRADIENT_NORM, gradientThenIterations.stopReason(both));
        assertEquals(StopReason.MAX_ITERATIONS, iterationsThenGradient.stopReason(both));
        assertNull(gradientThenIterations.stopReason(state(9, 0, 1, 1, 1)));
        assertEquals(10, gradientThenIterations.iterationLimit());
        assertEquals(7, StoppingCriterion.anyOf(new StoppingCriterion.MaxIterations(12), StoppingCriterion.never(),
                new StoppingCriterion.MaxIterations(7)).iterationLimit());
        assertEquals(Integer.MAX_VALUE, StoppingCriterion.never().iterationLimit());
    }

    /** Two implementations of the same rules agree on a grid around every threshold. */
    @Test
    void stoppingCriteriaAgreeWithTheirSingleCriteria() {
        StoppingCriteria criteria = StoppingCriteria.defaults().withMinCostChange(1e-9).withMaxIterations(10)
                .withMaxTimeSeconds(5);
        StoppingCriterion combined = criteria.asCriteria();
        double[] gradients = {Double.NaN, 1e-7, 1e-6, 1};
        double[] decreases = {Double.NaN, -1e-10, 1e-9, 1};
        double[] steps = {Double.NaN, 0, 1e-10, 1};
        int checked = 0;
        for (int iteration : new int[] {0, 9, 10}) {
            for (double elapsed : new double[] {0, 5, 6}) {
                for (double gradient : gradients) {
                    for (double decrease : decreases) {
                        for (double step : steps) {
                            IterationState<Object> s = state(iteration, elapsed, gradient, decrease, step);
                            assertEquals(criteria.stopReason(s), combined.stopReason(s), () -> s.toRecord().toString());
                            assertEquals(criteria.check(iteration, elapsed, gradient, decrease, step),
                                    criteria.stopReason(s));
                            checked++;
                        }
                    }
                }
            }
        }
        assertEquals(3 * 3 * 4 * 4 * 4, checked);
        assertEquals(10, criteria.iterationLimit());
        assertEquals(10, combined.iterationLimit());
    }

    static Stream<Arguments> solvers() {
        BiFunction<StoppingCriteria, StoppingCriterion, Solver<double[]>> tr = (s, extra) -> new TrustRegions<>(
                TrustRegionsOptions.defaults().withStopping(s).withAdditionalStopping(extra));
        BiFunction<StoppingCriteria, StoppingCriterion, Solver<double[]>> cg = (s, extra) -> new ConjugateGradient<>(
                ConjugateGradientOptions.defaults().withStopping(s).withAdditionalStopping(extra));
        BiFunction<StoppingCriteria, StoppingCriterion, Solver<double[]>> sd = (s, extra) -> new SteepestDescent<>(
                SteepestDescentOptions.defaults().withStopping(s).withAdditionalStopping(extra));
        BiFunction<StoppingCriteria, StoppingCriterion, Solver<double[]>> lbfgs = (s, extra) -> new RiemannianLbfgs<>(
                RiemannianLbfgsOptions.defaults().withStopping(s).withAdditionalStopping(extra));
        return Stream.of(Arguments.of("trust-regions", tr), Arguments.of("conjugate-gradient", cg),
                Arguments.of("steepest-descent", sd), Arguments.of("rlbfgs", lbfgs));
    }

    private static ArrayRayleighQuotient problem() {
        return new ArrayRayleighQuotient(SphereSolversTest.randomSymmetric(N, new Random(3)), false, true);
    }

    private static double[] start(Problem<double[]> problem) {
        double[] x = problem.manifold().allocate();
        problem.manifold().randomPoint(new Random(4), x);
        return x;
    }

    /**
     * A criterion of the user's own (cost below the mean of the start cost and the optimum) stops
     * the run at the first iteration whose recorded cost is below the target.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("solvers")
    void userCriterionStopsAtTheFirstIterationItHolds(String name,
            BiFunction<StoppingCriteria, StoppingCriterion, Solver<double[]>> factory) {
        ArrayRayleighQuotient problem = problem();
        double[] start = start(problem);
        StoppingCriteria tight = StoppingCriteria.defaults().withMinGradientNorm(1e-10);
        SolverResult<double[]> full = factory.apply(tight, StoppingCriterion.never()).solve(problem, start);
        double target = 0.5 * (problem.cost(start) + full.cost());
        StoppingCriterion belowTarget = state -> state.cost() < target ? StopReason.USER_CRITERION : null;

        SolverResult<double[]> stopped = factory.apply(tight, belowTarget).solve(problem, start);

        assertEquals(StopReason.USER_CRITERION, stopped.stopReason(), name);
        int first = 0;
        while (!(full.history().cost(first) < target)) {
            first++;
        }
        assertEquals(first, stopped.iterations(), name);
        assertTrue(stopped.cost() < target);
        assertTrue(stopped.history().cost(stopped.iterations() - 1) >= target);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("solvers")
    void listenerStopsTheRunWithItsOwnReason(String name,
            BiFunction<StoppingCriteria, StoppingCriterion, Solver<double[]>> factory) {
        ArrayRayleighQuotient problem = problem();
        double[] start = start(problem);
        StoppingCriteria stopping = StoppingCriteria.defaults().withMinGradientNorm(0).withMinStepSize(0);
        Solver<double[]> solver = factory.apply(stopping, StoppingCriterion.never());
        int[] calls = new int[1];
        IterationListener<double[]> stopAtThree = state -> {
            calls[0]++;
            if (state.iteration() == 3) {
                state.requestStop();
            }
        };
        SolverResult<double[]> result = withListener(name, stopping, stopAtThree).solve(problem, start);
        assertEquals(StopReason.LISTENER, result.stopReason(), name);
        assertEquals(3, result.iterations());
        assertEquals(4, calls[0]);
        assertEquals(4, result.history().size());
        // Without the request the same solver goes on past iteration 3.
        assertTrue(solver.solve(problem, start).iterations() > 3, name);

        SolverResult<double[]> atStart = withListener(name, stopping, IterationState::requestStop)
                .solve(problem, start);
        assertEquals(StopReason.LISTENER, atStart.stopReason());
        assertEquals(0, atStart.iterations());
    }

    /** When a criterion holds in the iteration a listener asks to stop, the criterion's reason wins. */
    @Test
    void criterionReasonTakesPrecedenceOverTheListener() {
        ArrayRayleighQuotient problem = problem();
        StoppingCriteria twoIterations = StoppingCriteria.defaults().withMaxIterations(2);
        SolverResult<double[]> result = withListener("trust-regions", twoIterations, state -> {
            if (state.iteration() == 2) {
                state.requestStop();
            }
        }).solve(problem, start(problem));
        assertEquals(StopReason.MAX_ITERATIONS, result.stopReason());
    }

    @Test
    void additionalStoppingDefaultsToNeverAndIsKeptByTheOtherWithers() {
        TrustRegionsOptions options = TrustRegionsOptions.defaults();
        assertSame(StoppingCriterion.never(), options.additionalStopping());
        assertSame(options.stopping(), options.settings().stopping());
        StoppingCriterion extra = state -> null;
        TrustRegionsOptions withExtra = options.withAdditionalStopping(extra).withKappa(0.2)
                .withStopping(StoppingCriteria.defaults().withMaxIterations(3));
        assertSame(extra, withExtra.additionalStopping());
        assertEquals(3, withExtra.settings().stopping().iterationLimit());
        assertThrows(NullPointerException.class, () -> options.withAdditionalStopping(null));
    }

    private static Solver<double[]> withListener(String name, StoppingCriteria stopping,
            IterationListener<double[]> listener) {
        return switch (name) {
            case "trust-regions" -> new TrustRegions<>(TrustRegionsOptions.defaults().withStopping(stopping), listener);
            case "conjugate-gradient" -> new ConjugateGradient<>(
                    ConjugateGradientOptions.defaults().withStopping(stopping), listener);
            case "steepest-descent" -> new SteepestDescent<>(SteepestDescentOptions.defaults().withStopping(stopping),
                    new ArmijoBacktracking<>(), listener);
            default -> new RiemannianLbfgs<>(RiemannianLbfgsOptions.defaults().withStopping(stopping), listener);
        };
    }
}
