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
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

/**
 * Problems built from functions agree with the class they mirror, and whether a Euclidean
 * Hessian exists follows from what was given: a forgotten {@code hasEuclideanHessian()} can no
 * longer send trust regions to finite differences (which costs an extra gradient per inner
 * iteration, visible in the evaluation counts).
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
        assertTrue(fromFunctions.hasEuclideanHessian());
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
        assertFalse(fromFunctions.hasEuclideanHessian());
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

    /** An override of euclideanHessian without hasEuclideanHessian(): used, not ignored. */
    @Test
    void overridingTheHessianIsEnoughForTheSolverToUseIt() {
        Problem<DMatrixRMaj> forgetful = new Problem<>() {
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

            @Override
            public void euclideanHessian(DMatrixRMaj x, DMatrixRMaj v, DMatrixRMaj out) {
                gradient(v, out);
            }
        };
        assertTrue(forgetful.hasEuclideanHessian());
        SolverResult<DMatrixRMaj> expected = solve(brockett);
        SolverResult<DMatrixRMaj> actual = solve(forgetful);
        assertEquals(expected.gradientEvaluations(), actual.gradientEvaluations(), actual::summary);
        assertEquals(expected.iterations(), actual.iterations());
    }

    @Test
    void claimingAHessianWithoutOneIsRejectedBeforeSolving() {
        Problem<DMatrixRMaj> boastful = new Problem<>() {
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

            @Override
            public boolean hasEuclideanHessian() {
                return true;
            }
        };
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> solve(boastful));
        assertTrue(error.getMessage().contains("euclideanHessian"), error.getMessage());
    }

    @Test
    void aSubclassInheritsTheHessianOfItsParent() {
        class Weighted extends ForwardingBrockett {
            Weighted() {
                super(brockett);
            }
        }
        assertTrue(new Weighted().hasEuclideanHessian());
        assertFalse(Problem.of(stiefel, this::cost, this::gradient).hasPreconditioner());
        assertFalse(brockett.hasPreconditioner());
    }

    private static class ForwardingBrockett implements Problem<DMatrixRMaj> {
        private final BrockettProblem<DMatrixRMaj> inner;

        ForwardingBrockett(BrockettProblem<DMatrixRMaj> inner) {
            this.inner = inner;
        }

        @Override
        public Manifold<DMatrixRMaj> manifold() {
            return inner.manifold();
        }

        @Override
        public double cost(DMatrixRMaj x) {
            return inner.cost(x);
        }

        @Override
        public void euclideanGradient(DMatrixRMaj x, DMatrixRMaj out) {
            inner.euclideanGradient(x, out);
        }

        @Override
        public void euclideanHessian(DMatrixRMaj x, DMatrixRMaj v, DMatrixRMaj out) {
            inner.euclideanHessian(x, v, out);
        }
    }
}
