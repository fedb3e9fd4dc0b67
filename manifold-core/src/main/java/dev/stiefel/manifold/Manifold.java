package dev.stiefel.manifold;

import java.util.random.RandomGenerator;

/**
 * A Riemannian manifold as the solvers see it: points and tangent vectors of one type
 * {@code P}, in-place operations with the output last, as in EJML (Manifolds.jl's
 * {@code retract!(M, q, p, X)} puts the output {@code q} first, after the manifold).
 *
 * <p>Unless a method says otherwise, an output may alias a tangent-vector input but not the
 * base point. Implementations own their workspaces and are not thread-safe. Nothing here
 * allocates after {@link #allocate()} has provided the storage, so solver loops stay
 * allocation-free.
 *
 * @param <P> the type of points and tangent vectors (e.g. {@code DMatrixRMaj}, a device matrix)
 */
public interface Manifold<P> {

    /**
     * Relative tolerance of the argument checks of the operations that build a point from a point
     * and a tangent vector (retractions, exponentials, their inverses) on float64 backends:
     * {@code sqrt(eps) = 2^-26}, about 1.5e-8. A base point must satisfy its defining equations
     * to this tolerance (e.g. {@code ||X^T X - I||_F}, whose scale is 1), a tangent vector its
     * linearised ones relative to {@code max(1, ||v||_F)}, the scale of a step next to a point
     * of unit scale. Rounding in the operations that produce points and tangent vectors stays
     * orders of magnitude below it; a larger violation is a wrong argument, whose result would
     * be off the manifold or meaningless, and is rejected with an
     * {@link IllegalArgumentException} naming the argument and the size of the violation.
     */
    double ARGUMENT_TOLERANCE = 0x1p-26;

    /**
     * {@link #ARGUMENT_TOLERANCE} on backends computing in float32: {@code sqrt(eps_32)}, about
     * 3.5e-4.
     */
    double ARGUMENT_TOLERANCE_FLOAT32 = 3.4526698300124393e-4;

    /** Human-readable name with its shape, e.g. {@code "Stiefel(50, 10)"}. */
    String name();

    /** Intrinsic dimension. */
    int dimension();

    /** New storage for one point or tangent vector (contents zero). */
    P allocate();

    /** Frees storage obtained from {@link #allocate()} (matters for device memory). */
    default void free(P a) {
    }

    /** {@code dst = src}. */
    void copy(P src, P dst);

    /** Riemannian metric {@code <u, v>_x}. */
    double inner(P x, P u, P v);

    /** {@code ||u||_x}. */
    default double norm(P x, P u) {
        return Math.sqrt(inner(x, u, u));
    }

    /** Orthogonal projection of an ambient vector {@code z} onto the tangent space at {@code x}. */
    void projectToTangent(P x, P z, P out);

    /** Riemannian gradient from the Euclidean gradient of an extension of the cost. */
    void euclideanToRiemannianGradient(P x, P euclideanGradient, P out);

    /**
     * Riemannian Hessian-vector product from Euclidean derivatives of an extension:
     * projection of the Euclidean Hessian-vector product plus the Weingarten (curvature) term.
     *
     * @param euclideanGradient Euclidean gradient at {@code x}
     * @param euclideanHessianV Euclidean Hessian at {@code x} applied to {@code v}
     * @param v tangent vector at {@code x}
     */
    void euclideanToRiemannianHessian(P x, P euclideanGradient, P euclideanHessianV, P v, P out);

    /** The manifold's configured retraction {@code out = R_x(v)}; {@code out} must not alias {@code x}. */
    void retract(P x, P v, P out);

    /**
     * A second-order retraction {@code out = R2_x(v)}: a curve {@code t -> R2_x(t v)} whose
     * acceleration at {@code t = 0} is normal to the manifold, such as the exponential map or
     * the metric projection (Absil, Mahony, Sepulchre 2008, Prop. 5.5.5; Boumal 2023,
     * sec. 5.12). Along it {@code f(R2_x(t v)) = f(x) + t <grad f, v> + t^2/2 <Hess f[v], v> +
     * O(t^3)} at every point, which is what {@code DerivativeCheck.hessian} needs whatever
     * retraction the manifold is configured with. The default is {@link #retract}, correct for
     * manifolds whose retraction is second order; manifolds that can be configured with a
     * first-order one override it. {@code out} must not alias {@code x}.
     */
    default void secondOrderRetract(P x, P v, P out) {
        retract(x, v, out);
    }

    /** Whether {@link #inverseRetract} is available for the configured retraction. */
    default boolean hasInverseRetraction() {
        return false;
    }

    /**
     * Inverse of the configured retraction: the tangent vector {@code v} at {@code x} with
     * {@code R_x(v) = y}.
     *
     * @throws UnsupportedOperationException when the retraction has no inverse here
     */
    default void inverseRetract(P x, P y, P out) {
        throw new UnsupportedOperationException(name() + ": the configured retraction has no inverse");
    }

    /** Vector transport of {@code v} in {@code T_x} to {@code T_y}; {@code out} may alias {@code v}. */
    void transport(P x, P y, P v, P out);

    /** A random point, reproducible for a seeded generator (Haar measure where one exists). */
    void randomPoint(RandomGenerator random, P out);

    /** A random unit-norm tangent vector at {@code x}. */
    void randomTangent(P x, RandomGenerator random, P out);

    /** {@code out = 0} in {@code T_x}. */
    void zeroTangent(P x, P out);

    /** {@code out = a u + b v}, tangent vectors at the same point; {@code out} may alias either. */
    void linearCombination(P x, double a, P u, double b, P v, P out);

    /** A typical distance on the manifold: the trust-region solver's maximal radius. */
    double typicalDistance();

    /**
     * Checks that {@code x} is a point of this manifold: shape, finite entries and the defining
     * equations (e.g. {@code x^T x = I}) to {@code tolerance}.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    void checkPoint(P x, double tolerance);

    /**
     * Checks that {@code v} is a tangent vector at the point {@code x}: shape, finite entries and
     * the linearised defining equations (e.g. {@code sym(x^T v) = 0} on Stiefel) to
     * {@code tolerance}, relative to {@code max(1, ||v||)}. Manifolds.jl's {@code check_vector}.
     *
     * @throws IllegalArgumentException naming what is wrong
     * @throws UnsupportedOperationException when this manifold does not implement the check
     */
    default void checkTangent(P x, P v, double tolerance) {
        throw new UnsupportedOperationException(name() + ": no tangent-vector check");
    }

    /** Riemannian distance between points, where known in closed form. */
    default double distance(P x, P y) {
        throw new UnsupportedOperationException(name() + ": no closed-form distance");
    }
}
