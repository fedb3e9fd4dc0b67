package dev.stiefel.problem;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.manifold.Manifold;
import java.util.Optional;
import org.ejml.data.DMatrixRMaj;

/**
 * Dominant invariant subspace {@code f(X) = -tr(X^T A X)} on the Grassmann manifold
 * {@code Gr(n, p)} (orthonormal {@code n x p} representatives), A symmetric: the minimiser spans
 * the eigenvectors of the p largest eigenvalues. Euclidean gradient {@code -2 A X}, Hessian
 * {@code -2 A V} (Absil, Mahony, Sepulchre 2008, sec. 6.5.2; Manopt's
 * {@code dominant_invariant_subspace}). Written against {@link DenseKernels}.
 *
 * @param <M> the backend's matrix type
 */
public final class DominantSubspaceProblem<M> implements Problem<M> {

    private final Manifold<M> manifold;
    private final DenseKernels<M> kernels;
    private final M a;
    private final M product;

    public DominantSubspaceProblem(Manifold<M> manifold, DenseKernels<M> kernels, DMatrixRMaj a, int p) {
        if (a.numRows != a.numCols) {
            throw new IllegalArgumentException("dominant subspace: A must be square, got " + a.numRows + " x "
                    + a.numCols);
        }
        this.manifold = manifold;
        this.kernels = kernels;
        this.a = kernels.fromHost(a);
        this.product = kernels.create(a.numRows, p);
    }

    @Override
    public Manifold<M> manifold() {
        return manifold;
    }

    @Override
    public double cost(M x) {
        kernels.gemm(1.0, a, false, x, false, 0.0, product);
        return -kernels.dot(x, product);
    }

    @Override
    public void euclideanGradient(M x, M out) {
        kernels.gemm(-2.0, a, false, x, false, 0.0, out);
    }

    @Override
    public Optional<EuclideanHessian<M>> euclideanHessian() {
        return Optional.of(this::hessian);
    }

    private void hessian(M x, M v, M out) {
        kernels.gemm(-2.0, a, false, v, false, 0.0, out);
    }
}
