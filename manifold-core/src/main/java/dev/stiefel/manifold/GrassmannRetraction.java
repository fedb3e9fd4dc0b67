package dev.stiefel.manifold;

/**
 * The retractions {@link Grassmann} offers. Both return a representative of
 * {@code span(X + V)}, so they are the same retraction on the quotient (second order there) and
 * share the inverse {@code V = Y (X^T Y)^(-1) - X}.
 */
public enum GrassmannRetraction {

    /** {@code qf(X + V)} with {@code diag(R) > 0}. */
    QR,

    /** The polar factor of {@code X + V} (pymanopt's default). */
    POLAR
}
