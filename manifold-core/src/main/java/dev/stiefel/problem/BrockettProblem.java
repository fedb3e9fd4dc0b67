package dev.stiefel.problem;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.manifold.Manifold;
import dev.stiefel.manifold.Stiefel;
import java.util.Optional;
import java.util.random.RandomGenerator;
import org.ejml.data.DMatrixRMaj;

/**
 * The Brockett cost {@code f(X) = tr(X^T A X N)} with symmetric {@code A} ({@code n x n}) and
 * symmetric {@code N} ({@code p x p}), whose Euclidean derivatives are known in closed form:
 * {@code grad f = 2 A X N}, {@code Hess f[V] = 2 A V N} (Absil, Mahony, Sepulchre 2008,
 * Sec. 4.8). With {@code N = I} it is invariant under {@code X -> X Q}, so it is also a cost on
 * the Grassmann manifold. Written against {@link DenseKernels}, so every backend can use it.
 *
 * @param <M> the backend's matrix type
 */
public final class BrockettProblem<M> implements Problem<M> {

    private final Manifold<M> manifold;
    private final DenseKernels<M> kernels;
    private final M a;
    private final M weights;
    private final M product;
    private final M weighted;

    /**
     * @param a symmetric {@code n x n}
     * @param weights symmetric {@code p x p}
     */
    public BrockettProblem(Manifold<M> manifold, DenseKernels<M> kernels, DMatrixRMaj a, DMatrixRMaj weights) {
        this.manifold = manifold;
        this.kernels = kernels;
        this.a = kernels.fromHost(a);
        this.weights = kernels.fromHost(weights);
        this.product = kernels.create(a.numRows, weights.numRows);
        this.weighted = kernels.create(a.numRows, weights.numRows);
    }

    /**
     * The Brockett problem on {@code stiefel} with a random symmetric {@code A} (standard normal
     * entries, symmetrised) and {@code N = diag(1, 2, ..., p)}: its minimisers have the
     * eigenvectors of the {@code p} smallest eigenvalues of {@code A} as columns, the smallest
     * eigenvalue's last, and the minimum is {@code sum_j (j + 1) lambda_(p - 1 - j)} over the
     * ascending eigenvalues {@code lambda} (Absil, Mahony, Sepulchre 2008, sec. 4.8).
     */
    public static <M> BrockettProblem<M> random(Stiefel<M> stiefel, RandomGenerator random) {
        return random(stiefel, stiefel.kernels(), stiefel.rows(), stiefel.columns(), false, random);
    }

    /** The symmetric {@code n x n} matrix {@code A} (a host copy). */
    public DMatrixRMaj a() {
        return kernels.toHost(a, new DMatrixRMaj(1, 1));
    }

    /** The symmetric {@code p x p} weight matrix {@code N} (a host copy). */
    public DMatrixRMaj weights() {
        return kernels.toHost(weights, new DMatrixRMaj(1, 1));
    }

    /**
     * A random symmetric {@code A} with standard normal entries (symmetrised) and
     * {@code N = diag(1, 2, ..., p)}, or {@code N = I} when {@code invariant}.
     */
    public static <M> BrockettProblem<M> random(Manifold<M> manifold, DenseKernels<M> kernels, int n, int p,
            boolean invariant, RandomGenerator random) {
        DMatrixRMaj a = new DMatrixRMaj(n, n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double value = random.nextGaussian();
                a.set(i, j, value);
                a.set(j, i, value);
            }
        }
        DMatrixRMaj weights = new DMatrixRMaj(p, p);
        for (int i = 0; i < p; i++) {
            weights.set(i, i, invariant ? 1.0 : i + 1.0);
        }
        return new BrockettProblem<>(manifold, kernels, a, weights);
    }

    @Override
    public Manifold<M> manifold() {
        return manifold;
    }

    @Override
    public double cost(M x) {
        kernels.gemm(1.0, a, false, x, false, 0.0, product);
        kernels.gemm(1.0, product, false, weights, false, 0.0, weighted);
        return kernels.dot(x, weighted);
    }

    @Override
    public void euclideanGradient(M x, M out) {
        kernels.gemm(2.0, a, false, x, false, 0.0, product);
        kernels.gemm(1.0, product, false, weights, false, 0.0, out);
    }

    @Override
    public Optional<EuclideanHessian<M>> euclideanHessian() {
        return Optional.of(this::hessian);
    }

    private void hessian(M x, M v, M out) {
        euclideanGradient(v, out);
    }
}
