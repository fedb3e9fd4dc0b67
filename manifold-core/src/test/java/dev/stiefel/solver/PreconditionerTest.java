package dev.stiefel.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.manifold.Euclidean;
import dev.stiefel.manifold.Manifold;
import dev.stiefel.problem.EuclideanHessian;
import dev.stiefel.problem.Preconditioner;
import dev.stiefel.problem.Problem;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

/**
 * The preconditioner hook of trust regions and conjugate gradients, on the ill-conditioned
 * quadratic {@code f(x) = x^T D x / 2 - b^T x} with {@code D = diag(d_i)}, {@code d_i} from 1
 * to 1e4: its minimiser is {@code D^-1 b} in closed form. The exact preconditioner
 * {@code P = D^-1} makes both methods converge in a few steps where they need many without it,
 * and the identity preconditioner reproduces the unpreconditioned iterations exactly (the
 * preconditioned recurrences reduce to the plain ones).
 */
class PreconditionerTest {

    private static final int N = 60;
    private static final double SOLUTION_TOLERANCE = 1e-8;

    private final Euclidean<DMatrixRMaj> space = Euclidean.onCpu(N, 1);
    private final double[] diagonal = new double[N];
    private final DMatrixRMaj b = new DMatrixRMaj(N, 1);

    PreconditionerTest() {
        Random random = new Random(8);
        for (int i = 0; i < N; i++) {
            diagonal[i] = Math.pow(10.0, 4.0 * i / (N - 1));
            b.set(i, 0, random.nextGaussian());
        }
    }

    /** The quadratic, with {@code D^-1} or the identity as preconditioner, or none. */
    private final class Quadratic implements Problem<DMatrixRMaj> {
        private final String kind;

        Quadratic(String kind) {
            this.kind = kind;
        }

        @Override
        public Manifold<DMatrixRMaj> manifold() {
            return space;
        }

        @Override
        public double cost(DMatrixRMaj x) {
            double sum = 0;
            for (int i = 0; i < N; i++) {
                sum += 0.5 * diagonal[i] * x.get(i, 0) * x.get(i, 0) - b.get(i, 0) * x.get(i, 0);
            }
            return sum;
        }

        @Override
        public void euclideanGradient(DMatrixRMaj x, DMatrixRMaj out) {
            for (int i = 0; i < N; i++) {
                out.set(i, 0, diagonal[i] * x.get(i, 0) - b.get(i, 0));
            }
        }

        @Override
        public Optional<EuclideanHessian<DMatrixRMaj>> euclideanHessian() {
            return Optional.of(this::hessian);
        }

        private void hessian(DMatrixRMaj x, DMatrixRMaj v, DMatrixRMaj out) {
            for (int i = 0; i < N; i++) {
                out.set(i, 0, diagonal[i] * v.get(i, 0));
            }
        }

        @Override
        public Optional<Preconditioner<DMatrixRMaj>> preconditioner() {
            return kind.equals("none") ? Optional.empty() : Optional.of(this::precondition);
        }

        private void precondition(DMatrixRMaj x, DMatrixRMaj v, DMatrixRMaj out) {
            for (int i = 0; i < N; i++) {
                out.set(i, 0, kind.equals("inverse") ? v.get(i, 0) / diagonal[i] : v.get(i, 0));
            }
        }
    }

    private static StoppingCriteria stopping() {
        return StoppingCriteria.defaults().withMinGradientNorm(1e-9).withMaxIterations(5000).withMinStepSize(0);
    }

    private SolverResult<DMatrixRMaj> trustRegions(String preconditioner) {
        try (TrustRegions<DMatrixRMaj> solver = new TrustRegions<>(
                TrustRegionsOptions.defaults().withStopping(stopping()))) {
            return solver.solve(new Quadratic(preconditioner), space.allocate());
        }
    }

    private SolverResult<DMatrixRMaj> conjugateGradient(String preconditioner, ConjugateGradient.BetaRule rule) {
        try (ConjugateGradient<DMatrixRMaj> solver = new ConjugateGradient<>(
                ConjugateGradientOptions.defaults().withStopping(stopping()).withBetaRule(rule))) {
            return solver.solve(new Quadratic(preconditioner), space.allocate());
        }
    }

    private void assertSolves(SolverResult<DMatrixRMaj> result, String what) {
        assertEquals(StopReason.GRADIENT_NORM, result.stopReason(), () -> what + ": " + result.summary());
        double error = 0;
        for (int i = 0; i < N; i++) {
            error = Math.max(error, Math.abs(result.point().get(i, 0) - b.get(i, 0) / diagonal[i]));
        }
        double finalError = error;
        assertTrue(error < SOLUTION_TOLERANCE, () -> what + ": |x - D^-1 b|_max = " + finalError);
    }

    @Test
    void exactPreconditionerCutsTrustRegionInnerIterations() {
        SolverResult<DMatrixRMaj> plain = trustRegions("none");
        SolverResult<DMatrixRMaj> preconditioned = trustRegions("inverse");
        assertSolves(plain, "trust regions");
        assertSolves(preconditioned, "preconditioned trust regions");
        assertTrue(preconditioned.hessianEvaluations() * 5 < plain.hessianEvaluations(),
                () -> "Hessian products: " + preconditioned.hessianEvaluations() + " preconditioned, "
                        + plain.hessianEvaluations() + " plain");
    }

    @Test
    void exactPreconditionerCutsConjugateGradientIterations() {
        for (ConjugateGradient.BetaRule rule : ConjugateGradient.BetaRule.values()) {
            SolverResult<DMatrixRMaj> plain = conjugateGradient("none", rule);
            SolverResult<DMatrixRMaj> preconditioned = conjugateGradient("inverse", rule);
            assertSolves(preconditioned, "preconditioned " + rule);
            assertTrue(preconditioned.iterations() * 5 < plain.iterations(),
                    () -> rule + " iterations: " + preconditioned.iterations() + " preconditioned, " + plain.iterations()
                            + " plain");
        }
    }

    @Test
    void identityPreconditionerReproducesThePlainIterations() {
        assertSameTrace(trustRegions("none").historyRecords(), trustRegions("identity").historyRecords());
        for (ConjugateGradient.BetaRule rule : ConjugateGradient.BetaRule.values()) {
            assertSameTrace(conjugateGradient("none", rule).historyRecords(),
                    conjugateGradient("identity", rule).historyRecords());
        }
    }

    /** Bit for bit: the identity preconditioner performs the same arithmetic. */
    private static void assertSameTrace(List<IterationRecord> expected, List<IterationRecord> actual) {
        assertEquals(expected.size(), actual.size());
        for (int k = 0; k < expected.size(); k++) {
            assertEquals(expected.get(k).cost(), actual.get(k).cost(), 0.0, "cost at " + k);
            assertEquals(expected.get(k).innerIterations(), actual.get(k).innerIterations(), "inner at " + k);
        }
    }
}
