package dev.stiefel;

import static org.ejml.dense.row.CommonOps_DDRM.diag;
import static org.ejml.dense.row.CommonOps_DDRM.mult;
import static org.ejml.dense.row.CommonOps_DDRM.multTransA;
import static org.ejml.dense.row.CommonOps_DDRM.trace;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.manifold.Stiefel;
import dev.stiefel.problem.Problem;
import dev.stiefel.solver.IterationPrinter;
import dev.stiefel.solver.SolverResult;
import dev.stiefel.solver.StopReason;
import dev.stiefel.solver.TrustRegions;
import dev.stiefel.solver.TrustRegionsOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.IntStream;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.RandomMatrices_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;
import org.junit.jupiter.api.Test;

/**
 * The README's first example, compiled and checked: the Brockett cost {@code tr(X^T A X N)} on
 * St(200, 20) with trust regions. The body of {@link #example} is the README snippet with
 * {@code System.out} passed in as {@code out} (tests do not print); the test checks the printed
 * trace and compares the minimum with the closed form {@code sum_j N_jj lambda_(p+1-j)} over the
 * ascending eigenvalues of A, from EJML's eigendecomposition (Absil, Mahony, Sepulchre 2008,
 * sec. 4.8).
 */
class ReadmeExampleTest {

    private static final double COST_TOLERANCE = 1e-10;

    static SolverResult<DMatrixRMaj> example(PrintStream out) {
        // ---- README snippet (System.out for out) ----
        int n = 200, p = 20;
        DMatrixRMaj a = RandomMatrices_DDRM.symmetric(n, -1, 1, new Random(42));
        DMatrixRMaj weights = diag(IntStream.rangeClosed(1, p).asDoubleStream().toArray());
        Stiefel<DMatrixRMaj> stiefel = Stiefel.onCpu(n, p);
        Problem<DMatrixRMaj> brockett = Problem.of(stiefel,
                x -> trace(multTransA(x, mult(mult(a, x, null), weights, null), null)), // tr(X^T A X N)
                (x, g) -> mult(2, mult(a, x, null), weights, g),              // grad f = 2 A X N
                (x, v, h) -> mult(2, mult(a, v, null), weights, h));          // Hess f[V] = 2 A V N
        var solver = new TrustRegions<DMatrixRMaj>(TrustRegionsOptions.defaults(), IterationPrinter.to(out));
        SolverResult<DMatrixRMaj> result = solver.solve(brockett);
        out.println(result.summary());
        // ---- end of snippet ----
        solver.close();
        stiefel.close();
        return result;
    }

    @Test
    void readmeExampleReachesTheBrockettMinimum() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        SolverResult<DMatrixRMaj> result = example(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");

        assertEquals(StopReason.GRADIENT_NORM, result.stopReason(), result::summary);
        assertEquals(IterationPrinter.header(), lines[0]);
        assertEquals(result.iterations() + 3, lines.length, "header, iterations 0..k, summary");
        assertEquals(result.summary(), lines[lines.length - 1]);

        DMatrixRMaj a = RandomMatrices_DDRM.symmetric(200, -1, 1, new Random(42));
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(200, false, true);
        assertTrue(eig.decompose(a));
        double[] lambda = new double[200];
        for (int i = 0; i < 200; i++) {
            lambda[i] = eig.getEigenvalue(i).real;
        }
        Arrays.sort(lambda);
        double minimum = 0;
        for (int j = 1; j <= 20; j++) {
            minimum += j * lambda[20 - j];
        }
        assertEquals(minimum, result.cost(), COST_TOLERANCE * Math.abs(minimum));
    }
}
