package dev.stiefel.solver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.manifold.Manifold;
import dev.stiefel.problem.ArrayRayleighQuotient;
import dev.stiefel.problem.Problem;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The skeleton's bookkeeping, seen through a minimal subclass (fixed-step Riemannian gradient
 * descent on the sphere): workspace life cycle, the order of the hooks, the result built from
 * what the subclass reported, a step that ends the run, and the checks a subclass gets for free.
 */
class IterativeSolverTest {

    private static final int N = 12;
    /**
     * Below {@code 2 / L} for the Rayleigh quotient of a Gaussian 12 x 12 matrix, whose Hessian
     * norm {@code L <= 2 (lambda_max - lambda_min)} is below 30.
     */
    private static final double STEP = 0.02;

    /** Fixed-step descent that logs its hooks and may end the run from its step. */
    static final class LoggingDescent extends IterativeSolver<double[]> {
        final List<String> log = new ArrayList<>();
        int stopAt = -1;
        private double[] x;
        private double[] next;
        private double[] gradient;
        private double[] step;
        private double cost;
        private double gradientNorm;

        LoggingDescent(StoppingCriterion stopping) {
            super(SolverSettings.defaults().withStopping(stopping), null);
        }

        @Override
        protected void allocateWorkspaces(Manifold<double[]> manifold) {
            log.add("allocate");
            x = manifold.allocate();
            next = manifold.allocate();
            gradient = manifold.allocate();
            step = manifold.allocate();
        }

        @Override
        protected void freeWorkspaces(Manifold<double[]> manifold) {
            log.add("free");
        }

        @Override
        protected void prepare(Problem<double[]> problem) {
            log.add("prepare");
        }

        @Override
        protected void initialise(double[] initialPoint) {
            log.add("initialise");
            manifold().copy(initialPoint, x);
            cost = derivatives().evaluate(x, gradient);
            gradientNorm = norm(x, gradient);
            setCurrent(x, cost, gradientNorm);
        }

        @Override
        protected StopReason step(int iteration) {
            Manifold<double[]> m = manifold();
            m.linearCombination(x, -STEP, gradient, 0.0, gradient, step);
            m.retract(x, step, next);
            double[] swap = x;
            x = next;
            next = swap;
            double previous = cost;
            cost = derivatives().evaluate(x, gradient);
            gradientNorm = norm(x, gradient);
            setCurrent(x, cost, gradientNorm);
            setStep(norm(x, step), previous - cost, Double.NaN, 0);
            return iteration == stopAt ? StopReason.NON_FINITE : null;
        }

        @Override
        protected StopReason reviewStop(StopReason reason) {
            log.add("review " + reason);
            return reason;
        }

        @Override
        protected void closeResources() {
            log.add("close");
        }
    }

    private static ArrayRayleighQuotient problem(long seed) {
        return new ArrayRayleighQuotient(SphereSolversTest.randomSymmetric(N, new Random(seed)), false, true);
    }

    private static double[] start(Problem<double[]> problem) {
        double[] x = problem.manifold().allocate();
        problem.manifold().randomPoint(new Random(2), x);
        return x;
    }

    @Test
    void hooksRunInOrderAndWorkspacesLiveAsLongAsTheManifold() {
        LoggingDescent solver = new LoggingDescent(new StoppingCriterion.MaxIterations(2));
        ArrayRayleighQuotient problem = problem(1);
        solver.solve(problem, start(problem));
        assertEquals(List.of("allocate", "prepare", "initialise", "review null", "review MAX_ITERATIONS"),
                solver.log);
        solver.log.clear();
        solver.solve(problem, start(problem));
        assertEquals(List.of("prepare", "initialise", "review null", "review MAX_ITERATIONS"), solver.log,
                "same manifold: workspaces kept");
        solver.log.clear();
        ArrayRayleighQuotient other = problem(2);
        solver.solve(other, start(other));
        assertEquals("free", solver.log.get(0), "another manifold object: workspaces renewed");
        assertEquals("allocate", solver.log.get(1));
        solver.log.clear();
        solver.close();
        assertEquals(List.of("free", "close"), solver.log);
        assertDoesNotThrow(solver::close);
        IllegalStateException closed = assertThrows(IllegalStateException.class,
                () -> solver.solve(problem, start(problem)));
        assertTrue(closed.getMessage().contains("LoggingDescent was closed"), closed.getMessage());
        assertEquals("LoggingDescent (closed)", solver.toString());
    }

    @Test
    void resultIsWhatTheSubclassReported() {
        double[][] a = SphereSolversTest.randomSymmetric(N, new Random(3));
        ArrayRayleighQuotient problem = new ArrayRayleighQuotient(a, false, true);
        double[] start = start(problem);
        LoggingDescent solver = new LoggingDescent(new StoppingCriterion.MinGradientNorm(1e-8)
                .or(new StoppingCriterion.MaxIterations(20_000)));
        double[] out = problem.manifold().allocate();
        SolverResult<double[]> result = solver.solve(problem, start, out);

        assertEquals(StopReason.GRADIENT_NORM, result.stopReason());
        assertTrue(out == result.point());
        assertEquals(problem.cost(out), result.cost(), 0.0, "cost of the returned point");
        assertEquals(result.cost(), result.history().cost(result.iterations()), 0.0);
        assertEquals(result.iterations() + 1, result.history().size());
        assertEquals(result.iterations() + 1, result.costEvaluations(), "one evaluation per iteration and the start");
        // Independent oracle: the minimiser is the eigenvector of the smallest eigenvalue.
        double[] eigenvalue = new double[1];
        SphereSolversTest.extremeEigenvector(a, false, eigenvalue);
        assertEquals(eigenvalue[0], result.cost(), 1e-12);
    }

    @Test
    void aReasonFromTheStepEndsTheRunWithoutReview() {
        ArrayRayleighQuotient problem = problem(4);
        LoggingDescent solver = new LoggingDescent(new StoppingCriterion.MaxIterations(50));
        solver.stopAt = 3;
        SolverResult<double[]> result = solver.solve(problem, start(problem));
        assertEquals(StopReason.NON_FINITE, result.stopReason());
        assertEquals(3, result.iterations());
        assertEquals(2, solver.log.stream().filter(s -> s.startsWith("review")).count());
    }

    @Test
    void badArgumentsAreRejectedBeforeAnyHookRuns() {
        ArrayRayleighQuotient problem = problem(5);
        LoggingDescent solver = new LoggingDescent(new StoppingCriterion.MaxIterations(5));
        double[] notOnSphere = new double[N];
        notOnSphere[0] = 2;
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> solver.solve(problem, notOnSphere));
        assertTrue(error.getMessage().startsWith("start point rejected"), error.getMessage());
        assertThrows(NullPointerException.class, () -> solver.solve(null, notOnSphere));
        assertThrows(NullPointerException.class, () -> solver.solve(problem, null));
        assertEquals(List.of(), solver.log);
    }

    @Test
    void solveWithoutStartIsSeededBySettings() {
        ArrayRayleighQuotient problem = problem(6);
        SolverResult<double[]> first = new LoggingDescent(new StoppingCriterion.MaxIterations(3)).solve(problem);
        SolverResult<double[]> again = new LoggingDescent(new StoppingCriterion.MaxIterations(3)).solve(problem);
        assertArrayEquals(first.point(), again.point());
        assertEquals(first.history().cost(0), again.history().cost(0), 0.0);
    }
}
