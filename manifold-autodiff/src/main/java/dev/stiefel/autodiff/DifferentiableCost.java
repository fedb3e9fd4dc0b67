package dev.stiefel.autodiff;

import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.nio.DoubleBuffer;
import java.util.List;

/**
 * A cost written in DJL {@link NDArray} operations, bound to the engine and manager of one
 * {@link AutodiffProblem}, as a {@link HessianMethod} sees it: the factors' shapes, evaluation
 * with the result checked, and one forward and reverse pass for cost and Euclidean gradient.
 *
 * <p>Every evaluation runs in an {@link NDScope}, so what the cost creates is freed when it
 * returns, whichever manager the engine attached it to (on PyTorch a result lives in its first
 * operand's manager, which for {@code a.matMul(x)} is the manager of the constant {@code a}).
 * Not thread-safe; on the PyTorch engine no other {@link GradientCollector} may be open while
 * the cost is differentiated (DJL allows one at a time).
 */
public final class DifferentiableCost {

    private final String owner;
    private final NDManager manager;
    private final ProductCost function;
    private final Shape[] shapes;
    private final int[] sizes;
    private final StagedInput staging;

    DifferentiableCost(String owner, NDManager manager, ProductCost function, List<Shape> shapes) {
        this.owner = owner;
        this.manager = manager;
        this.function = function;
        this.shapes = shapes.toArray(new Shape[0]);
        this.sizes = new int[this.shapes.length];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = Math.toIntExact(this.shapes[i].size());
        }
        this.staging = new StagedInput(this);
    }

    /**
     * What the cost belongs to, for messages.
     *
     * @return e.g. {@code "AutodiffProblem on Stiefel(200, 20)"}
     */
    public String owner() {
        return owner;
    }

    /**
     * The manager every array of the cost's evaluations descends from; owned by the problem.
     *
     * @return the problem's manager
     */
    public NDManager manager() {
        return manager;
    }

    /**
     * The engine evaluating the cost.
     *
     * @return the manager's engine
     */
    public Engine engine() {
        return manager.getEngine();
    }

    /**
     * Number of factors.
     *
     * @return 1 on a manifold of single matrices, the number of factors on a product
     */
    public int factorCount() {
        return shapes.length;
    }

    /**
     * The shape of one factor's points.
     *
     * @param factor the factor's index
     * @return {@code (rows, cols)}
     */
    public Shape shape(int factor) {
        return shapes[factor];
    }

    /**
     * The number of entries of one factor's points.
     *
     * @param factor the factor's index
     * @return {@code rows * cols}
     */
    public int size(int factor) {
        return sizes[factor];
    }

    /**
     * The cost function at {@code point}, its result checked and reshaped to a scalar (a new
     * array, so that it is never one of the inputs).
     *
     * @param point one {@code float64} array per factor, with the factors' shapes
     * @return a 0-dimensional {@code float64} array
     * @throws IllegalArgumentException when the cost returns null, more or fewer than one
     *     element, or another data type than {@code float64}
     */
    public NDArray evaluate(NDList point) {
        NDArray value = function.cost(point);
        if (value == null) {
            throw new IllegalArgumentException(owner + ": the cost returned null; it must return a float64 scalar "
                    + "NDArray");
        }
        if (value.getShape().size() != 1) {
            throw new IllegalArgumentException(owner + ": the cost must return a scalar (one element), got shape "
                    + value.getShape() + "; reduce it, e.g. with sum()");
        }
        if (value.getDataType() != DataType.FLOAT64) {
            throw new IllegalArgumentException(owner + ": the cost must return float64, got " + value.getDataType()
                    + "; create its constants as float64 (NDManager.create(double[], Shape))");
        }
        return value.reshape(new Shape());
    }

    /**
     * Cost and Euclidean gradient at {@code point} by one forward and one reverse pass, nothing
     * cached.
     *
     * @param point one array per factor (row-major, the first {@code size(i)} entries), finite
     * @param gradientOut receives the gradient, one array per factor; must not alias {@code point}
     * @return the cost
     * @throws ArithmeticException when the cost is NaN or the gradient not finite
     * @throws IllegalStateException when the reverse pass fails
     */
    public double costAndGradient(double[][] point, double[][] gradientOut) {
        try (Tape tape = record(point, staging)) {
            tape.gradient(gradientOut);
            return tape.cost();
        }
    }

    /**
     * Records the forward pass at {@code point}: leaves from {@code input}, the cost's value and
     * the graph between them, in a new sub-manager of {@link #manager()} that the tape owns.
     *
     * @throws ArithmeticException when the cost is NaN
     */
    @SuppressWarnings("try") // the collector acts by its scope: operations inside it are recorded
    Tape record(double[][] point, StagedInput input) {
        NDManager tapeManager = manager.newSubManager();
        try {
            NDList leaves;
            NDArray value;
            try (NDScope scope = new NDScope(); GradientCollector collector = newGradientCollector()) {
                scope.suppressNotUsedWarning();
                leaves = input.load(tapeManager, point, true);
                value = evaluate(leaves);
                value.attach(tapeManager);
                NDScope.unregister(leaves);
                NDScope.unregister(value);
            } catch (EngineException failure) {
                throw new IllegalStateException(owner + ": evaluating the cost failed: " + failure.getMessage(),
                        failure);
            }
            double cost = scalar(value);
            if (Double.isNaN(cost)) {
                throw new ArithmeticException(owner + ": the cost is NaN at this point (0/0, log or sqrt of a "
                        + "negative number, or inf - inf in the cost?)");
            }
            return new Tape(this, tapeManager, leaves, value, cost);
        } catch (RuntimeException failure) {
            tapeManager.close();
            throw failure;
        }
    }

    /** A staging area for point data of this cost, for methods that keep arrays of their own. */
    StagedInput newStagedInput() {
        return new StagedInput(this);
    }

    GradientCollector newGradientCollector() {
        return manager.getEngine().newGradientCollector();
    }

    /** The value of a one-element {@code float64} array. */
    static double scalar(NDArray value) {
        return value.toByteBuffer(true).asDoubleBuffer().get(0);
    }

    /**
     * Copies the first {@code size} entries of {@code array} into {@code out}. A gradient the
     * engine never wrote (the cost does not depend on that factor) comes back from DJL as
     * {@code float32} zeros, hence the conversion.
     */
    static void read(NDArray array, double[] out, int size) {
        NDArray source = array.getDataType() == DataType.FLOAT64 ? array : array.toType(DataType.FLOAT64, false);
        DoubleBuffer data = source.toByteBuffer(true).asDoubleBuffer();
        if (data.remaining() != size) {
            throw new IllegalStateException("expected " + size + " entries, the engine returned " + data.remaining());
        }
        data.get(out, 0, size);
    }

    /**
     * @throws ArithmeticException naming the first non-finite entry of {@code data}
     */
    static void requireFinite(double[] data, int size, String owner, String what, int factor, String hint) {
        for (int index = 0; index < size; index++) {
            if (!Double.isFinite(data[index])) {
                throw new ArithmeticException(owner + ": " + what + " has the entry " + data[index] + " at index "
                        + index + " of factor " + factor + " " + hint);
            }
        }
    }
}
