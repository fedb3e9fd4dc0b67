package dev.stiefel.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.manifold.Stiefel;
import dev.stiefel.problem.BrockettProblem;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/**
 * {@link ConjugateGradientOptions#pymanopt()} reproduces pymanopt 2.2.1's conjugate-gradient
 * trace on the Brockett cost (reference: {@code src/test/python/pymanopt_conjugate_gradient_trace.py}):
 * the same number of rows, pymanopt's row {@code k + 1} being iteration {@code k} here, the cost
 * to 10 significant digits and the gradient norm to 5 at every row.
 *
 * <p>Why the tolerances stop early. Conjugate gradients amplify rounding in the gradient from
 * one iteration to the next (Hestenes-Stiefel's {@code beta} divides by differences of nearly
 * equal gradients), so two faithful evaluations of the same algorithm drift apart: on St(20, 4),
 * seed 13, pymanopt's own trace with the Euclidean gradient evaluated as {@code 2 A (X N)}
 * instead of {@code 2 (A X) N} differs in the gradient norm by 1e-10 (relative) from row 52, 1e-6
 * from row 88, 1e-2 from row 120, and stops at 1e-5 after 141 rows instead of 132; this code,
 * rounding differently again, stopped after 139. The costs still agree to 1e-12 there: the
 * iterates differ by about 1e-8, which moves the gradient to first order and the cost only to
 * second. Beyond such a row the trace is decided by rounding, not by the algorithm, and no
 * implementation can be held to it. So each case first checks that its trace is a property of
 * the algorithm: pymanopt's trace, run a second time with the gradient reassociated, must
 * have the same rows and gradient norms within {@link #GRADIENT_DIGITS}, and no row's gradient
 * norm may lie within {@link #GRADIENT_DIGITS} of the tolerance. A case that breaks this fails
 * with that message, and its tolerance must be raised; the tolerances below leave a margin of
 * ten or more in the gradient norms' agreement.
 */
class PymanoptConjugateGradientTraceTest {

    private static final String SCRIPT = "pymanopt_conjugate_gradient_trace.py";
    private static final double COST_DIGITS = 1e-10;
    /** Relative agreement of gradient norms between two evaluations of the same trace. */
    private static final double GRADIENT_DIGITS = 1e-5;

    @TempDir
    Path directory;

    @ParameterizedTest(name = "St({0}, {1}), seed {2}, |grad| < {3}")
    @CsvSource({"8, 2, 11, 1e-6", "12, 3, 12, 1e-4", "20, 4, 13, 3e-3"})
    void pymanoptPresetReproducesPymanoptsTrace(int n, int p, long seed, double minGradientNorm)
            throws IOException, InterruptedException {
        PymanoptReference.script(SCRIPT);
        PymanoptReference.requirePythonWithNumpy();
        Random random = new Random(seed);
        Stiefel<DMatrixRMaj> stiefel = Stiefel.onCpu(n, p);
        BrockettProblem<DMatrixRMaj> problem = BrockettProblem.random(stiefel, random);
        DMatrixRMaj start = stiefel.allocate();
        stiefel.randomPoint(random, start);
        List<double[]> reference = PymanoptReference.trace(SCRIPT, directory.resolve("brockett.txt"),
                minGradientNorm, problem.a(), problem.weights(), start);
        List<double[]> reassociated = PymanoptReference.trace(SCRIPT, directory.resolve("brockett.txt"),
                minGradientNorm, problem.a(), problem.weights(), start, "reassociated");
        assertDecidedByTheAlgorithm(reference, reassociated, minGradientNorm);

        ConjugateGradientOptions pymanopt = ConjugateGradientOptions.pymanopt();
        List<IterationRecord> trace = solve(problem, start, pymanopt.withStopping(
                pymanopt.stopping().withMinGradientNorm(minGradientNorm)));

        assertTrue(reference.size() > 30, "the reference ran " + reference.size() + " rows");
        assertEquals(reference.size(), trace.size(), "rows (pymanopt, here)");
        for (int k = 0; k < trace.size(); k++) {
            int row = k;
            double[] expected = reference.get(k);
            assertEquals(k + 1, (int) expected[0]);
            assertEquals(expected[1], trace.get(k).cost(), COST_DIGITS * Math.abs(expected[1]),
                    () -> "cost at iteration " + row);
            assertEquals(expected[2], trace.get(k).gradientNorm(), GRADIENT_DIGITS * expected[2],
                    () -> "gradient norm at iteration " + row);
        }
    }

    /**
     * Fails unless the two evaluations of pymanopt's trace have the same rows and gradient
     * norms within {@link #GRADIENT_DIGITS}, and every row's gradient norm is farther than that
     * from the tolerance (so that the row where the run stops is not a matter of rounding).
     */
    private static void assertDecidedByTheAlgorithm(List<double[]> reference, List<double[]> reassociated,
            double minGradientNorm) {
        String advice = " (the trace at |grad| < " + minGradientNorm + " is decided by rounding: raise the tolerance)";
        assertEquals(reference.size(), reassociated.size(), "rows of pymanopt's trace, reassociated" + advice);
        for (int k = 0; k < reference.size(); k++) {
            double gradientNorm = reference.get(k)[2];
            int row = k;
            assertEquals(gradientNorm, reassociated.get(k)[2], GRADIENT_DIGITS * gradientNorm,
                    () -> "gradient norm of pymanopt's trace, reassociated, at iteration " + row + advice);
            assertTrue(Math.abs(gradientNorm - minGradientNorm) > GRADIENT_DIGITS * minGradientNorm,
                    () -> "gradient norm " + gradientNorm + " at iteration " + row + " is the tolerance to rounding"
                            + advice);
        }
    }

    /**
     * Without python3 and numpy the comparisons fail under continuous integration and are
     * skipped elsewhere; a missing reference script always fails.
     */
    @Test
    void missingReferenceFailsUnderContinuousIntegration() {
        assertThrows(AssertionFailedError.class, () -> PymanoptReference.requirePythonWithNumpy(false, true));
        assertThrows(TestAbortedException.class, () -> PymanoptReference.requirePythonWithNumpy(false, false));
        PymanoptReference.requirePythonWithNumpy(true, true);
        PymanoptReference.requirePythonWithNumpy(true, false);
        assertThrows(AssertionFailedError.class, () -> PymanoptReference.script("no_such_reference.py"));
        assertTrue(PymanoptReference.script(SCRIPT).toFile().isFile());
    }

    private static List<IterationRecord> solve(BrockettProblem<DMatrixRMaj> problem, DMatrixRMaj start,
            ConjugateGradientOptions options) {
        try (ConjugateGradient<DMatrixRMaj> solver = new ConjugateGradient<>(options)) {
            return solver.solve(problem, start).historyRecords();
        }
    }
}
