package dev.stiefel.problem;

/**
 * A preconditioner at a point: a symmetric positive-definite operator on the tangent space,
 * ideally close to the inverse Riemannian Hessian (Manopt's and pymanopt's {@code precon};
 * Boumal 2023, sec. 6.4). A {@link Problem} that has one gives it as
 * {@link Problem#preconditioner()}; trust regions precondition their inner conjugate-gradient
 * solve with it, conjugate gradients their directions.
 *
 * @param <P> point and tangent-vector type
 */
@FunctionalInterface
public interface Preconditioner<P> {

    /**
     * The preconditioner at {@code x} applied to the tangent vector {@code v}, written into
     * {@code out}.
     *
     * @param x the point
     * @param v a tangent vector at {@code x}
     * @param out receives the preconditioned tangent vector; may not alias {@code v}
     */
    void apply(P x, P v, P out);
}
