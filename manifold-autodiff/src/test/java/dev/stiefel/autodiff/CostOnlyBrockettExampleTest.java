package dev.stiefel.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.stiefel.kernel.Kernels;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.problem.BrockettProblem;
import dev.stiefel.solver.SolverResult;
import dev.stiefel.solver.StopReason;
import dev.stiefel.solver.TrustRegions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.IntStream;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.RandomMatrices_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;
import org.junit.jupiter.api.Test;

/**
 * The README's cost-only example prints its summary and reaches the optimum of the hand-written
 * Brockett problem on the same A, N and start (trust regions' seeded random start), in as many
 * iterations, and that optimum is the closed form {@code sum_j N_jj lambda_(p+1-j)} over the
 * ascending eigenvalues of A (Absil, Mahony, Sepulchre 2008, sec. 4.8).
 */
class CostOnlyBrockettExampleTest {

    private static final double COST_TOLERANCE = 1e-10;

    @Test
    void theExampleReachesTheHandWrittenOptimum() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        SolverResult<DMatrixRMaj> automatic = CostOnlyBrockettExample.run(new PrintStream(bytes, true,
                StandardCharsets.UTF_8));
        assertEquals(automatic.summary() + System.lineSeparator(), bytes.toString(StandardCharsets.UTF_8));

        int n = 200;
        int p = 20;
        DMatrixRMaj a = RandomMatrices_DDRM.symmetric(n, -1, 1, new Random(42));
        DMatrixRMaj weights = CommonOps_DDRM.diag(IntStream.rangeClosed(1, p).asDoubleStream().toArray());
        SolverResult<DMatrixRMaj> handWritten;
        try (Stiefel<DMatrixRMaj> stiefel = Stiefel.onCpu(n, p);
                TrustRegions<DMatrixRMaj> solver = new TrustRegions<>()) {
            handWritten = solver.solve(new BrockettProblem<>(stiefel, Kernels.cpu(), a, weights));
        }
        assertEquals(StopReason.GRADIENT_NORM, automatic.stopReason(), automatic::summary);
        assertEquals(handWritten.iterations(), automatic.iterations(), automatic::summary);
        assertEquals(handWritten.cost(), automatic.cost(), COST_TOLERANCE * Math.abs(handWritten.cost()));

        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(n, false, true);
        eig.decompose(a.copy());
        double[] lambda = new double[n];
        for (int i = 0; i < n; i++) {
            lambda[i] = eig.getEigenvalue(i).real;
        }
        Arrays.sort(lambda);
        double minimum = 0;
        for (int j = 1; j <= p; j++) {
            minimum += j * lambda[p - j];
        }
        assertEquals(minimum, automatic.cost(), COST_TOLERANCE * Math.abs(minimum));
    }
}
