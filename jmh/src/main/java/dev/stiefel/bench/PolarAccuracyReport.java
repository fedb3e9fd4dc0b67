package dev.stiefel.bench;

import dev.stiefel.testkit.TestMatrices;
import dev.stiefel.kernel.OpenBlasKernels;
import java.util.Locale;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.QRDecomposition;

/**
 * Orthonormality of the OpenBLAS polar factor with and without its check and refinement
 * ({@link OpenBlasKernels#refinePolar}), printed as a markdown table (a command-line tool of
 * the benchmark jar, not library code): {@code max |q^T q - I|}, recomputed with EJML, for a
 * Gaussian matrix and for matrices with prescribed condition numbers.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.stiefel.bench.PolarAccuracyReport [rows cols]}
 * (default 1024 1000).
 */
public final class PolarAccuracyReport {

    private PolarAccuracyReport() {
    }

    public static void main(String[] args) {
        int rows = args.length >= 2 ? Integer.parseInt(args[0]) : 1024;
        int cols = args.length >= 2 ? Integer.parseInt(args[1]) : 1000;
        if (!OpenBlasKernels.isAvailable()) {
            System.out.println("OpenBLAS natives unavailable: " + OpenBlasKernels.loadFailure());
            return;
        }
        System.out.printf(Locale.ROOT, "Polar factor of a %d x %d matrix, max |q^T q - I| (EJML recomputation)%n%n",
                rows, cols);
        System.out.println("| input | refined (default): steps | refined: max error | plain: max error |");
        System.out.println("|---|---:|---:|---:|");
        report("Gaussian", TestMatrices.gaussian(rows, cols, TestMatrices.SEED), rows);
        for (double condition : new double[] {1e2, 1e4}) {
            report(String.format(Locale.ROOT, "singular values 1 .. 1/%.0e", condition),
                    withCondition(rows, cols, condition, new Random(TestMatrices.SEED)), rows);
        }
    }

    private static void report(String name, DMatrixRMaj a, int rows) {
        OpenBlasKernels refined = new OpenBlasKernels();
        OpenBlasKernels plain = new OpenBlasKernels().refinePolar(false);
        DMatrixRMaj q = new DMatrixRMaj(a.numRows, a.numCols);
        refined.polar(a, q);
        double refinedError = orthonormalityError(q);
        int steps = refined.lastRefinementSteps();
        plain.polar(a, q);
        System.out.printf(Locale.ROOT, "| %s | %d | %.2e | %.2e |%n", name, steps, refinedError,
                orthonormalityError(q));
    }

    /** {@code u diag(s) v^T} with Haar-like u, v and log-spaced s from 1 to 1/condition. */
    private static DMatrixRMaj withCondition(int rows, int cols, double condition, Random random) {
        DMatrixRMaj u = orthonormal(rows, cols, random);
        DMatrixRMaj v = orthonormal(cols, cols, random);
        for (int j = 0; j < cols; j++) {
            double s = Math.pow(condition, -(double) j / Math.max(1, cols - 1));
            for (int i = 0; i < rows; i++) {
                u.set(i, j, u.get(i, j) * s);
            }
        }
        DMatrixRMaj a = new DMatrixRMaj(rows, cols);
        CommonOps_DDRM.multTransB(u, v, a);
        return a;
    }

    private static DMatrixRMaj orthonormal(int rows, int cols, Random random) {
        DMatrixRMaj g = TestMatrices.gaussian(rows, cols, random.nextLong());
        QRDecomposition<DMatrixRMaj> qr = DecompositionFactory_DDRM.qr(rows, cols);
        qr.decompose(g);
        return qr.getQ(null, true);
    }

    private static double orthonormalityError(DMatrixRMaj q) {
        DMatrixRMaj gram = new DMatrixRMaj(q.numCols, q.numCols);
        CommonOps_DDRM.multTransA(q, q, gram);
        double largest = 0.0;
        for (int i = 0; i < q.numCols; i++) {
            for (int j = 0; j < q.numCols; j++) {
                largest = Math.max(largest, Math.abs(gram.get(i, j) - (i == j ? 1.0 : 0.0)));
            }
        }
        return largest;
    }
}
