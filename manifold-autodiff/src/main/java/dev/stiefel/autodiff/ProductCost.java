package dev.stiefel.autodiff;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * A cost on a {@link dev.stiefel.manifold.Product} of matrix manifolds, written in DJL
 * {@link NDArray} operations only (pymanopt's cost of several arguments on a {@code Product}).
 * The list holds one {@code float64} array per factor, in factor order, each with its factor's
 * point shape; the rules of {@link MatrixCost} on what the cost may keep and create apply.
 */
@FunctionalInterface
public interface ProductCost {

    /**
     * The cost at the point {@code x = (x_1, ..., x_k)}.
     *
     * @param x one array per factor, in factor order
     * @return a {@code float64} array with exactly one element
     */
    NDArray cost(NDList x);
}
