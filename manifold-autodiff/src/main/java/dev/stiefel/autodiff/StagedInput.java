package dev.stiefel.autodiff;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;

/**
 * One direct buffer per factor, kept across evaluations, through which point data enters the
 * engine: {@link #load} copies each factor's {@code double[]} into its buffer once and creates
 * arrays over the buffers. On the PyTorch engine such an array shares the buffer's memory
 * ({@code torch::from_blob}), so the data is copied once per evaluation and no buffer is
 * allocated; other engines copy it. Because the arrays may share the buffers, the arrays of one
 * load, and every graph that saved them, must be closed before the next load.
 */
final class StagedInput {

    private final DifferentiableCost cost;
    private final ByteBuffer[] buffers;
    private final DoubleBuffer[] views;

    StagedInput(DifferentiableCost cost) {
        this.cost = cost;
        int factors = cost.factorCount();
        buffers = new ByteBuffer[factors];
        views = new DoubleBuffer[factors];
        for (int i = 0; i < factors; i++) {
            buffers[i] = ByteBuffer.allocateDirect(Double.BYTES * cost.size(i)).order(ByteOrder.nativeOrder());
            views[i] = buffers[i].asDoubleBuffer();
        }
    }

    /**
     * Arrays in {@code manager} holding {@code data}, one per factor, {@code float64}, with the
     * factors' shapes.
     *
     * @param requireGradient whether the arrays are leaves that collect gradients
     */
    NDList load(NDManager manager, double[][] data, boolean requireGradient) {
        NDList arrays = new NDList(buffers.length);
        for (int i = 0; i < buffers.length; i++) {
            views[i].put(0, data[i], 0, cost.size(i));
            buffers[i].clear();
            NDArray array = manager.create(buffers[i], cost.shape(i), DataType.FLOAT64);
            if (requireGradient) {
                array.setRequiresGradient(true);
            }
            arrays.add(array);
        }
        return arrays;
    }
}
