package dev.stiefel.examples;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stiefel.autodiff.AutodiffProblem;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.solver.SolverResult;
import dev.stiefel.solver.TrustRegions;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.RandomMatrices_DDRM;

public class CostOnlyBrockettExample {
    public static void main(String[] args) {
        int n = 200, p = 20;
        DMatrixRMaj a = RandomMatrices_DDRM.symmetric(n, -1, 1, new Random(42));
        try (NDManager constants = NDManager.newBaseManager("PyTorch");
                Stiefel<DMatrixRMaj> stiefel = Stiefel.onCpu(n, p)) {
            NDArray matrix = constants.create(a.data, new Shape(n, n));
            NDArray weights = constants.arange(1, p + 1, 1, DataType.FLOAT64);   // diagonal of N
            try (var problem = AutodiffProblem.of(stiefel, x -> x.mul(matrix.matMul(x)).mul(weights).sum());
                    var solver = new TrustRegions<DMatrixRMaj>()) {                 // tr(X^T A X N) above
                SolverResult<DMatrixRMaj> result = solver.solve(problem);
                System.out.println(result.summary());
            }
        }
    }
}
