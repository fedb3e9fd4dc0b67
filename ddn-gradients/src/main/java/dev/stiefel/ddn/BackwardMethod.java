package dev.stiefel.ddn;

import dev.stiefel.kernel.DenseKernels;

/**
 * How a declarative node on the Stiefel manifold differentiates its solution. All of them give
 * the same {@code dL/dx} (to float64 accuracy, tested) where they apply; see
 * {@link DeclarativeBackward} for the shared sign convention.
 */
public enum BackwardMethod {

    /**
     * Closed form of the polar factor's derivative ({@link PolarBackward}) for problems of
     * {@link ProcrustesParametricProblem} form; {@code O(n p^2 + p^3)} time, {@code O(np + p^2)}
     * memory. docs/mathematics.md section 5c.
     */
    CLOSED_FORM {
        @Override
        public <M> DeclarativeBackward<M> create(DenseKernels<M> kernels, ImplicitBackwardOptions options) {
            return new ProcrustesClosedFormBackward<>(kernels);
        }
    },

    /**
     * Conjugate gradients with the Riemannian Hessian on the tangent space
     * ({@link MatrixFreeImplicitBackward}); any problem with Euclidean Hessian-vector products and a
     * positive-definite Riemannian Hessian at the solution; {@code O(np)} memory. docs/mathematics.md section 5b.
     */
    MATRIX_FREE {
        @Override
        public <M> DeclarativeBackward<M> create(DenseKernels<M> kernels, ImplicitBackwardOptions options) {
            return new MatrixFreeImplicitBackward<>(options);
        }
    },

    /**
     * Explicit KKT matrices (Gould et al., Prop. 4.5; {@link StiefelDenseBackward} over
     * {@link DenseKktBackward}): the reference, small sizes only ({@code (np)^2} memory,
     * {@code (np)^3} time), refused with a message above a memory limit. docs/mathematics.md section 5a.
     */
    DENSE {
        @Override
        public <M> DeclarativeBackward<M> create(DenseKernels<M> kernels, ImplicitBackwardOptions options) {
            return new StiefelDenseBackward<>(kernels);
        }
    },

    /**
     * The paper's dense method (docs/mathematics.md section 5a) for problems with {@code Hess f[V] = V S}
     * ({@link RightMultiplicationHessian}): {@code H = I_d (x) K}, the explicit {@code m x dC}
     * constraint Jacobian and the {@code m x m} Schur matrix {@code A H^-1 A^T},
     * {@code m = C(C+1)/2} ({@link KroneckerKktBackward}); memory {@code O(d C^3)}, time
     * {@code O(d C^5)}, refused with a message above a memory limit.
     */
    DENSE_KRONECKER {
        @Override
        public <M> DeclarativeBackward<M> create(DenseKernels<M> kernels, ImplicitBackwardOptions options) {
            return new KroneckerKktBackward<>(kernels);
        }
    };

    /** An implementation with default options. */
    public <M> DeclarativeBackward<M> create(DenseKernels<M> kernels) {
        return create(kernels, ImplicitBackwardOptions.DEFAULTS);
    }

    /**
     * An implementation.
     *
     * @param kernels the dense backend of the problem's points
     * @param options conjugate-gradient options, used by {@link #MATRIX_FREE} only
     */
    public abstract <M> DeclarativeBackward<M> create(DenseKernels<M> kernels, ImplicitBackwardOptions options);
}
