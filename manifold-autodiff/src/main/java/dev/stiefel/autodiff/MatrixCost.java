package dev.stiefel.autodiff;

import ai.djl.ndarray.NDArray;

/**
 * A cost on a manifold of single matrices (Stiefel, Grassmann, Sphere, Euclidean), written in
 * DJL {@link NDArray} operations only, so that DJL's autograd can differentiate it (pymanopt's
 * {@code @pymanopt.function.pytorch(manifold) def cost(point)}).
 *
 * <p>{@code x} is a {@code float64} array with the manifold's point shape ({@code n x p} on
 * St(n, p)); it is a fresh leaf of each evaluation, so the cost must not keep it or anything
 * computed from it. Constants the cost reads (matrices, weights) are {@code float64} arrays
 * created before the problem, in a manager that outlives it; whatever the cost creates while it
 * runs is freed after each evaluation, whichever manager it lands in.
 */
@FunctionalInterface
public interface MatrixCost {

    /**
     * The cost at {@code x}.
     *
     * @param x the point, {@code float64}, the manifold's point shape
     * @return a {@code float64} array with exactly one element (for example the result of
     *     {@link NDArray#sum()})
     */
    NDArray cost(NDArray x);
}
