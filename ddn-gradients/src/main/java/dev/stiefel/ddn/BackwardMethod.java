package dev.stiefel.ddn;

import dev.stiefel.kernel.DenseKernels;

/**
 * How a declarative node on the Stiefel manifold differentiates its solution. All three give
 * the same {@code dL/dx} (to float64 accuracy, tested) where they apply; see
 * {@link DeclarativeBackward} for the shared sign convention.
 */
public enum BackwardMethod {

    /**
     * Closed form of the polar factor's derivative ({@link PolarBackward}) for problems of
     * {@link ProcrustesParametricProblem} form; {@code O(n p^2 + p^3)} time, {@code O(np + p^2)}
     * memory. Spec section 5c.
     */
    CLOSED_FORM,

    /**
     * Conjugate gradients with the Riemannian Hessian on the tangent space
     * ({@link StiefelImplicitBackward}); any problem with Euclidean Hessian-vector products and a
     * positive-definite Riemannian Hessian at the solution; {@code O(np)} memory. Spec section 5b.
     */
    MATRIX_FREE,

    /**
     * Explicit KKT matrices (Gould et al., Prop. 4.5; {@link StiefelDenseBackward} over
     * {@link DenseKktBackward}): the reference, small sizes only ({@code (np)^2} memory,
     * {@code (np)^3} time). Spec section 5a.
     */
    DENSE;

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
    public <M> DeclarativeBackward<M> create(DenseKernels<M> kernels, ImplicitBackwardOptions options) {
        switch (this) {
            case CLOSED_FORM:
                return new ProcrustesClosedFormBackward<>(kernels);
            case MATRIX_FREE:
                return new StiefelImplicitBackward<>(options);
            case DENSE:
                return new StiefelDenseBackward<>(kernels);
            default:
                throw new AssertionError(this);
        }
    }
}
