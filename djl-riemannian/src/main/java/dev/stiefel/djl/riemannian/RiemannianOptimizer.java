package dev.stiefel.djl.riemannian;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.ParameterList;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.ParameterTracker;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A DJL {@link Optimizer} that keeps chosen parameters on manifolds, as geoopt's optimisers do
 * for its {@code ManifoldParameter}s: each parameter registered with a {@link ManifoldConstraint}
 * gets the Riemannian update (project the Euclidean gradient, update the moments, retract, and
 * transport the moments to the new point), every other parameter the Euclidean one, so one
 * optimiser serves a whole model. Subclasses give the update rule ({@link RiemannianSgd},
 * {@link RiemannianAdam}).
 *
 * <p>Each {@link #update} runs in {@link NDArray} operations on the weight's device inside an
 * {@link NDScope}, writes the new point into the weight in place and zeroes the weight's stored
 * gradient, as DJL's own optimisers do on the PyTorch engine (gradients accumulate otherwise).
 * Before that it rescales the gradient by the builder's {@code setRescaleGrad} and clips it to
 * {@code [-clipGrad, clipGrad]} when {@code optClipGrad} is positive; {@code optWeightDecays} is
 * geoopt's {@code weight_decay}, added to the Euclidean gradient before the projection.
 *
 * <p>The moments of each parameter (per device, since DJL updates every copy of a parameter)
 * live in an {@link NDManager} of this optimiser, created at the parameter's first update, with
 * one work buffer per device and data type as large as the largest parameter ({@link #workArray})
 * and, per Stiefel parameter, host workspaces of {@code 12 p^2} (float32) or {@code 16 p^2} bytes;
 * {@link #close()} frees them. At that first update the parameter's shape must suit its
 * constraint and the parameter must lie on the manifold (within
 * {@value #FIRST_UPDATE_DEFECT_TOLERANCE}, see {@link ManifoldConstraint#defect}): start it there
 * with a {@link ManifoldInitializer}. Parameters must be float32 or float64. Not thread-safe.
 */
public abstract class RiemannianOptimizer extends Optimizer implements AutoCloseable {

    /**
     * Largest {@link ManifoldConstraint#defect} a constrained parameter may have at its first
     * update: loose enough for a float32 copy of a point, tight enough to catch a parameter that
     * was never put on its manifold (whose defect is of order one).
     */
    public static final double FIRST_UPDATE_DEFECT_TOLERANCE = 1e-3;

    private final Map<String, ManifoldConstraint> constraints;
    private final Map<String, String> parameterNames;
    private final ParameterTracker learningRateTracker;
    private final boolean finiteCheck;
    private final Map<StateKey, ParameterState> states = new ConcurrentHashMap<>();
    private final Map<Device, NDManager> stateManagers = new ConcurrentHashMap<>();
    private final Map<WorkKey, NDArray> workBuffers = new ConcurrentHashMap<>();
    private boolean closed;

    /**
     * @param builder the settings; the constraints are copied
     * @throws IllegalArgumentException without a learning-rate tracker, or with a negative or
     *     non-finite weight decay, rescale factor or clip bound
     */
    protected RiemannianOptimizer(Builder<?> builder) {
        super(builder);
        if (builder.learningRateTracker == null) {
            throw new IllegalArgumentException(getClass().getSimpleName()
                    + " needs a learning rate: setLearningRateTracker(Tracker.fixed(...))");
        }
        float weightDecay = getWeightDecay();
        if (!(weightDecay >= 0) || Float.isInfinite(weightDecay)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": weight decay must be finite and >= 0, got "
                    + weightDecay);
        }
        if (!Float.isFinite(rescaleGrad)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": gradient rescale factor must be finite, got "
                    + rescaleGrad);
        }
        if (Float.isNaN(clipGrad)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": gradient clip bound must not be NaN");
        }
        this.constraints = Collections.unmodifiableMap(new LinkedHashMap<>(builder.constraints));
        this.parameterNames = Map.copyOf(builder.parameterNames);
        this.learningRateTracker = builder.learningRateTracker;
        this.finiteCheck = builder.finiteCheck;
    }

    /**
     * The constraint of a parameter: the registered one, else {@link ManifoldConstraint#euclidean()}.
     *
     * @param parameterId the parameter's {@link Parameter#getId()}
     * @return its constraint
     */
    public ManifoldConstraint constraint(String parameterId) {
        return constraints.getOrDefault(parameterId, ManifoldConstraint.euclidean());
    }

    /**
     * The registered constraints by parameter id, in registration order.
     *
     * @return an unmodifiable view
     */
    public Map<String, ManifoldConstraint> constraints() {
        return constraints;
    }

    /**
     * One Riemannian step of the parameter: the new point is written into {@code weight} and the
     * weight's stored gradient is zeroed.
     *
     * @param parameterId the parameter's id
     * @param weight the parameter's array on one device, updated in place
     * @param grad the Euclidean gradient of the loss, read only
     * @throws IllegalStateException after {@link #close()}, or at the first update of a
     *     constrained parameter that is not on its manifold
     * @throws IllegalArgumentException for a parameter that is not float32 or float64, whose
     *     shape does not suit its constraint or differs from its gradient's, or for a negative
     *     or non-finite learning rate
     * @throws ArithmeticException when the gradient has a NaN or infinite entry (the weight and
     *     the moments are then unchanged), or the retraction is not defined at the step (the
     *     weight is then unchanged)
     */
    @Override
    public final void update(String parameterId, NDArray weight, NDArray grad) {
        if (closed) {
            throw new IllegalStateException(getClass().getSimpleName() + " was closed (its state is freed)");
        }
        if (!weight.getShape().equals(grad.getShape())) {
            throw new IllegalArgumentException(describe(parameterId) + " has shape " + weight.getShape()
                    + " but its gradient has shape " + grad.getShape());
        }
        ManifoldConstraint constraint = constraint(parameterId);
        StateKey key = new StateKey(parameterId, weight.getDevice());
        ParameterState state = states.get(key);
        if (state == null) {
            state = newState(parameterId, constraint, weight);
            states.put(key, state);
        }
        int step = state.step + 1;
        double learningRate = learningRateTracker.getNewValue(parameterId, step);
        if (!(learningRate >= 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException(describe(parameterId) + ": learning rate must be finite and >= 0, got "
                    + learningRate + " at step " + step);
        }
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray gradient = preprocessed(parameterId, grad);
            NDArray newPoint = step(state.constraint, state.arrays, step, weight, gradient, learningRate);
            if (newPoint != weight) {
                weight.set(new NDIndex("..."), newPoint);
            }
        }
        state.step = step;
        if (weight.hasGradient()) {
            // an explicit zero array: set(index, Number) leaves the scalar it creates in the
            // weight's manager
            try (NDArray stored = weight.getGradient(); NDArray zero = stored.getManager().create(0.0)) {
                stored.set(new NDIndex("..."), zero);
            }
        }
    }

    /**
     * The moments of one parameter, zero, created by {@code manager} (on the parameter's device).
     *
     * @param manager the optimiser's manager for the parameter's device
     * @param shape the parameter's shape
     * @param componentShape the shape of {@link ManifoldConstraint#componentInner} for it
     * @param dataType the parameter's data type
     * @return the state arrays {@link #step} receives, in its order
     */
    protected abstract NDList createState(NDManager manager, Shape shape, Shape componentShape, DataType dataType);

    /**
     * One update of one parameter, in {@link NDArray} operations (the caller's {@link NDScope}
     * closes every array created here).
     *
     * @param constraint the parameter's manifold: its {@link ManifoldConstraint#forParameter}
     *     instance, the same for every update of the parameter on this device
     * @param state the arrays of {@link #createState}, updated in place
     * @param step the number of this update of the parameter, 1 at the first
     * @param point the current point, the parameter's array; modified only by writing the new
     *     point into it, after everything that can fail, and then returned
     * @param gradient the Euclidean gradient after rescaling and clipping, before weight decay;
     *     not to be modified
     * @param learningRate the tracker's value at this step
     * @return the new point, which the caller writes into the parameter, or {@code point} itself
     *     when the new point was written into it
     */
    protected abstract NDArray step(ManifoldConstraint constraint, NDList state, int step, NDArray point,
            NDArray gradient, double learningRate);

    /**
     * An array of the shape, data type and device of {@code like} for intermediate values of an
     * in-place update, so that an update of a large parameter need not allocate arrays of its size:
     * a view of a buffer of this optimiser shared by all parameters of that type and device, as
     * large as the largest of them (an engine without views gives a copy, which serves the same
     * purpose). Its entries are undefined on return and change at the next call; the caller's
     * {@link NDScope} closes the view, {@link #close()} the buffer.
     *
     * @param like an array of the parameter's shape and type, on its device
     * @return the work array
     */
    protected final NDArray workArray(NDArray like) {
        Shape shape = like.getShape();
        long size = shape.size();
        WorkKey key = new WorkKey(like.getDevice(), like.getDataType());
        NDArray buffer = workBuffers.get(key);
        if (buffer == null || buffer.size() < size) {
            NDManager manager = stateManagers.computeIfAbsent(like.getDevice(),
                    device -> like.getManager().getEngine().newBaseManager(device));
            NDArray larger = manager.create(new Shape(size), like.getDataType());
            NDScope.unregister(larger);
            if (buffer != null) {
                buffer.close();
            }
            buffer = larger;
            workBuffers.put(key, buffer);
        }
        if (buffer.size() == size) {
            return buffer.reshape(shape);
        }
        try (NDArray prefix = buffer.get(new NDIndex().addSliceDim(0, size))) {
            return prefix.reshape(shape);
        }
    }

    /**
     * {@code gradient + weightDecay * point} (geoopt's {@code grad.add_(point, alpha=weight_decay)}),
     * or {@code gradient} itself without weight decay.
     *
     * @param point the current point
     * @param gradient the Euclidean gradient
     * @return the decayed gradient
     */
    protected final NDArray withWeightDecay(NDArray point, NDArray gradient) {
        float weightDecay = getWeightDecay();
        return weightDecay == 0 ? gradient : gradient.add(point.mul(weightDecay));
    }

    /**
     * Frees the moments of every parameter (their managers); closing twice is harmless, and any
     * update afterwards throws {@link IllegalStateException}.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        states.clear();
        workBuffers.clear();
        for (NDManager manager : stateManagers.values()) {
            manager.close();
        }
        stateManagers.clear();
    }

    /** Every state array now held, for tests of {@link #close()}. */
    List<NDArray> stateArrays() {
        List<NDArray> arrays = new ArrayList<>();
        for (ParameterState state : states.values()) {
            arrays.addAll(state.arrays);
        }
        return arrays;
    }

    private ParameterState newState(String parameterId, ManifoldConstraint constraint, NDArray weight) {
        DataType type = weight.getDataType();
        if (type != DataType.FLOAT32 && type != DataType.FLOAT64) {
            throw new IllegalArgumentException(describe(parameterId) + " is " + type
                    + "; the Riemannian optimisers update float32 and float64 parameters");
        }
        Shape shape = weight.getShape();
        try {
            constraint.checkShape(shape);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(describe(parameterId) + ": " + e.getMessage(), e);
        }
        double defect = constraint.defect(weight);
        if (!(defect <= FIRST_UPDATE_DEFECT_TOLERANCE)) {
            throw new IllegalStateException(describe(parameterId) + " is not on " + constraint.name() + " (defect "
                    + defect + " > " + FIRST_UPDATE_DEFECT_TOLERANCE
                    + "): start it on the manifold, e.g. with ManifoldInitializer");
        }
        NDManager manager = stateManagers.computeIfAbsent(weight.getDevice(),
                device -> weight.getManager().getEngine().newBaseManager(device));
        NDList arrays = createState(manager, shape, constraint.componentShape(shape), type);
        for (NDArray array : arrays) {
            NDScope.unregister(array);
        }
        return new ParameterState(constraint.forParameter(shape), arrays);
    }

    private NDArray preprocessed(String parameterId, NDArray grad) {
        if (finiteCheck) {
            if (!isFinite(grad)) {
                throw new ArithmeticException("the gradient of " + describe(parameterId)
                        + " has a NaN or infinite entry; the parameter was left unchanged");
            }
        }
        NDArray gradient = rescaleGrad == 1f ? grad : grad.mul(rescaleGrad);
        return clipGrad > 0 ? gradient.clip(-clipGrad, clipGrad) : gradient;
    }

    /**
     * Whether every entry is finite. A sum with a NaN or infinite term is NaN or infinite in any
     * order of summation, so a finite sum (one reduction, no array of the gradient's size) settles
     * it; a sum that is not finite may come from overflow, and then {@code sum(0 * g)}, NaN exactly
     * when an entry is NaN or infinite, decides.
     */
    private static boolean isFinite(NDArray grad) {
        try (NDArray sum = grad.sum()) {
            if (Double.isFinite(HostArrays.scalar(sum))) {
                return true;
            }
        }
        try (NDArray zeros = grad.mul(0); NDArray sum = zeros.sum()) {
            return Double.isFinite(HostArrays.scalar(sum));
        }
    }

    private String describe(String parameterId) {
        String name = parameterNames.get(parameterId);
        return name == null ? "parameter " + parameterId : "parameter '" + name + "' (" + parameterId + ")";
    }

    /** A parameter's copy on one device. */
    private record StateKey(String parameterId, Device device) {
    }

    /** The work buffer of one data type on one device. */
    private record WorkKey(Device device, DataType dataType) {
    }

    /**
     * The moments of one parameter on one device, the number of updates made and the constraint
     * instance its updates use.
     */
    private static final class ParameterState {
        private final ManifoldConstraint constraint;
        private final NDList arrays;
        private int step;

        private ParameterState(ManifoldConstraint constraint, NDList arrays) {
            this.constraint = constraint;
            this.arrays = arrays;
        }
    }

    /**
     * Settings shared by the Riemannian optimisers: DJL's (rescaling, clipping, weight decay),
     * the learning rate, and which parameter lives on which manifold.
     *
     * @param <T> the concrete builder
     */
    public abstract static class Builder<T extends Builder<T>> extends OptimizerBuilder<T> {

        private final Map<String, ManifoldConstraint> constraints = new LinkedHashMap<>();
        private final Map<String, String> parameterNames = new LinkedHashMap<>();
        private ParameterTracker learningRateTracker;
        private boolean finiteCheck = true;

        /** A builder with no constraints and no learning rate. */
        protected Builder() {
        }

        /**
         * Declares that {@code parameter} lives on the manifold of {@code constraint}; e.g.
         * {@code constrain(linear.getParameters().get("weight"), ManifoldConstraint.obliqueRows())}
         * keeps the rows of a {@code Linear} weight at unit norm. The parameter is identified by
         * its {@link Parameter#getId()}, the id DJL's trainer passes to {@link #update}.
         *
         * @param parameter the block's parameter
         * @param constraint its manifold
         * @return this builder
         * @throws IllegalArgumentException for a null argument, a parameter already constrained
         *     to another manifold, or a shape (when already known) that the constraint rejects
         */
        public T constrain(Parameter parameter, ManifoldConstraint constraint) {
            Objects.requireNonNull(parameter, "parameter");
            if (parameter.getShape() != null && constraint != null) {
                try {
                    constraint.checkShape(parameter.getShape());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("parameter '" + parameter.getName() + "': " + e.getMessage(), e);
                }
            }
            constrain(parameter.getId(), constraint);
            parameterNames.put(parameter.getId(), parameter.getName());
            return self();
        }

        /**
         * Declares that the parameter of {@code block} with this name lives on the manifold of
         * {@code constraint}; names are those of {@link Block#getParameters()}, prefixed by the
         * child blocks' names in nested blocks (e.g. {@code "02Linear_weight"} in a
         * {@code SequentialBlock}).
         *
         * @param block the block, usually the model's
         * @param parameterName the parameter's name in {@code block.getParameters()}
         * @param constraint its manifold
         * @return this builder
         * @throws IllegalArgumentException when the block has no parameter of that name (the
         *     message lists the names it has), or as {@link #constrain(Parameter, ManifoldConstraint)}
         */
        public T constrain(Block block, String parameterName, ManifoldConstraint constraint) {
            Objects.requireNonNull(block, "block");
            ParameterList parameters = block.getParameters();
            Parameter parameter = parameters.get(parameterName);
            if (parameter == null) {
                throw new IllegalArgumentException("the block has no parameter named '" + parameterName + "'; it has "
                        + parameters.keys());
            }
            return constrain(parameter, constraint);
        }

        /**
         * Declares that the parameter with this id lives on the manifold of {@code constraint}.
         *
         * @param parameterId the parameter's {@link Parameter#getId()}
         * @param constraint its manifold
         * @return this builder
         * @throws IllegalArgumentException for a null argument or a parameter already
         *     constrained to another manifold
         */
        public T constrain(String parameterId, ManifoldConstraint constraint) {
            if (parameterId == null || constraint == null) {
                throw new IllegalArgumentException("constrain: parameter id and constraint must not be null");
            }
            ManifoldConstraint previous = constraints.putIfAbsent(parameterId, constraint);
            if (previous != null && previous != constraint) {
                throw new IllegalArgumentException("parameter " + parameterId + " is already constrained to "
                        + previous.name() + ", not " + constraint.name());
            }
            return self();
        }

        /**
         * The learning rate as a function of the parameter and its update count (DJL's
         * {@code Tracker.fixed}, {@code Tracker.factor}, ...).
         *
         * @param tracker the learning-rate schedule
         * @return this builder
         */
        public T setLearningRateTracker(ParameterTracker tracker) {
            this.learningRateTracker = tracker;
            return self();
        }

        /**
         * Whether each update first checks that the gradient is finite (default true): one
         * reduction ({@code sum(0 * g)}, NaN exactly when an entry is NaN or infinite) and one read
         * of its value per parameter and step, which synchronises a GPU.
         *
         * @param check false to skip the check
         * @return this builder
         */
        public T optFiniteCheck(boolean check) {
            this.finiteCheck = check;
            return self();
        }
    }
}
