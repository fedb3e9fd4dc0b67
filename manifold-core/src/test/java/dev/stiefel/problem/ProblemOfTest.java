package dev.stiefel.problem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.manifold.Manifold;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.solver.SolverResult;
import dev.stiefel.solver.TrustRegions;
import dev.stiefel.solver.TrustRegionsOptions;
import java.util.Optional;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

/**
 * Problems built from functions agree with the class they mirror, and a problem's Hessian is
 * its Hessian part: present exactly when given, then used by trust regions for every
 * Hessian-vector product, and otherwise replaced by finite differences of gradients (which cost
 * an extra gradient per inner iteration, visible in the evaluation counts).
 */
class ProblemOfTest {

    private static final int N = 20;
    private static final int P = 4;

    private final Stiefel<DMatrixRMaj> stiefel = Stiefel.onCpu(N, P);
    private final DenseKernels<DMatrixRMaj> kernels = stiefel.kernels();
    private final BrockettProblem<DMatrixRMaj> brockett = BrockettProblem.random(stiefel, new Random(3));
    private final DMatrixRMaj a = brockett.a();
    private final DMatrixRMaj weights = brockett.weights();
    private final DMatrixRMaj product = new DMatrixRMaj(N, P);

    private double cost(DMatrixRMaj x) {
        kernels.gemm(1.0, a, false, x, false, 0.0, product);
        kernels.gemm(1.0, product, false, weights, false, 0.0, product2);
        return kernels.dot(x, product2);
    }

    private final DMatrixRMaj product2 = new DMatrixRMaj(N, P);

    private void gradient(DMatrixRMaj x, DMatrixRMaj out) {
        kernels.gemm(2.0, a, false, x, false, 0.0, product);
        kernels.gemm(1.0, product, false, weights, false, 0.0, out);
    }

    private DMatrixRMaj start() {
        DMatrixRMaj x = stiefel.allocate();
        stiefel.randomPoint(new Random(5), x);
        return x;
    }

    private SolverResult<DMatrixRMaj> solve(Problem<DMatrixRMaj> problem) {
        try (TrustRegions<DMatrixRMaj> solver = new TrustRegions<>(TrustRegionsOptions.defaults())) {
            return solver.solve(problem, start());
        }
    }

    @Test
    void lambdasWithHessianReproduceTheClassExactly() {
        Problem<DMatrixRMaj> fromFunctions = Problem.of(stiefel, this::cost, this::gradient, (x, v, out) -> gradient(v, out));
        assertTrue(fromFunctions.euclideanHessian().isPresent());
        SolverResult<DMatrixRMaj> expected = solve(brockett);
        SolverResult<DMatrixRMaj> actual = solve(fromFunctions);
        assertEquals(expected.iterations(), actual.iterations());
        assertEquals(expected.gradientEvaluations(), actual.gradientEvaluations());
        assertEquals(expected.hessianEvaluations(), actual.hessianEvaluations());
        assertEquals(expected.cost(), actual.cost(), 1e-12 * Math.abs(expected.cost()));
    }

    @Test
    void lambdasWithoutHessianUseFiniteDifferences() {
        Problem<DMatrixRMaj> fromFunctions = Problem.of(stiefel, this::cost, this::gradient);
        assertTrue(fromFunctions.euclideanHessian().isEmpty());
        SolverResult<DMatrixRMaj> exact = solve(brockett);
        SolverResult<DMatrixRMaj> approximate = solve(fromFunctions);
        // One gradient per Hessian-vector product on top of one per accepted point.
        assertTrue(approximate.gradientEvaluations() >= approximate.hessianEvaluations(),
                () -> approximate.summary());
        assertTrue(exact.gradientEvaluations() < exact.hessianEvaluations(), () -> exact.summary());
        assertEquals(exact.cost(), approximate.cost(), 1e-8 * Math.abs(exact.cost()));
    }

    @Test
    void sharedCostAndGradientWorkIsUsedByTheSolver() {
        int[] calls = new int[2];
        Problem<DMatrixRMaj> shared = Problem.ofCostAndGradient(stiefel, x -> {
            calls[0]++;
            return cost(x);
        }, (x, out) -> {
            calls[1]++;
            gradient(x, out);
            return cost(x);
        }, (x, v, out) -> gradient(v, out));
        SolverResult<DMatrixRMaj> result = solve(shared);
        assertEquals(result.gradientEvaluations(), calls[1], "every gradient went through costAndGradient");
        assertEquals(result.costEvaluations() - result.gradientEvaluations(), calls[0],
                "cost alone only where no gradient is needed");
        assertEquals(solve(brockett).cost(), result.cost(), 1e-12 * Math.abs(result.cost()));
    }

