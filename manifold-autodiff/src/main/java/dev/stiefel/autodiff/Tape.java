package dev.stiefel.autodiff;

import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;

/**
 * The recorded forward pass of a cost at one point: the leaves, the cost's value and the graph
 * between them, in a manager of their own. {@link #gradient} runs the one reverse pass it allows;
 * {@link #close()} frees the leaves, the value and with them the graph.
 */
final class Tape implements AutoCloseable {

    private final DifferentiableCost cost;
    private final NDManager manager;
    private final NDList leaves;
    private final NDArray value;
    private final double costValue;
    private boolean spent;

    Tape(DifferentiableCost cost, NDManager manager, NDList leaves, NDArray value, double costValue) {
        this.cost = cost;
        this.manager = manager;
        this.leaves = leaves;
        this.value = value;
        this.costValue = costValue;
    }

    double cost() {
        return costValue;
    }

    /**
     * The Euclidean gradient by one reverse pass, written factor by factor into {@code out}; the
     * graph is freed by the pass, so this runs once per tape.
     *
     * @throws IllegalStateException when the reverse pass fails (e.g. an operation without a
     *     derivative) or a second call is made
     * @throws ArithmeticException when the gradient has a NaN or infinite entry
     */
    void gradient(double[][] out) {
        if (spent) {
            throw new IllegalStateException(cost.owner() + ": the tape's reverse pass already ran");
        }
        spent = true;
        try (ai.djl.ndarray.NDScope scope = new ai.djl.ndarray.NDScope();
                GradientCollector collector = cost.newGradientCollector()) {
            scope.suppressNotUsedWarning();
            collector.backward(value);
            for (int i = 0; i < leaves.size(); i++) {
                DifferentiableCost.read(leaves.get(i).getGradient(), out[i], cost.size(i));
            }
        } catch (EngineException failure) {
            throw new IllegalStateException(cost.owner() + ": the reverse pass through the cost failed: "
                    + failure.getMessage() + " (does the cost depend on the point, and has every operation in it a "
                    + "derivative?)", failure);
        }
        for (int i = 0; i < out.length; i++) {
            DifferentiableCost.requireFinite(out[i], cost.size(i), cost.owner(), "the Euclidean gradient", i,
                    "(a derivative of sqrt, log or a norm at zero?)");
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
