package dev.stiefel.etf;

import dev.stiefel.ddn.BackwardMethod;

/**
 * How the implicit ETF head differentiates the solution {@code U*} with respect to the
 * normalised class means (spec section 5). All three agree to float64 accuracy.
 */
public enum EtfBackwardMethod {
    /** Closed form of the polar factor's derivative, {@code O(dC^2 + C^3)}. The default. */
    CLOSED_FORM,
    /** Implicit differentiation by a conjugate-gradient solve with the Riemannian Hessian, memory {@code O(dC)}. */
    MATRIX_FREE,
    /** Dense implicit differentiation (Gould et al., Prop. 4.5), the paper's method; small sizes only. */
    DENSE;

    /** The ddn-gradients method that implements this choice. */
    public BackwardMethod declarativeMethod() {
        return switch (this) {
            case CLOSED_FORM -> BackwardMethod.CLOSED_FORM;
            case MATRIX_FREE -> BackwardMethod.MATRIX_FREE;
            case DENSE -> BackwardMethod.DENSE;
        };
    }
}
