package dev.stiefel.solver.demo;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.manifold.Manifold;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.problem.Problem;
import dev.stiefel.solver.SolverResult;
import dev.stiefel.solver.StoppingCriteria;
import dev.stiefel.solver.TrustRegions;
import dev.stiefel.solver.TrustRegionsOptions;
import java.util.Locale;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;

/**
 * Minimises the Brockett cost {@code tr(X^T A X N)}, {@code N = diag(p, ..., 1)}, on
 * {@code St(50, 10)} with Riemannian trust regions and prints each iteration. The minimiser's
 * columns are the eigenvectors of the 10 smallest eigenvalues of A, so the optimal cost is
 * {@code sum_j (p - j) lambda_j} (Absil, Mahony, Sepulchre 2008, sec. 4.8).
 *
 * <p>Arguments (optional): {@code n p seed}.
 */
public final class BrockettDemo {

    private BrockettDemo() {
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        int p = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        long seed = args.length > 2 ? Long.parseLong(args[2]) : 42L;
        Random random = new Random(seed);
        Stiefel<DMatrixRMaj> stiefel = Stiefel.onCpu(n, p);
        DMatrixRMaj a = new DMatrixRMaj(n, n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double value = random.nextGaussian();
                a.set(i, j, value);
                a.set(j, i, value);
            }
        }
        Brockett problem = new Brockett(stiefel, stiefel.kernels(), a, p);
        DMatrixRMaj start = stiefel.allocate();
        stiefel.randomPoint(random, start);

        System.out.printf(Locale.ROOT, "Brockett cost on %s (kernels: %s), trust regions%n", stiefel.name(),
                stiefel.kernels().name());
        System.out.printf(Locale.ROOT, "%5s  %22s  %12s  %12s  %12s  %6s%n", "iter", "cost", "|grad|", "step",
                "radius", "inner");
        TrustRegions<DMatrixRMaj> solver = new TrustRegions<>(
                TrustRegionsOptions.defaults().withStopping(StoppingCriteria.defaults().withMinGradientNorm(1e-10)),
                (iteration, point, cost, gradientNorm, stepSize, radius, inner, elapsed) -> System.out.printf(
                        Locale.ROOT, "%5d  %+22.15e  %12.4e  %12.4e  %12.4e  %6d%n", iteration, cost, gradientNorm,
                        stepSize, radius, inner));
        SolverResult<DMatrixRMaj> result = solver.solve(problem, start);
        System.out.printf(Locale.ROOT, "stopped: %s after %d iterations, %.3f s; cost %.15e, |grad| %.3e%n",
                result.stopReason().description(), result.iterations(), result.elapsedSeconds(), result.cost(),
                result.gradientNorm());
        System.out.printf(Locale.ROOT, "evaluations: %d cost, %d gradient, %d Hessian-vector%n",
                result.costEvaluations(), result.gradientEvaluations(), result.hessianEvaluations());
    }

    /** {@code tr(X^T A X N)}: gradient {@code 2 A X N}, Hessian {@code 2 A V N}, N diagonal. */
    private static final class Brockett implements Problem<DMatrixRMaj> {
        private final Manifold<DMatrixRMaj> manifold;
        private final DenseKernels<DMatrixRMaj> kernels;
        private final DMatrixRMaj a;
        private final double[] weights;
        private final DMatrixRMaj product;

        Brockett(Manifold<DMatrixRMaj> manifold, DenseKernels<DMatrixRMaj> kernels, DMatrixRMaj a, int p) {
            this.manifold = manifold;
            this.kernels = kernels;
            this.a = kernels.fromHost(a);
            this.weights = new double[p];
            for (int j = 0; j < p; j++) {
                weights[j] = p - j;
            }
            this.product = kernels.create(a.numRows, p);
        }

        @Override
        public Manifold<DMatrixRMaj> manifold() {
            return manifold;
        }

        @Override
        public double cost(DMatrixRMaj x) {
            kernels.gemm(1.0, a, false, x, false, 0.0, product);
            kernels.scaleColumns(product, weights, product);
            return kernels.dot(x, product);
        }

        @Override
        public void euclideanGradient(DMatrixRMaj x, DMatrixRMaj out) {
            kernels.gemm(2.0, a, false, x, false, 0.0, out);
            kernels.scaleColumns(out, weights, out);
        }

        @Override
        public boolean hasEuclideanHessian() {
            return true;
        }

        @Override
        public void euclideanHessian(DMatrixRMaj x, DMatrixRMaj v, DMatrixRMaj out) {
            euclideanGradient(v, out);
        }
    }
}
