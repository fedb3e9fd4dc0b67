package dev.stiefel.problem;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.manifold.Manifold;
import java.util.Optional;
import org.ejml.data.DMatrixRMaj;

/**
 * Rayleigh quotient {@code f(x) = s x^T A x} on the unit sphere of {@code n x 1} matrices, A
 * symmetric, {@code s = +1} (minimiser: eigenvector of the smallest eigenvalue) or {@code -1}
 * (largest). Euclidean gradient {@code 2 s A x}, Hessian {@code 2 s A v} (Absil, Mahony,
 * Sepulchre 2008, sec. 4.6). Written against {@link DenseKernels}.
 *
 * @param <M> the backend's matrix type
 */
public final class RayleighQuotientProblem<M> implements Problem<M> {

    private final Manifold<M> manifold;
    private final DenseKernels<M> kernels;
    private final M a;
    private final double sign;
    private final M product;

    public RayleighQuotientProblem(Manifold<M> manifold, DenseKernels<M> kernels, DMatrixRMaj a, boolean maximise) {
        if (a.numRows != a.numCols) {
            throw new IllegalArgumentException("Rayleigh quotient: A must be square, got " + a.numRows + " x " + a.numCols);
        }
        this.manifold = manifold;
        this.kernels = kernels;
        this.a = kernels.fromHost(a);
        this.sign = maximise ? -1 : 1;
        this.product = kernels.create(a.numRows, 1);
    }

    @Override
    public Manifold<M> manifold() {
        return manifold;
    }

    @Override
    public double cost(M x) {
        kernels.gemm(1.0, a, false, x, false, 0.0, product);
        return sign * kernels.dot(x, product);
    }

    @Override
    public void euclideanGradient(M x, M out) {
        kernels.gemm(2 * sign, a, false, x, false, 0.0, out);
    }

    @Override
    public Optional<EuclideanHessian<M>> euclideanHessian() {
        return Optional.of(this::hessian);
    }

    private void hessian(M x, M v, M out) {
        kernels.gemm(2 * sign, a, false, v, false, 0.0, out);
    }
}
