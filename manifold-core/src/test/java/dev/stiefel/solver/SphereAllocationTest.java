package dev.stiefel.solver;

import dev.stiefel.check.AllocationProbe;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.stiefel.problem.ArrayRayleighQuotient;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Warm solves allocate a constant number of bytes (the result record, the empty history),
 * independent of the iteration count: the iterations themselves allocate nothing.
 */
class SphereAllocationTest {

    /** Per-solve constant: result record and empty history, with room for JIT noise. */
    private static final long CONSTANT_BYTES = 4096;
    private static final int SHORT_RUN = 20;
    private static final int LONG_RUN = 200;

    static Stream<Arguments> solvers() {
        Function<StoppingCriteria, Solver<double[]>> tr = s -> new TrustRegions<>(
                TrustRegionsOptions.defaults().withStopping(s).withRecordHistory(false));
        Function<StoppingCriteria, Solver<double[]>> trFd = s -> new TrustRegions<>(
                TrustRegionsOptions.defaults().withStopping(s).withRecordHistory(false)
                        .withFiniteDifferenceHessian(true));
        Function<StoppingCriteria, Solver<double[]>> cg = s -> new ConjugateGradient<>(
                ConjugateGradientOptions.defaults().withStopping(s).withRecordHistory(false));
        Function<StoppingCriteria, Solver<double[]>> sd = s -> new SteepestDescent<>(
                SteepestDescentOptions.defaults().withStopping(s).withRecordHistory(false));
        return Stream.of(Arguments.of("trust-regions", tr), Arguments.of("trust-regions-fd", trFd),
                Arguments.of("conjugate-gradient", cg), Arguments.of("steepest-descent", sd));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("solvers")
    void warmIterationsDoNotAllocate(String name, Function<StoppingCriteria, Solver<double[]>> factory) {
        assumeTrue(AllocationProbe.supported());
        Random random = new Random(21);
        // Large spread of eigenvalues: many iterations before the gradient vanishes.
        ArrayRayleighQuotient problem = new ArrayRayleighQuotient(SphereSolversTest.randomSymmetric(40, random),
                false, true);
        double[] start = problem.manifold().allocate();
        problem.manifold().randomPoint(random, start);
        double[] out = problem.manifold().allocate();
        StoppingCriteria base = StoppingCriteria.defaults().withMinGradientNorm(0).withMinStepSize(0);
        Solver<double[]> shortSolver = factory.apply(base.withMaxIterations(SHORT_RUN));
        Solver<double[]> longSolver = factory.apply(base.withMaxIterations(LONG_RUN));
        for (int warm = 0; warm < 5; warm++) {
            shortSolver.solve(problem, start, out);
            longSolver.solve(problem, start, out);
        }
        long shortBytes = Long.MAX_VALUE;
        long longBytes = Long.MAX_VALUE;
        int[] iterations = new int[2];
        for (int repeat = 0; repeat < 3; repeat++) {
            shortBytes = Math.min(shortBytes,
                    AllocationProbe.bytesAllocatedBy(() -> iterations[0] = shortSolver.solve(problem, start, out).iterations()));
            longBytes = Math.min(longBytes,
                    AllocationProbe.bytesAllocatedBy(() -> iterations[1] = longSolver.solve(problem, start, out).iterations()));
        }
        assertEquals(SHORT_RUN, iterations[0], name);
        assertEquals(LONG_RUN, iterations[1], name);
        assertTrue(shortBytes <= CONSTANT_BYTES, name + ": " + SHORT_RUN + " iterations allocated " + shortBytes + " bytes");
        assertTrue(longBytes <= CONSTANT_BYTES, name + ": " + LONG_RUN + " iterations allocated " + longBytes + " bytes");
    }
}
