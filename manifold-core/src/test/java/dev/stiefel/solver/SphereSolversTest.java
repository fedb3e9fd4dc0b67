package dev.stiefel.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.problem.ArrayRayleighQuotient;
import dev.stiefel.problem.ArraySphere;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Solvers on the Rayleigh quotient over {@link ArraySphere} (no matrix backend involved),
 * checked against EJML's symmetric eigendecomposition.
 */
class SphereSolversTest {

    private static final double GRADIENT_TOLERANCE = 1e-9;
    /** {@code 1 - |<x, v>|} for unit vectors; gradient 1e-9 and eigengap ~0.1 give ~1e-16. */
    private static final double ALIGNMENT_TOLERANCE = 1e-12;
    private static final double EIGENVALUE_TOLERANCE = 1e-12;
    private static final int N = 30;

    static double[][] randomSymmetric(int n, Random random) {
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double v = random.nextGaussian();
                a[i][j] = v;
                a[j][i] = v;
            }
        }
        return a;
    }

    /** Eigenvector of the smallest (or largest) eigenvalue, and that eigenvalue, by EJML. */
    static double[] extremeEigenvector(double[][] a, boolean largest, double[] eigenvalueOut) {
        int n = a.length;
        DMatrixRMaj matrix = new DMatrixRMaj(a);
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(n, true, true);
        assertTrue(eig.decompose(matrix.copy()));
        int best = 0;
        for (int i = 1; i < n; i++) {
            double value = eig.getEigenvalue(i).real;
            double bestValue = eig.getEigenvalue(best).real;
            if (largest ? value > bestValue : value < bestValue) {
                best = i;
            }
        }
        eigenvalueOut[0] = eig.getEigenvalue(best).real;
        DMatrixRMaj v = eig.getEigenVector(best);
        double[] out = new double[n];
        double norm = 0;
        for (int i = 0; i < n; i++) {
            out[i] = v.get(i, 0);
            norm += out[i] * out[i];
        }
        for (int i = 0; i < n; i++) {
            out[i] /= Math.sqrt(norm);
        }
        return out;
    }

    static StoppingCriteria tight() {
        return StoppingCriteria.defaults().withMinGradientNorm(GRADIENT_TOLERANCE).withMaxIterations(5000)
                .withMinStepSize(1e-15);
    }

    static Stream<Arguments> solvers() {
        Supplier<Solver<double[]>> tr = () -> new TrustRegions<>(TrustRegionsOptions.defaults().withStopping(tight()));
        Supplier<Solver<double[]>> trFd = () -> new TrustRegions<>(
                TrustRegionsOptions.defaults().withStopping(tight()).withFiniteDifferenceHessian(true));
        Supplier<Solver<double[]>> sd = () -> new SteepestDescent<>(SteepestDescentOptions.defaults().withStopping(tight()));
        Stream.Builder<Arguments> b = Stream.builder();
        b.add(Arguments.of("trust-regions", tr));
        b.add(Arguments.of("trust-regions-fd", trFd));
        b.add(Arguments.of("steepest-descent", sd));
        for (ConjugateGradient.BetaRule rule : ConjugateGradient.BetaRule.values()) {
            // Dai-Yuan keeps descent only under Wolfe steps; with backtracking it needs restarts.
            double powell = rule == ConjugateGradient.BetaRule.DAI_YUAN ? 0.1 : Double.POSITIVE_INFINITY;
            Supplier<Solver<double[]>> cg = () -> new ConjugateGradient<>(ConjugateGradientOptions.defaults()
                    .withStopping(tight()).withBetaRule(rule).withPowellRestartThreshold(powell));
            b.add(Arguments.of("cg-" + rule, cg));
        }
        Supplier<Solver<double[]>> cgArmijo = () -> new ConjugateGradient<>(
                ConjugateGradientOptions.defaults().withStopping(tight()).withPowellRestartThreshold(0.1),
                new ArmijoBacktracking<>(), null);
        b.add(Arguments.of("cg-armijo-powell", cgArmijo));
        return b.build();
    }

    @ParameterizedTest(name = "{0} seed {2} largest {3}")
    @MethodSource("cases")
    void rayleighQuotientReachesExtremeEigenvector(String name, Supplier<Solver<double[]>> factory, long seed,
            boolean largest) {
        Random random = new Random(seed);
        double[][] a = randomSymmetric(N, random);
        ArrayRayleighQuotient problem = new ArrayRayleighQuotient(a, largest, true);
        double[] start = problem.manifold().allocate();
        problem.manifold().randomPoint(random, start);

        SolverResult<double[]> result = factory.get().solve(problem, start);

        assertEquals(StopReason.GRADIENT_NORM, result.stopReason(), name);
        assertTrue(result.gradientNorm() < GRADIENT_TOLERANCE);
        double[] eigenvalue = new double[1];
        double[] v = extremeEigenvector(a, largest, eigenvalue);
        double alignment = Math.abs(problem.manifold().inner(start, result.point(), v));
        assertEquals(1.0, alignment, ALIGNMENT_TOLERANCE, name);
        assertEquals(largest ? -eigenvalue[0] : eigenvalue[0], result.cost(), EIGENVALUE_TOLERANCE * N);
        assertEquals(result.iterations() + 1, result.history().size());
        assertEquals(result.cost(), result.history().cost(result.iterations()));
    }

    static Stream<Arguments> cases() {
        return solvers().flatMap(s -> Stream.of(
                Arguments.of(s.get()[0], s.get()[1], 11L, false),
                Arguments.of(s.get()[0], s.get()[1], 12L, true)));
    }

    @Test
    void problemWithoutHessianUsesFiniteDifferencesAndConverges() {
        Random random = new Random(5);
        double[][] a = randomSymmetric(N, random);
        ArrayRayleighQuotient problem = new ArrayRayleighQuotient(a, false, false);
        double[] start = problem.manifold().allocate();
        problem.manifold().randomPoint(random, start);
        SolverResult<double[]> result = new TrustRegions<double[]>(
                TrustRegionsOptions.defaults().withStopping(tight())).solve(problem, start);
        assertEquals(StopReason.GRADIENT_NORM, result.stopReason());
        double[] eigenvalue = new double[1];
        double[] v = extremeEigenvector(a, false, eigenvalue);
        assertEquals(1.0, Math.abs(problem.manifold().inner(start, result.point(), v)), ALIGNMENT_TOLERANCE);
        assertTrue(result.hessianEvaluations() > 0);
        // Each finite-difference Hessian product costs one gradient.
        assertTrue(result.gradientEvaluations() >= result.hessianEvaluations());
    }

    @Test
    void startPointOffTheManifoldIsRejected() {
        ArrayRayleighQuotient problem = new ArrayRayleighQuotient(randomSymmetric(4, new Random(1)), false, true);
        double[] notUnit = {1, 1, 0, 0};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TrustRegions<double[]>().solve(problem, notUnit));
        assertTrue(e.getMessage().contains("norm"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ConjugateGradient<double[]>().solve(problem, notUnit));
        assertThrows(IllegalArgumentException.class, () -> new SteepestDescent<double[]>().solve(problem, notUnit));
        double[] nan = {Double.NaN, 0, 0, 0};
        assertThrows(IllegalArgumentException.class, () -> new TrustRegions<double[]>().solve(problem, nan));
    }
}
