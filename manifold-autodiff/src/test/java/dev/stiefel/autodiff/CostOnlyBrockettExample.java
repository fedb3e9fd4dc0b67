package dev.stiefel.autodiff;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.solver.SolverResult;
import dev.stiefel.solver.TrustRegions;
import java.io.PrintStream;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.RandomMatrices_DDRM;

/**
 * The README's cost-only example: the Brockett cost {@code tr(X^T A X N)}, {@code N = diag(1,
 * ..., p)}, on St(200, 20), written once in NDArray operations and minimised by trust regions
 * with the gradient and Hessian-vector products from DJL's autograd (pymanopt's first example,
 * in Java). {@link CostOnlyBrockettExampleTest} runs it and compares with the hand-written
 * Brockett problem.
 */
public final class CostOnlyBrockettExample {

    private CostOnlyBrockettExample() {
    }

    /** The snippet, printing to {@code out}; returns the result for the test. */
    static SolverResult<DMatrixRMaj> run(PrintStream out) {
        // ---- README snippet (System.out for out) ----
        int n = 200, p = 20;
        DMatrixRMaj a = RandomMatrices_DDRM.symmetric(n, -1, 1, new Random(42));
        try (NDManager constants = NDManager.newBaseManager("PyTorch");
                Stiefel<DMatrixRMaj> stiefel = Stiefel.onCpu(n, p)) {
            NDArray matrix = constants.create(a.data, new Shape(n, n));
            NDArray weights = constants.arange(1, p + 1, 1, DataType.FLOAT64);        // diagonal of N
            try (var problem = AutodiffProblem.of(stiefel, x -> x.mul(matrix.matMul(x)).mul(weights).sum());
                    var solver = new TrustRegions<DMatrixRMaj>()) {
                SolverResult<DMatrixRMaj> result = solver.solve(problem);
                out.println(result.summary());
                return result;
            }
        }
        // ---- end of snippet ----
    }

    /**
     * Prints the solver's summary.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        run(System.out);
    }
}
