package dev.stiefel.ddn;

/**
 * Options of the matrix-free backward ({@link MatrixFreeImplicitBackward}), immutable; change
 * with the {@code withX} copies.
 *
 * @param relativeTolerance conjugate gradients stop when {@code ||r|| <= relativeTolerance ||b||},
 *     {@code b = P_U(Vbar)}. Default {@code 1e-12}: the solution's relative error is then at most
 *     about the Hessian's condition number times this.
 * @param maxIterations the most conjugate-gradient iterations before an
 *     {@link ArithmeticException}. Default {@code 1000}; exact arithmetic needs at most the
 *     manifold dimension, rounding with a condition number {@code kappa} about
 *     {@code sqrt(kappa) ln(2/relativeTolerance) / 2}.
 * @param curvatureTolerance a search direction whose Rayleigh quotient
 *     {@code <p, Hess p> / <p, p>} is at most this times the largest one seen means the Hessian
 *     is numerically singular on the Krylov space. Default {@code 1e-13}.
 */
public record ImplicitBackwardOptions(double relativeTolerance, int maxIterations, double curvatureTolerance) {

    /** The documented defaults. */
    public static final ImplicitBackwardOptions DEFAULTS = new ImplicitBackwardOptions(1e-12, 1000, 1e-13);

    /** @throws IllegalArgumentException on a non-positive or non-finite value */
    public ImplicitBackwardOptions {
        if (!(relativeTolerance > 0.0) || !Double.isFinite(relativeTolerance) || relativeTolerance >= 1.0) {
            throw new IllegalArgumentException("relativeTolerance must be in (0, 1), got " + relativeTolerance);
        }
        if (maxIterations < 1) {
            throw new IllegalArgumentException("maxIterations must be positive, got " + maxIterations);
        }
        if (!(curvatureTolerance >= 0.0) || curvatureTolerance >= 1.0) {
            throw new IllegalArgumentException("curvatureTolerance must be in [0, 1), got " + curvatureTolerance);
        }
    }

    public ImplicitBackwardOptions withRelativeTolerance(double value) {
        return new ImplicitBackwardOptions(value, maxIterations, curvatureTolerance);
    }

    public ImplicitBackwardOptions withMaxIterations(int value) {
        return new ImplicitBackwardOptions(relativeTolerance, value, curvatureTolerance);
    }

    public ImplicitBackwardOptions withCurvatureTolerance(double value) {
        return new ImplicitBackwardOptions(relativeTolerance, maxIterations, value);
    }
}
