package dev.stiefel.etf;

import dev.stiefel.ddn.BackwardMethod;

/**
 * How the implicit ETF head differentiates the solution {@code U*} with respect to the
 * normalised class means (docs/mathematics.md section 5). All of them agree to float64 accuracy.
 */
public enum EtfBackwardMethod {
    /** Closed form of the polar factor's derivative, {@code O(dC^2 + C^3)}. The default. */
    CLOSED_FORM,
    /** Implicit differentiation by a conjugate-gradient solve with the Riemannian Hessian, memory {@code O(dC)}. */
    MATRIX_FREE,
    /** Dense implicit differentiation (Gould et al., Prop. 4.5) with the explicit (dC)^2 Hessian; small sizes only. */
    DENSE,
    /**
     * The paper's dense method as it wrote it (docs/mathematics.md section 5a): {@code H = I_d (x) K} and the
     * explicit {@code m x dC} constraint Jacobian, {@code m = C(C+1)/2}; memory {@code O(d C^3)},
     * refused with a message above 60% of the heap.
     */
    DENSE_KRONECKER;

    /** The ddn-gradients method that implements this choice. */
    public BackwardMethod declarativeMethod() {
        return switch (this) {
            case CLOSED_FORM -> BackwardMethod.CLOSED_FORM;
            case MATRIX_FREE -> BackwardMethod.MATRIX_FREE;
            case DENSE -> BackwardMethod.DENSE;
            case DENSE_KRONECKER -> BackwardMethod.DENSE_KRONECKER;
        };
    }
}
