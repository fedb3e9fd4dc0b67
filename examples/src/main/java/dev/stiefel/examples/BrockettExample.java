package dev.stiefel.examples;

import static org.ejml.dense.row.CommonOps_DDRM.diag;
import static org.ejml.dense.row.CommonOps_DDRM.mult;
import static org.ejml.dense.row.CommonOps_DDRM.multTransA;
import static org.ejml.dense.row.CommonOps_DDRM.trace;

import dev.stiefel.manifold.Stiefel;
import dev.stiefel.problem.Problem;
import dev.stiefel.solver.IterationPrinter;
import dev.stiefel.solver.SolverResult;
import dev.stiefel.solver.TrustRegions;
import dev.stiefel.solver.TrustRegionsOptions;
import java.util.Random;
import java.util.stream.IntStream;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.RandomMatrices_DDRM;

public class BrockettExample {
    public static void main(String[] args) {
        int n = 200, p = 20;
        DMatrixRMaj a = RandomMatrices_DDRM.symmetric(n, -1, 1, new Random(42));
        DMatrixRMaj weights = diag(IntStream.rangeClosed(1, p).asDoubleStream().toArray());
        try (Stiefel<DMatrixRMaj> stiefel = Stiefel.onCpu(n, p);
                var solver = new TrustRegions<DMatrixRMaj>(TrustRegionsOptions.defaults(), IterationPrinter.to(System.out))) {
            Problem<DMatrixRMaj> brockett = Problem.of(stiefel,
                    x -> trace(multTransA(x, mult(mult(a, x, null), weights, null), null)), // tr(X^T A X N)
                    (x, g) -> mult(2, mult(a, x, null), weights, g),              // grad f = 2 A X N
                    (x, v, h) -> mult(2, mult(a, v, null), weights, h));          // Hess f[V] = 2 A V N
            SolverResult<DMatrixRMaj> result = solver.solve(brockett);
            System.out.println(result.summary());
        }
    }
}
