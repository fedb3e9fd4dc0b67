package dev.stiefel.testkit;

import dev.stiefel.kernel.Kernels;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.manifold.StiefelRetraction;
import java.util.Arrays;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;

/**
 * Problems with known optima and the independent oracles that give them (EJML's
 * eigendecomposition and SVD, not the library's solvers): Brockett's minimisers are eigenvectors
 * of {@code A}, Procrustes' minimiser is the polar factor of {@code A^T B}.
 */
public final class KnownOptima {

    private KnownOptima() {
    }

    /**
     * {@code A = Q diag(lambda) Q^T} with Haar-random orthogonal Q, {@code lambda_k = k} for the
     * {@code p + 1} smallest and the rest spread over {@code (p + 1, p + 11]}: unit gaps where
     * the minimiser lives and a bounded top keep the Brockett Hessian's condition number near
     * {@code 30 p}, so the runs stay short on a shared machine. The eigenvectors are known to
     * the test only through EJML's decomposition of A.
     */
    public static DMatrixRMaj separatedSpectrum(int n, int p, Random random) {
        Stiefel<DMatrixRMaj> orthogonal = Stiefel.onCpu(n, n);
        DMatrixRMaj q = orthogonal.allocate();
        orthogonal.randomPoint(random, q);
        DMatrixRMaj a = new DMatrixRMaj(n, n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double value = 0;
                for (int k = 0; k < n; k++) {
                    double lambda = k <= p ? k + 1 : p + 1 + 10.0 * (k - p) / (n - p);
                    value += q.get(i, k) * lambda * q.get(j, k);
                }
                a.set(i, j, value);
                a.set(j, i, value);
            }
        }
        return a;
    }

    /** Eigenvalues ascending, with the matching unit eigenvectors as columns of {@code vectors}. */
    public static double[] ascendingEigen(DMatrixRMaj a, DMatrixRMaj vectors) {
        int n = a.numRows;
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(n, true, true);
        if (!eig.decompose(a.copy())) {
            throw new IllegalStateException("EJML's eigendecomposition failed");
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (i, j) -> Double.compare(eig.getEigenvalue(i).real, eig.getEigenvalue(j).real));
        double[] values = new double[n];
        vectors.reshape(n, n);
        for (int k = 0; k < n; k++) {
            values[k] = eig.getEigenvalue(order[k]).real;
            DMatrixRMaj v = eig.getEigenVector(order[k]);
            double norm = 0;
            for (int i = 0; i < n; i++) {
                norm += v.get(i, 0) * v.get(i, 0);
            }
            for (int i = 0; i < n; i++) {
                vectors.set(i, k, v.get(i, 0) / Math.sqrt(norm));
            }
        }
        return values;
    }

    /** Closed form {@code U V^T} for the thin SVD {@code A^T B = U S V^T}. */
    public static DMatrixRMaj polarOfAtB(DMatrixRMaj a, DMatrixRMaj b) {
        DMatrixRMaj atb = new DMatrixRMaj(a.numCols, b.numCols);
        CommonOps_DDRM.multTransA(a, b, atb);
        SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(atb.numRows, atb.numCols,
                true, true, true);
        if (!svd.decompose(atb.copy())) {
            throw new IllegalStateException("EJML's SVD failed");
        }
        DMatrixRMaj u = svd.getU(null, false);
        DMatrixRMaj v = svd.getV(null, false);
        DMatrixRMaj polar = new DMatrixRMaj(atb.numRows, atb.numCols);
        CommonOps_DDRM.multTransB(u, v, polar);
        return polar;
    }

    /** {@code A = c Q} with Q ({@code m x n}) having orthonormal columns. */
    public static DMatrixRMaj scaledOrthonormal(int m, int n, double c, Random random) {
        Stiefel<DMatrixRMaj> st = new Stiefel<>(Kernels.ejml(), m, n, StiefelRetraction.QR);
        DMatrixRMaj q = st.allocate();
        st.randomPoint(random, q);
        CommonOps_DDRM.scale(c, q);
        return q;
    }
}
