package dev.stiefel.solver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.manifold.Stiefel;
import dev.stiefel.problem.BrockettProblem;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.function.Function;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a research user touches first: solving without a start point (seeded), the message for a
 * start point off the manifold, the iteration printer and the result summary, and closing.
 */
class SolverUsabilityTest {

    private static final double ON_MANIFOLD = 1e-12;

    private static Solver<DMatrixRMaj> solver(String name, long seed, IterationListener<DMatrixRMaj> listener) {
        StoppingCriteria stopping = StoppingCriteria.defaults().withMaxIterations(40);
        return switch (name) {
            case "trust-regions" -> new TrustRegions<>(
                    TrustRegionsOptions.defaults().withStopping(stopping).withSeed(seed), listener);
            case "conjugate-gradient" -> new ConjugateGradient<>(
                    ConjugateGradientOptions.defaults().withStopping(stopping).withSeed(seed), listener);
            case "steepest-descent" -> new SteepestDescent<>(
                    SteepestDescentOptions.defaults().withStopping(stopping).withSeed(seed),
                    new ArmijoBacktracking<>(), listener);
            case "rlbfgs" -> new RiemannianLbfgs<>(RiemannianLbfgsOptions.defaults().withStopping(stopping)
                    .withSeed(seed), listener);
            default -> throw new IllegalArgumentException(name);
        };
    }

    private static BrockettProblem<DMatrixRMaj> problem() {
        return BrockettProblem.random(Stiefel.onCpu(12, 3), new Random(7));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"trust-regions", "conjugate-gradient", "steepest-descent", "rlbfgs"})
    void solveWithoutStartPointIsSeeded(String name) {
        BrockettProblem<DMatrixRMaj> problem = problem();
        Function<Long, SolverResult<DMatrixRMaj>> run = seed -> {
            try (Solver<DMatrixRMaj> solver = solver(name, seed, null)) {
                return solver.solve(problem);
            }
        };
        SolverResult<DMatrixRMaj> first = run.apply(11L);
        SolverResult<DMatrixRMaj> again = run.apply(11L);
        SolverResult<DMatrixRMaj> other = run.apply(12L);
        assertArrayEquals(first.point().data, again.point().data, "same seed, same run");
        assertEquals(first.historyRecords().get(0).cost(), again.historyRecords().get(0).cost());
        assertFalse(first.historyRecords().get(0).cost() == other.historyRecords().get(0).cost(),
                "another seed starts elsewhere");
        problem.manifold().checkPoint(first.point(), ON_MANIFOLD);
        assertTrue(first.history().size() > 1);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"trust-regions", "conjugate-gradient", "steepest-descent", "rlbfgs"})
    void startPointOffTheManifoldSaysHowToFixIt(String name) {
        BrockettProblem<DMatrixRMaj> problem = problem();
        DMatrixRMaj start = problem.manifold().allocate();
        problem.manifold().randomPoint(new Random(1), start);
        start.data[0] += 1e-6;
        try (Solver<DMatrixRMaj> solver = solver(name, 0, null)) {
            IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                    () -> solver.solve(problem, start));
            String message = error.getMessage();
            assertTrue(message.contains("Stiefel(12, 3)"), message);
            assertTrue(message.contains("re-orthonormalise"), message);
            assertTrue(message.contains("withPointTolerance"), message);
            assertTrue(message.contains("1.0E-8"), message);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"trust-regions", "conjugate-gradient", "steepest-descent", "rlbfgs"})
    void printerWritesAHeaderAndOneRowPerIteration(String name) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        SolverResult<DMatrixRMaj> result;
        try (Solver<DMatrixRMaj> solver = solver(name, 3, IterationPrinter.to(out))) {
            result = solver.solve(problem());
        }
        String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(result.iterations() + 2, lines.length, "header, iteration 0, then one row per iteration");
        assertEquals(IterationPrinter.header(), lines[0]);
        for (String column : new String[] {"iter", "cost", "|grad|", "step", "radius", "inner"}) {
            assertTrue(lines[0].contains(column), column);
        }
        IterationRecord last = result.historyRecords().get(result.iterations());
        assertEquals(IterationPrinter.row(last.iteration(), last.cost(), last.gradientNorm(), last.stepSize(),
                last.trustRadius(), last.innerIterations(), last.elapsedSeconds()), lines[lines.length - 1]);
        String[] fields = lines[lines.length - 1].trim().split("\\s+");
        assertEquals(result.iterations(), Integer.parseInt(fields[0]));
        assertEquals(result.cost(), Double.parseDouble(fields[1]), 1e-15 * Math.abs(result.cost()));

        String summary = result.summary();
        assertTrue(summary.startsWith(result.stopReason().name()), summary);
        assertTrue(summary.contains("after " + result.iterations() + " iterations"), summary);
        assertTrue(summary.contains(result.costEvaluations() + " cost"), summary);
        assertTrue(summary.contains(result.gradientEvaluations() + " gradient"), summary);
        assertFalse(summary.contains("\n"), summary);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"trust-regions", "conjugate-gradient", "steepest-descent", "rlbfgs"})
    void closingTwiceIsHarmlessAndUseAfterCloseIsAnError(String name) {
        Solver<DMatrixRMaj> solver = solver(name, 0, null);
        solver.solve(problem());
        solver.close();
        assertDoesNotThrow(solver::close);
        IllegalStateException error = assertThrows(IllegalStateException.class, () -> solver.solve(problem()));
        assertTrue(error.getMessage().contains("closed"), error.getMessage());
    }
}
