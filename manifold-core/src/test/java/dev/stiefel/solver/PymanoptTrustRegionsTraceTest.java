package dev.stiefel.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.manifold.Stiefel;
import dev.stiefel.problem.BrockettProblem;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link TrustRegionsOptions#pymanopt()} reproduces pymanopt 2.2.1's trust-region iteration
 * trace on the Brockett cost: same number of iterations, cost to 10 significant digits at every
 * iteration, and the same inner (truncated-CG) iteration counts and gradient norms to 6 digits
 * wherever the inner solve's target is above rounding (all but the last one or two iterations). The reference is
 * {@code src/test/python/pymanopt_trust_regions_trace.py}, a numpy transcription of pymanopt's
 * {@code trust_regions.py} and {@code stiefel.py}, run on the same A, N and start point; without
 * {@code python3} and numpy the test fails under continuous integration and is skipped elsewhere
 * ({@link PymanoptReference#requirePythonWithNumpy()}).
 */
class PymanoptTrustRegionsTraceTest {

    private static final String SCRIPT = "pymanopt_trust_regions_trace.py";
    private static final double COST_DIGITS = 1e-10;
    private static final double GRADIENT_RELATIVE = 1e-6;
    private static final double GRADIENT_ABSOLUTE = 1e-11;
    private static final double RESOLVED_GRADIENT = 1e-3;

    @TempDir
    Path directory;

    /**
     * Gaussian A from random starts, and a clustered spectrum from a start near the minimiser,
     * where the Hessian is nearly a multiple of the identity: there one inner step reaches
     * Manopt's residual target and pymanopt's count from 0 forces a second, so the trace tells
     * the two apart.
     */
    @ParameterizedTest(name = "St({0}, {1}), seed {2}, |grad| < {3}, {4} spectrum")
    @CsvSource({"12, 4, 1, 1e-6, gaussian", "20, 5, 2, 1e-9, gaussian", "30, 3, 3, 1e-6, gaussian",
            "15, 1, 4, 1e-10, clustered"})
    void pymanoptPresetReproducesPymanoptsTrace(int n, int p, long seed, double minGradientNorm, String spectrum)
            throws IOException, InterruptedException {
        PymanoptReference.script(SCRIPT);
        PymanoptReference.requirePythonWithNumpy();
        Random random = new Random(seed);
        Stiefel<DMatrixRMaj> stiefel = Stiefel.onCpu(n, p);
        boolean clustered = spectrum.equals("clustered");
        BrockettProblem<DMatrixRMaj> problem = clustered ? clustered(stiefel, random) : BrockettProblem.random(stiefel, random);
        DMatrixRMaj start = stiefel.allocate();
        if (clustered) {
            nearTheMinimiser(stiefel, problem, random, start);
        } else {
            stiefel.randomPoint(random, start);
        }

        List<double[]> reference = PymanoptReference.trace(SCRIPT, directory.resolve("brockett.txt"),
                minGradientNorm, problem.a(), problem.weights(), start);

        TrustRegionsOptions options = TrustRegionsOptions.pymanopt()
                .withStopping(TrustRegionsOptions.pymanopt().stopping().withMinGradientNorm(minGradientNorm));
        SolverResult<DMatrixRMaj> result;
        try (TrustRegions<DMatrixRMaj> solver = new TrustRegions<>(options)) {
            result = solver.solve(problem, start);
        }
        List<IterationRecord> trace = result.historyRecords();

        assertTrue(reference.size() > 2, "the reference ran " + (reference.size() - 1) + " iterations");
        assertEquals(reference.size(), trace.size(), "number of iterations (pymanopt, here)");
        int last = trace.size() - 1;
        int compared = 0;
        for (int k = 0; k <= last; k++) {
            double[] expected = reference.get(k);
            IterationRecord actual = trace.get(k);
            int iteration = k;
            assertEquals((int) expected[0], actual.iteration());
            assertEquals(expected[2], actual.cost(), COST_DIGITS * Math.abs(expected[2]), () -> "cost at " + iteration);
            if (k == 0 || reference.get(k - 1)[3] >= RESOLVED_GRADIENT) {
                // An inner solve from a gradient g stops at a residual ~ ||g||^2 (theta = 1);
                // below ||g|| = 1e-3 that residual nears the level where conjugate-gradient
                // iterations amplify rounding differences, so the step count and the next
                // gradient norm are compared only while ||g|| is above it.
                assertEquals((int) expected[1], actual.innerIterations(), () -> "inner iterations at " + iteration);
                assertEquals(expected[3], actual.gradientNorm(),
                        Math.max(GRADIENT_ABSOLUTE, GRADIENT_RELATIVE * expected[3]), () -> "|grad| at " + iteration);
                compared++;
            }
        }
        if (clustered) {
            List<IterationRecord> manopt;
            try (TrustRegions<DMatrixRMaj> solver = new TrustRegions<>(TrustRegionsOptions.manopt()
                    .withStopping(options.stopping()))) {
                manopt = solver.solve(problem, start).historyRecords();
            }
            assertTrue(manopt.get(1).innerIterations() < reference.get(1)[1],
                    "Manopt's mininner = 1 stops the first inner solve earlier than pymanopt's: "
                            + manopt.get(1).innerIterations() + " vs " + (int) reference.get(1)[1]);
        }
        assertTrue(compared >= last - 2, "inner counts compared at " + compared + " of " + last + " iterations");
        assertTrue(reference.get(last)[3] < minGradientNorm, "pymanopt stopped on the gradient norm");
        assertEquals(StopReason.GRADIENT_NORM, result.stopReason());
    }

    /**
     * {@code A = Q diag(1, 11 + 0.01 k / n) Q^T} (k = 1..n-1) with Haar-random Q and
     * {@code N = I}: on {@code St(n, 1)} the Riemannian Hessian near the minimiser {@code q_0}
     * is {@code 2 (A - f I)} on the tangent space, nearly {@code 20 I}.
     */
    private static BrockettProblem<DMatrixRMaj> clustered(Stiefel<DMatrixRMaj> stiefel, Random random) {
        int n = stiefel.rows();
        Stiefel<DMatrixRMaj> orthogonal = Stiefel.onCpu(n, n);
        DMatrixRMaj q = orthogonal.allocate();
        orthogonal.randomPoint(random, q);
        DMatrixRMaj a = new DMatrixRMaj(n, n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double value = q.get(i, 0) * q.get(j, 0);
                for (int k = 1; k < n; k++) {
                    value += q.get(i, k) * (11 + 0.01 * k / n) * q.get(j, k);
                }
                a.set(i, j, value);
            }
        }
        DMatrixRMaj weights = new DMatrixRMaj(1, 1);
        weights.set(0, 0, 1.0);
        return new BrockettProblem<>(stiefel, stiefel.kernels(), a, weights);
    }

    /**
     * The normalised {@code q_0 + 0.03 g / sqrt(n)}, g Gaussian, where {@code q_0} is the
     * eigenvector of the smallest eigenvalue of A, found by power iteration on
     * {@code 12 I - A} (eigenvalue 11 on {@code q_0}, below 1 elsewhere).
     */
    private static void nearTheMinimiser(Stiefel<DMatrixRMaj> stiefel, BrockettProblem<DMatrixRMaj> problem,
            Random random, DMatrixRMaj out) {
        int n = stiefel.rows();
        DMatrixRMaj a = problem.a();
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = random.nextGaussian();
        }
        for (int iteration = 0; iteration < 200; iteration++) {
            double[] w = new double[n];
            double norm = 0;
            for (int i = 0; i < n; i++) {
                double sum = 12 * v[i];
                for (int j = 0; j < n; j++) {
                    sum -= a.get(i, j) * v[j];
                }
                w[i] = sum;
                norm += sum * sum;
            }
            norm = Math.sqrt(norm);
            for (int i = 0; i < n; i++) {
                v[i] = w[i] / norm;
            }
        }
        double norm = 0;
        for (int i = 0; i < n; i++) {
            v[i] += 0.03 * random.nextGaussian() / Math.sqrt(n);
            norm += v[i] * v[i];
        }
        for (int i = 0; i < n; i++) {
            out.set(i, 0, v[i] / Math.sqrt(norm));
        }
    }
}
