package dev.stiefel.examples;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.stiefel.autodiff.AutodiffProblem;
import dev.stiefel.manifold.Euclidean;
import dev.stiefel.manifold.Product;
import dev.stiefel.manifold.ProductPoint;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.solver.SolverResult;
import dev.stiefel.solver.TrustRegions;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.RandomMatrices_DDRM;

/** A cost on a product manifold receives one array per factor: {@code ||A X Y - B||^2} over St(30, 4) x R^(4 x 6). */
public class ProductCostExample {
    public static void main(String[] args) {
        Random random = new Random(3);
        DMatrixRMaj aHost = RandomMatrices_DDRM.rectangle(20, 30, -1, 1, random);
        DMatrixRMaj bHost = RandomMatrices_DDRM.rectangle(20, 6, -1, 1, random);
        try (NDManager constants = NDManager.newBaseManager("PyTorch");
                Product<DMatrixRMaj> product = Product.of(Stiefel.onCpu(30, 4), Euclidean.onCpu(4, 6));
                var solver = new TrustRegions<ProductPoint<DMatrixRMaj>>()) {
            NDArray a = constants.create(aHost.data, new Shape(20, 30));
            NDArray b = constants.create(bHost.data, new Shape(20, 6));
            // snippet-start
            AutodiffProblem<ProductPoint<DMatrixRMaj>> problem = AutodiffProblem.of(product,
                    x -> a.matMul(x.get(0)).matMul(x.get(1)).sub(b).square().sum());      // ||A X Y - B||^2
            // snippet-end
            try (problem) {
                SolverResult<ProductPoint<DMatrixRMaj>> result = solver.solve(problem);
                System.out.println(result.summary());
            }
        }
    }
}
