package dev.stiefel.solver;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.stiefel.kernel.Kernels;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.manifold.StiefelRetraction;
import dev.stiefel.problem.BrockettProblem;
import dev.stiefel.check.AllocationProbe;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Warm solver iterations on Stiefel allocate nothing: ten and sixty iterations cost the same bytes. */
class StiefelSolverAllocationTest {

    private static BrockettProblem<DMatrixRMaj> brockett(Stiefel<DMatrixRMaj> stiefel, Random random) {
        return BrockettProblem.random(stiefel, random);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"trust-regions", "trust-regions-fd", "conjugate-gradient", "rlbfgs", "rlbfgs-wolfe"})
    void warmIterationsOnStiefelDoNotAllocate(String solverName) {
        assumeTrue(AllocationProbe.supported());
        Random random = new Random(9);
        Stiefel<DMatrixRMaj> stiefel = new Stiefel<>(Kernels.ejml(), 30, 5, StiefelRetraction.QR);
        BrockettProblem<DMatrixRMaj> problem = brockett(stiefel, random);
        DMatrixRMaj start = stiefel.allocate();
        stiefel.randomPoint(random, start);
        DMatrixRMaj out = stiefel.allocate();
        StoppingCriteria base = StoppingCriteria.defaults().withMinGradientNorm(0).withMinStepSize(0);
        java.util.function.IntFunction<Solver<DMatrixRMaj>> factory = iterations -> switch (solverName) {
            case "trust-regions" -> new TrustRegions<>(TrustRegionsOptions.defaults()
                    .withStopping(base.withMaxIterations(iterations)).withRecordHistory(false));
            case "trust-regions-fd" -> new TrustRegions<>(TrustRegionsOptions.defaults()
                    .withStopping(base.withMaxIterations(iterations)).withRecordHistory(false)
                    .withFiniteDifferenceHessian(true));
            case "rlbfgs" -> new RiemannianLbfgs<>(RiemannianLbfgsOptions.defaults()
                    .withStopping(base.withMaxIterations(iterations)).withRecordHistory(false));
            case "rlbfgs-wolfe" -> new RiemannianLbfgs<>(RiemannianLbfgsOptions.defaults()
                    .withStopping(base.withMaxIterations(iterations)).withRecordHistory(false)
                    .withCondition(RiemannianLbfgsOptions.Condition.WOLFE));
            default -> new ConjugateGradient<>(ConjugateGradientOptions.defaults()
                    .withStopping(base.withMaxIterations(iterations)).withRecordHistory(false));
        };
        Solver<DMatrixRMaj> shortSolver = factory.apply(10);
        Solver<DMatrixRMaj> longSolver = factory.apply(60);
        for (int warm = 0; warm < 4; warm++) {
            shortSolver.solve(problem, start, out);
            longSolver.solve(problem, start, out);
        }
        long shortBytes = Long.MAX_VALUE;
        long longBytes = Long.MAX_VALUE;
        for (int repeat = 0; repeat < 3; repeat++) {
            shortBytes = Math.min(shortBytes, AllocationProbe.bytesAllocatedBy(() -> shortSolver.solve(problem, start, out)));
            longBytes = Math.min(longBytes, AllocationProbe.bytesAllocatedBy(() -> longSolver.solve(problem, start, out)));
        }
        // Six times the iterations must not cost more than a small constant more bytes.
        assertTrue(longBytes - shortBytes <= ALLOCATION_SLACK_BYTES,
                solverName + ": 10 iterations allocated " + shortBytes + " bytes, 60 iterations " + longBytes);
    }

    /** Allowance for JIT and profiling noise; one matrix of St(30, 5) alone is 1.2 kB. */
    private static final long ALLOCATION_SLACK_BYTES = 1024;
}
