package dev.stiefel.problem;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.manifold.Manifold;
import java.util.Optional;
import org.ejml.data.DMatrixRMaj;

/**
 * Procrustes cost {@code f(X) = ||A X - B||_F^2} with {@code A} ({@code m x n}) and {@code B}
 * ({@code m x p}), for {@code X} on {@code St(n, p)}: Euclidean gradient
 * {@code 2 A^T (A X - B)}, Hessian {@code 2 A^T A V}. When {@code A^T A = c I} the term
 * {@code ||A X||^2 = c p} is constant and the minimiser is the polar factor of {@code A^T B}
 * (Schoenemann 1966; Golub and Van Loan, sec. 6.4.1). Written against {@link DenseKernels}.
 *
 * @param <M> the backend's matrix type
 */
public final class ProcrustesProblem<M> implements Problem<M> {

    private final Manifold<M> manifold;
    private final DenseKernels<M> kernels;
    private final M a;
    private final M b;
    private final M residual;

    public ProcrustesProblem(Manifold<M> manifold, DenseKernels<M> kernels, DMatrixRMaj a, DMatrixRMaj b) {
        if (a.numRows != b.numRows) {
            throw new IllegalArgumentException("Procrustes: A is " + a.numRows + " x " + a.numCols + " but B is "
                    + b.numRows + " x " + b.numCols + "; they need the same number of rows");
        }
        this.manifold = manifold;
        this.kernels = kernels;
        this.a = kernels.fromHost(a);
        this.b = kernels.fromHost(b);
        this.residual = kernels.create(b.numRows, b.numCols);
    }

    @Override
    public Manifold<M> manifold() {
        return manifold;
    }

    private void residual(M x) {
        kernels.copy(b, residual);
        kernels.gemm(1.0, a, false, x, false, -1.0, residual);
    }

    @Override
    public double cost(M x) {
        residual(x);
        return kernels.dot(residual, residual);
    }

    @Override
    public void euclideanGradient(M x, M out) {
        residual(x);
        kernels.gemm(2.0, a, true, residual, false, 0.0, out);
    }

    @Override
    public double costAndEuclideanGradient(M x, M gradientOut) {
        residual(x);
        kernels.gemm(2.0, a, true, residual, false, 0.0, gradientOut);
        return kernels.dot(residual, residual);
    }

    @Override
    public Optional<EuclideanHessian<M>> euclideanHessian() {
        return Optional.of(this::hessian);
    }

    private void hessian(M x, M v, M out) {
        kernels.gemm(1.0, a, false, v, false, 0.0, residual);
        kernels.gemm(2.0, a, true, residual, false, 0.0, out);
    }
}
