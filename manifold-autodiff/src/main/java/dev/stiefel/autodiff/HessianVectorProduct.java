package dev.stiefel.autodiff;

/**
 * A Euclidean Hessian-vector product {@code out = Hess f(x)[v]} of one {@link DifferentiableCost},
 * started by a {@link HessianMethod}. Points and vectors are passed factor by factor as the
 * row-major data of the factors' matrices (one array per factor; only the first
 * {@code rows * cols} entries of each are read or written). Implementations may keep state for
 * the last point (the gradient's graph, workspaces) and own native memory, which {@link #close()}
 * frees. Not thread-safe.
 */
public interface HessianVectorProduct extends AutoCloseable {

    /**
     * {@code out = Hess f(x)[v]}.
     *
     * @param x the point, finite, one array per factor
     * @param v the direction, finite, one array per factor
     * @param out receives the product; may alias {@code v}, not {@code x}
     * @throws IllegalStateException when the product cannot be computed (the message names the
     *     cause and the alternative method)
     */
    void apply(double[][] x, double[][] v, double[][] out);

    /** Frees what this product keeps; closing twice is harmless. */
    @Override
    void close();
}
