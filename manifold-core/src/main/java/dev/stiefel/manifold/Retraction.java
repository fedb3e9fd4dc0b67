package dev.stiefel.manifold;

/**
 * A retraction {@code R_x(v)} of one manifold instance, as an object (Manifolds.jl's retraction
 * methods, {@code retract!(M, q, p, X, method)}): it runs on that instance's backend and shape
 * and owns the workspaces it needs, so evaluating it does not allocate. A manifold delegates
 * {@link Manifold#retract} to the retraction it was built with; a user adds a retraction by
 * implementing this interface, through the manifold's recipe that binds it to an instance
 * ({@link StiefelRetraction}, {@link GrassmannRetraction}, {@link SphereRetraction}), without
 * touching the manifold's code. The manifold checks the arguments before delegating.
 *
 * <p>A retraction must satisfy {@code R_x(0) = x} and {@code d/dt R_x(t v)|_(t=0) = v}
 * (Absil, Mahony, Sepulchre 2008, Def. 4.1.1); the manifold contract in the test kit checks
 * both, the order, and the inverse where there is one. Not thread-safe.
 *
 * @param <P> point and tangent-vector type
 */
public interface Retraction<P> extends AutoCloseable {

    /** Short name, e.g. {@code "QR"}. */
    String name();

    /**
     * {@code out = R_x(v)}; {@code out} may alias {@code v} but not {@code x}.
     *
     * @throws ArithmeticException when the retraction is not defined at {@code (x, v)}
     */
    void retract(P x, P v, P out);

    /** Whether {@link #inverseRetract} is implemented. */
    default boolean hasInverse() {
        return false;
    }

    /**
     * The tangent vector {@code v} at {@code x} with {@code R_x(v) = y}; {@code out} aliases
     * neither point.
     *
     * @throws UnsupportedOperationException when {@link #hasInverse()} is false
     */
    default void inverseRetract(P x, P y, P out) {
        throw new UnsupportedOperationException("the " + name() + " retraction has no inverse here");
    }

    /** Frees the workspaces (device memory); closing twice is harmless. Default: nothing to free. */
    @Override
    default void close() {
    }
}
