package dev.stiefel.djl.riemannian;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Brockett's cost {@code tr(X^T A X N)} with diagonal {@code N} as a DJL block whose only
 * parameter is {@code X} ({@code n x p}): inputs {@code A} ({@code n x n}) and the diagonal of
 * {@code N} as a row ({@code 1 x p}), output the cost, {@code sum((A X) * X * diag(N))}. Its
 * value is the loss DJL's autograd differentiates.
 */
final class BrockettBlock extends AbstractBlock {

    private final Parameter point;

    BrockettBlock(int n, int p) {
        point = addParameter(Parameter.builder().setName("point").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(n, p)).build());
    }

    Parameter point() {
        return point;
    }

    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray a = inputs.get(0);
        NDArray weights = inputs.get(1);
        NDArray x = parameterStore.getValue(point, a.getDevice(), training);
        return new NDList(a.matMul(x).mul(x).mul(weights).sum());
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape()};
    }
}
