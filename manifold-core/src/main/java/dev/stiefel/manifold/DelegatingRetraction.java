package dev.stiefel.manifold;

/**
 * A built-in retraction that the manifold it is bound to computes itself, in its own
 * workspaces (the sphere's normalisation and exponential, the span of {@code X + V} on
 * Grassmann): the retraction and its inverse are two of the manifold's methods, which the
 * manifold calls after it has checked the arguments.
 *
 * @param <M> the backend's matrix type
 */
final class DelegatingRetraction<M> implements Retraction<M> {

    /** An operation {@code out = f(x, a)} at the point {@code x}. */
    @FunctionalInterface
    interface Operation<M> {
        void apply(M x, M a, M out);
    }

    private final String name;
    private final Operation<M> retraction;
    private final Operation<M> inverse;

    /**
     * @param retraction {@code out = R_x(v)}
     * @param inverse {@code out = R_x^(-1)(y)}
     */
    DelegatingRetraction(String name, Operation<M> retraction, Operation<M> inverse) {
        this.name = name;
        this.retraction = retraction;
        this.inverse = inverse;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void retract(M x, M v, M out) {
        retraction.apply(x, v, out);
    }

    @Override
    public boolean hasInverse() {
        return true;
    }

    @Override
    public void inverseRetract(M x, M y, M out) {
        inverse.apply(x, y, out);
    }
}
