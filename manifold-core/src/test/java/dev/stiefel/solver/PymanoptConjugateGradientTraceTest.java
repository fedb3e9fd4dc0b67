package dev.stiefel.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.stiefel.manifold.Stiefel;
import dev.stiefel.problem.BrockettProblem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link ConjugateGradientOptions#pymanopt()} reproduces pymanopt 2.2.1's conjugate-gradient
 * trace on the Brockett cost (reference: {@code src/test/python/pymanopt_conjugate_gradient_trace.py}):
 * the same number of rows, pymanopt's row {@code k + 1} being iteration {@code k} here, and the
 * cost to 10 significant digits at every row. The tolerances stop the runs before the cost
 * decreases reach the rounding of {@code f}, where the line searches' cost comparisons, and
 * with them the traces, depend on how each side rounds the cost. Skipped, with a message,
 * without {@code python3} and numpy.
 */
class PymanoptConjugateGradientTraceTest {

    private static final String SCRIPT = "pymanopt_conjugate_gradient_trace.py";
    private static final double COST_DIGITS = 1e-10;

    @TempDir
    Path directory;

    @ParameterizedTest(name = "St({0}, {1}), seed {2}, |grad| < {3}")
    @CsvSource({"8, 2, 11, 1e-6", "12, 3, 12, 1e-5", "20, 4, 13, 1e-5"})
    void pymanoptPresetReproducesPymanoptsTrace(int n, int p, long seed, double minGradientNorm)
            throws IOException, InterruptedException {
        assumeTrue(Files.isRegularFile(PymanoptReference.DIRECTORY.resolve(SCRIPT)), "reference script not found");
        assumeTrue(PymanoptReference.pythonWithNumpy(),
                "python3 with numpy is not available: pymanopt trace comparison skipped");
        Random random = new Random(seed);
        Stiefel<DMatrixRMaj> stiefel = Stiefel.onCpu(n, p);
        BrockettProblem<DMatrixRMaj> problem = BrockettProblem.random(stiefel, random);
        DMatrixRMaj start = stiefel.allocate();
        stiefel.randomPoint(random, start);
        List<double[]> reference = PymanoptReference.trace(SCRIPT, directory.resolve("brockett.txt"),
                minGradientNorm, problem.a(), problem.weights(), start);

        ConjugateGradientOptions pymanopt = ConjugateGradientOptions.pymanopt();
        List<IterationRecord> trace = solve(problem, start, pymanopt.withStopping(
                pymanopt.stopping().withMinGradientNorm(minGradientNorm)));

        assertTrue(reference.size() > 5, "the reference ran " + reference.size() + " rows");
        assertEquals(reference.size(), trace.size(), "rows (pymanopt, here)");
        for (int k = 0; k < trace.size(); k++) {
            int row = k;
            assertEquals(k + 1, (int) reference.get(k)[0]);
            assertEquals(reference.get(k)[1], trace.get(k).cost(), COST_DIGITS * Math.abs(reference.get(k)[1]),
                    () -> "cost at iteration " + row);
        }
    }

    private static List<IterationRecord> solve(BrockettProblem<DMatrixRMaj> problem, DMatrixRMaj start,
            ConjugateGradientOptions options) {
        try (ConjugateGradient<DMatrixRMaj> solver = new ConjugateGradient<>(options)) {
            return solver.solve(problem, start).historyRecords();
        }
    }
}