    /** A problem class with cost and gradient only: no Hessian part, no preconditioner part. */
    private class CostAndGradientOnly implements Problem<DMatrixRMaj> {
        @Override
        public Manifold<DMatrixRMaj> manifold() {
            return stiefel;
        }

        @Override
        public double cost(DMatrixRMaj x) {
            return ProblemOfTest.this.cost(x);
        }

        @Override
        public void euclideanGradient(DMatrixRMaj x, DMatrixRMaj out) {
            gradient(x, out);
        }
    }

    /**
     * Without a Hessian part trust regions take finite differences: the run is the one of the
     * function-built problem without a Hessian, bit for bit, and one gradient per Hessian-vector
     * product is spent on top of those of the accepted points.
     */
    @Test
    void aClassWithoutAHessianPartUsesFiniteDifferences() {
        Problem<DMatrixRMaj> costAndGradient = new CostAndGradientOnly();
        assertTrue(costAndGradient.euclideanHessian().isEmpty());
        assertTrue(costAndGradient.preconditioner().isEmpty());
        assertTrue(new RiemannianDerivatives<>(costAndGradient).usesFiniteDifferences());
        SolverResult<DMatrixRMaj> actual = solve(costAndGradient);
        SolverResult<DMatrixRMaj> expected = solve(Problem.of(stiefel, this::cost, this::gradient));
        assertEquals(expected.iterations(), actual.iterations());
        assertEquals(expected.gradientEvaluations(), actual.gradientEvaluations());
        assertEquals(expected.hessianEvaluations(), actual.hessianEvaluations());
        assertEquals(expected.cost(), actual.cost());
        assertTrue(actual.gradientEvaluations() >= actual.hessianEvaluations(), actual::summary);
    }

    /**
     * A Hessian part is what trust regions call for every Hessian-vector product: a counting
     * Hessian is called once per product the result reports, and the run is the one of
     * {@link BrockettProblem}, whose Hessian is the same closed form.
     */
    @Test
    void aHessianPartIsUsedForEveryHessianVectorProduct() {
        int[] calls = new int[1];
        Problem<DMatrixRMaj> counted = new CostAndGradientOnly() {
            @Override
            public Optional<EuclideanHessian<DMatrixRMaj>> euclideanHessian() {
                return Optional.of((x, v, out) -> {
                    calls[0]++;
                    gradient(v, out);
                });
            }
        };
        assertFalse(new RiemannianDerivatives<>(counted).usesFiniteDifferences());
        SolverResult<DMatrixRMaj> actual = solve(counted);
        SolverResult<DMatrixRMaj> expected = solve(brockett);
        assertTrue(actual.hessianEvaluations() > 0, actual::summary);
        assertEquals(actual.hessianEvaluations(), calls[0]);
        assertEquals(expected.iterations(), actual.iterations());
        assertEquals(expected.gradientEvaluations(), actual.gradientEvaluations(), actual::summary);
        assertEquals(expected.cost(), actual.cost());
        assertTrue(actual.gradientEvaluations() < actual.hessianEvaluations(), actual::summary);
    }

    /** A part must be an {@code Optional}, never null: the solver names the method at fault. */
    @Test
    void aNullPartIsNamedBeforeSolving() {
        Problem<DMatrixRMaj> broken = new CostAndGradientOnly() {
            @Override
            public Optional<EuclideanHessian<DMatrixRMaj>> euclideanHessian() {
                return null;
            }
        };
        NullPointerException error = assertThrows(NullPointerException.class, () -> solve(broken));
        assertTrue(error.getMessage().contains("euclideanHessian()"), error.getMessage());
    }

    @Test
    void theBuiltInProblemsHaveAHessianAndNoPreconditioner() {
        assertTrue(brockett.euclideanHessian().isPresent());
        assertTrue(brockett.preconditioner().isEmpty());
        assertTrue(Problem.of(stiefel, this::cost, this::gradient).preconditioner().isEmpty());
    }
}
