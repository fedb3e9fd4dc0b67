package dev.stiefel.solver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.manifold.Manifold;
import dev.stiefel.problem.ArrayRayleighQuotient;
import dev.stiefel.problem.EuclideanHessian;
import dev.stiefel.problem.Problem;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Stop reasons, non-finite costs, history, listener and workspace reuse, for every solver. */
class SolverBehaviourTest {

    private static final int N = 20;

    /** A solver factory from stopping criteria. */
    interface Factory extends Function<StoppingCriteria, Solver<double[]>> {
    }

    static Stream<Arguments> solvers() {
        Factory tr = s -> new TrustRegions<>(TrustRegionsOptions.defaults().withStopping(s));
        Factory cg = s -> new ConjugateGradient<>(ConjugateGradientOptions.defaults().withStopping(s));
        Factory sd = s -> new SteepestDescent<>(SteepestDescentOptions.defaults().withStopping(s));
        return Stream.of(Arguments.of("trust-regions", tr), Arguments.of("conjugate-gradient", cg),
                Arguments.of("steepest-descent", sd));
    }

    private static ArrayRayleighQuotient problem(long seed) {
        return new ArrayRayleighQuotient(SphereSolversTest.randomSymmetric(N, new Random(seed)), false, true);
    }

    private static double[] start(Problem<double[]> problem, long seed) {
        double[] x = problem.manifold().allocate();
        problem.manifold().randomPoint(new Random(seed), x);
        return x;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("solvers")
    void stopsOnMaxIterations(String name, Factory factory) {
        ArrayRayleighQuotient problem = problem(1);
        StoppingCriteria stopping = StoppingCriteria.defaults().withMaxIterations(3).withMinGradientNorm(0)
                .withMinStepSize(0);
        SolverResult<double[]> result = factory.apply(stopping).solve(problem, start(problem, 2));
        assertEquals(StopReason.MAX_ITERATIONS, result.stopReason());
        assertEquals(3, result.iterations());
        assertEquals(4, result.history().size());
        assertEquals(4, result.historyRecords().size());
        assertEquals(3, result.historyRecords().get(3).iteration());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("solvers")
    void zeroMaxIterationsReturnsTheStartPoint(String name, Factory factory) {
        ArrayRayleighQuotient problem = problem(1);
        double[] start = start(problem, 2);
        SolverResult<double[]> result = factory.apply(StoppingCriteria.defaults().withMaxIterations(0))
                .solve(problem, start);
        assertEquals(StopReason.MAX_ITERATIONS, result.stopReason());
        assertEquals(0, result.iterations());
        assertArrayEquals(start, result.point());
        assertEquals(problem.cost(start), result.cost());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("solvers")
    void stopsOnMaxTime(String name, Factory factory) {
        ArrayRayleighQuotient problem = problem(1);
        StoppingCriteria stopping = StoppingCriteria.defaults().withMaxIterations(1_000_000).withMinGradientNorm(0)
                .withMinStepSize(0).withMaxTimeSeconds(1e-12);
        SolverResult<double[]> result = factory.apply(stopping).solve(problem, start(problem, 2));
        assertEquals(StopReason.MAX_TIME, result.stopReason());
        assertTrue(result.iterations() <= 1, "stops after the first iteration, did " + result.iterations());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("solvers")
    void stopsOnGradientNormAndReportsConsistentValues(String name, Factory factory) {
        ArrayRayleighQuotient problem = problem(3);
        SolverResult<double[]> result = factory.apply(StoppingCriteria.defaults().withMinGradientNorm(1e-7))
                .solve(problem, start(problem, 4));
        assertEquals(StopReason.GRADIENT_NORM, result.stopReason());
        assertTrue(result.converged());
        assertTrue(result.gradientNorm() < 1e-7);
        assertEquals(problem.cost(result.point()), result.cost(), 1e-14);
        double[] history = result.history().costs();
        assertEquals(result.iterations() + 1, history.length);
        for (int k = 1; k < history.length; k++) {
            assertTrue(history[k] <= history[k - 1] + 1e-12, name + ": cost increased at iteration " + k);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("solvers")
    void alreadyOptimalStartStopsAtIterationZero(String name, Factory factory) {
        ArrayRayleighQuotient problem = problem(3);
        SolverResult<double[]> first = factory.apply(StoppingCriteria.defaults().withMinGradientNorm(1e-9))
                .solve(problem, start(problem, 4));
        SolverResult<double[]> second = factory.apply(StoppingCriteria.defaults().withMinGradientNorm(1e-6))
                .solve(problem, first.point());
        assertEquals(StopReason.GRADIENT_NORM, second.stopReason());
        assertEquals(0, second.iterations());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("solvers")
    void nanCostAtStartStopsAsNonFinite(String name, Factory factory) {
        Problem<double[]> nan = new NanAfter(problem(1), 0);
        SolverResult<double[]> result = factory.apply(StoppingCriteria.defaults()).solve(nan, start(nan, 2));
        assertEquals(StopReason.NON_FINITE, result.stopReason());
        assertEquals(0, result.iterations());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("solvers")
    void costTurningNanMidRunStopsCleanlyAtAFinitePoint(String name, Factory factory) {
        Problem<double[]> nan = new NanAfter(problem(1), 6);
        SolverResult<double[]> result = factory.apply(StoppingCriteria.defaults().withMinGradientNorm(0))
                .solve(nan, start(nan, 2));
        assertEquals(StopReason.NON_FINITE, result.stopReason(), name);
        assertTrue(Double.isFinite(result.cost()), name);
        assertTrue(Double.isFinite(result.gradientNorm()), name);
        assertTrue(result.iterations() < 100, name + " took " + result.iterations());
        nan.manifold().checkPoint(result.point(), 1e-12);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("solvers")
    void repeatedSolvesReuseWorkspacesAndAgree(String name, Factory factory) {
        ArrayRayleighQuotient problem = problem(5);
        Solver<double[]> solver = factory.apply(StoppingCriteria.defaults().withMaxIterations(30));
        double[] start = start(problem, 6);
        SolverResult<double[]> first = solver.solve(problem, start);
        SolverResult<double[]> second = solver.solve(problem, start);
        assertArrayEquals(first.point(), second.point(), name + ": a second solve must repeat the first exactly");
        assertEquals(first.iterations(), second.iterations());
        assertEquals(first.costEvaluations(), second.costEvaluations());

        double[] inPlace = start.clone();
        SolverResult<double[]> aliased = solver.solve(problem, inPlace, inPlace);
        assertSame(inPlace, aliased.point());
        assertArrayEquals(first.point(), inPlace);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("solvers")
    void listenerSeesEveryIterationWithTheHistoryValues(String name, Factory factory) {
        ArrayRayleighQuotient problem = problem(7);
        List<double[]> seen = new ArrayList<>();
        IterationListener<double[]> listener = state -> seen.add(
                new double[] {state.iteration(), state.cost(), state.gradientNorm()});
        StoppingCriteria stopping = StoppingCriteria.defaults().withMaxIterations(12);
        Solver<double[]> solver = switch (name) {
            case "trust-regions" -> new TrustRegions<>(TrustRegionsOptions.defaults().withStopping(stopping), listener);
            case "conjugate-gradient" -> new ConjugateGradient<>(
                    ConjugateGradientOptions.defaults().withStopping(stopping), new AdaptiveLineSearch<>(), listener);
            default -> new SteepestDescent<>(SteepestDescentOptions.defaults().withStopping(stopping),
                    new ArmijoBacktracking<>(), listener);
        };
        SolverResult<double[]> result = solver.solve(problem, start(problem, 8));
        assertEquals(result.history().size(), seen.size());
        for (int k = 0; k < seen.size(); k++) {
            assertEquals(k, (int) seen.get(k)[0]);
            assertEquals(result.history().cost(k), seen.get(k)[1]);
            assertEquals(result.history().gradientNorm(k), seen.get(k)[2]);
        }
        assertFalse(seen.isEmpty());
    }

    /** Delegates to a problem until {@code limit} cost evaluations, then every value is NaN. */
    static final class NanAfter implements Problem<double[]> {
        private final Problem<double[]> inner;
        private final int limit;
        private int calls;

        NanAfter(Problem<double[]> inner, int limit) {
            this.inner = inner;
            this.limit = limit;
        }

        @Override
        public Manifold<double[]> manifold() {
            return inner.manifold();
        }

        @Override
        public double cost(double[] x) {
            return calls++ < limit ? inner.cost(x) : Double.NaN;
        }

        @Override
        public void euclideanGradient(double[] x, double[] out) {
            inner.euclideanGradient(x, out);
            if (calls >= limit) {
                java.util.Arrays.fill(out, Double.NaN);
            }
        }

        @Override
        public double costAndEuclideanGradient(double[] x, double[] gradientOut) {
            double cost = cost(x);
            euclideanGradient(x, gradientOut);
            return cost;
        }

        @Override
        public Optional<EuclideanHessian<double[]>> euclideanHessian() {
            return inner.euclideanHessian();
        }
    }
}
