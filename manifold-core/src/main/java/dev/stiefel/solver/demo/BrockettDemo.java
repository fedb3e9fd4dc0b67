package dev.stiefel.solver.demo;

import dev.stiefel.manifold.Stiefel;
import dev.stiefel.problem.BrockettProblem;
import dev.stiefel.solver.IterationPrinter;
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
 * <p>Arguments (optional): {@code n p seed}. A command-line program: it owns the terminal.
 */
public final class BrockettDemo {

    private BrockettDemo() {
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        int p = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        long seed = args.length > 2 ? Long.parseLong(args[2]) : 42L;
        Random random = new Random(seed);
        DMatrixRMaj a = new DMatrixRMaj(n, n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double value = random.nextGaussian();
                a.set(i, j, value);
                a.set(j, i, value);
            }
        }
        DMatrixRMaj weights = new DMatrixRMaj(p, p);
        for (int j = 0; j < p; j++) {
            weights.set(j, j, p - j);
        }
        try (Stiefel<DMatrixRMaj> stiefel = Stiefel.onCpu(n, p);
                TrustRegions<DMatrixRMaj> solver = new TrustRegions<>(
                        TrustRegionsOptions.defaults()
                                .withStopping(StoppingCriteria.defaults().withMinGradientNorm(1e-10)),
                        IterationPrinter.to(System.out))) {
            BrockettProblem<DMatrixRMaj> problem = new BrockettProblem<>(stiefel, stiefel.kernels(), a, weights);
            DMatrixRMaj start = stiefel.allocate();
            stiefel.randomPoint(random, start);
            System.out.printf(Locale.ROOT, "Brockett cost on %s (kernels: %s), trust regions%n", stiefel.name(),
                    stiefel.kernels().name());
            SolverResult<DMatrixRMaj> result = solver.solve(problem, start);
            System.out.println(result.summary());
        }
    }
}
