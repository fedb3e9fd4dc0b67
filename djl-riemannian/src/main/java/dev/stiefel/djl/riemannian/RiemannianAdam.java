package dev.stiefel.djl.riemannian;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.tracker.Tracker;

/**
 * Riemannian Adam and AMSGrad (Bécigneul and Ganea, "Riemannian Adaptive Optimization Methods",
 * ICLR 2019), the update of geoopt's {@code RiemannianAdam} (geoopt 0.5.0,
 * {@code geoopt/optim/radam.py}) for every parameter, with {@code g} the Euclidean gradient,
 * {@code P_x}, {@code R_x}, {@code T} and {@code <.,.>_c} the projection, retraction, transport
 * and component-wise squared norm ({@link ManifoldConstraint#componentInner}) of its
 * {@link ManifoldConstraint}, {@code lambda} the weight decay, {@code eta} the learning rate and
 * {@code t} the number of the update:
 *
 * <pre>
 *   r   = P_x(g + lambda x)
 *   m   = beta1 m + (1 - beta1) r
 *   v   = beta2 v + (1 - beta2) &lt;r, r&gt;_c
 *   vmax = max(vmax, v)                     (AMSGrad; then vmax replaces v below)
 *   d   = (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + epsilon)
 *   x'  = R_x(-eta d),   m = T_(x -> x')(m),   x = x'
 * </pre>
 *
 * The second moment is one number per component: per Stiefel matrix or sphere (the paper's
 * {@code ||r||^2_x}), per unit vector of an oblique manifold, per entry in the Euclidean space,
 * where the update is ordinary Adam with L2 weight decay. Defaults are geoopt's and
 * {@code torch.optim.Adam}'s: learning rate 1e-3, betas (0.9, 0.999), epsilon 1e-8.
 */
public final class RiemannianAdam extends RiemannianOptimizer {

    /** Default learning rate, geoopt's and DJL's. */
    public static final float DEFAULT_LEARNING_RATE = 1e-3f;
    /** Default decay of the first moment. */
    public static final double DEFAULT_BETA1 = 0.9;
    /** Default decay of the second moment. */
    public static final double DEFAULT_BETA2 = 0.999;
    /** Default term added to the denominator. */
    public static final double DEFAULT_EPSILON = 1e-8;

    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final boolean amsgrad;

    private RiemannianAdam(Builder builder) {
        super(builder);
        requireDecay("beta1", builder.beta1);
        requireDecay("beta2", builder.beta2);
        if (!(builder.epsilon >= 0) || Double.isInfinite(builder.epsilon)) {
            throw new IllegalArgumentException("RiemannianAdam: epsilon must be finite and >= 0, got " + builder.epsilon);
        }
        this.beta1 = builder.beta1;
        this.beta2 = builder.beta2;
        this.epsilon = builder.epsilon;
        this.amsgrad = builder.amsgrad;
    }

    private static void requireDecay(String name, double value) {
        if (!(value >= 0 && value < 1)) {
            throw new IllegalArgumentException("RiemannianAdam: " + name + " must be in [0, 1), got " + value);
        }
    }

    /**
     * A builder with geoopt's defaults (learning rate {@value #DEFAULT_LEARNING_RATE}, betas
     * ({@value #DEFAULT_BETA1}, {@value #DEFAULT_BETA2}), epsilon {@value #DEFAULT_EPSILON}, no
     * AMSGrad, no weight decay).
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** First moment (parameter's shape), second moment and, with AMSGrad, its running maximum (component shape). */
    @Override
    protected NDList createState(NDManager manager, Shape shape, Shape componentShape, DataType dataType) {
        NDList state = new NDList(manager.zeros(shape, dataType), manager.zeros(componentShape, dataType));
        if (amsgrad) {
            state.add(manager.zeros(componentShape, dataType));
        }
        return state;
    }

    @Override
    protected NDArray step(ManifoldConstraint constraint, NDList state, int step, NDArray point, NDArray gradient,
            double learningRate) {
        if (constraint.isEuclidean()) {
            return euclideanStep(state, step, point, gradient, learningRate);
        }
        NDIndex all = new NDIndex("...");
        NDArray firstMoment = state.get(0);
        NDArray secondMoment = state.get(1);
        NDArray riemannian = constraint.riemannianGradient(point, withWeightDecay(point, gradient));
        NDArray work = workArray(point);
        work.set(all, riemannian);
        firstMoment.muli(beta1).addi(work.muli(1 - beta1));
        secondMoment.muli(beta2).addi(constraint.componentInner(point, riemannian).mul(1 - beta2));
        double firstCorrection = 1 - Math.pow(beta1, step);
        double secondCorrection = 1 - Math.pow(beta2, step);
        NDArray normaliser = secondMoment;
        if (amsgrad) {
            NDArray maximum = state.get(2);
            maximum.set(all, maximum.maximum(secondMoment));
            normaliser = maximum;
        }
        NDArray denominator = normaliser.div(secondCorrection).sqrt().add(epsilon);
        // the step -eta d, d = (m / (1 - beta1^t)) / denominator
        work.set(all, firstMoment);
        NDArray newPoint = constraint.retract(point, work.divi(firstCorrection).divi(denominator).muli(-learningRate));
        NDArray transported = constraint.transport(point, newPoint, firstMoment);
        if (transported != firstMoment) {
            firstMoment.set(all, transported);
        }
        return newPoint;
    }

    /**
     * The same update in the Euclidean space (ordinary Adam), in place: the projection and the
     * transport are the identity, {@code <r, r>_c = r * r}, and {@code -eta d} is added into the
     * weight, with the operations of the general step in the same order, so the same numbers;
     * intermediate values go to the {@link #workArray} instead of new arrays of the parameter's
     * size, except the square root (the API has no in-place one) and the AMSGrad maximum.
     */
    private NDArray euclideanStep(NDList state, int step, NDArray point, NDArray gradient, double learningRate) {
        NDIndex all = new NDIndex("...");
        NDArray firstMoment = state.get(0);
        NDArray secondMoment = state.get(1);
        NDArray decayed = withWeightDecay(point, gradient);
        NDArray work = workArray(point);
        work.set(all, decayed);
        firstMoment.muli(beta1).addi(work.muli(1 - beta1));
        work.set(all, decayed);
        secondMoment.muli(beta2).addi(work.muli(decayed).muli(1 - beta2));
        NDArray normaliser = secondMoment;
        if (amsgrad) {
            NDArray maximum = state.get(2);
            try (NDArray larger = maximum.maximum(secondMoment)) {
                maximum.set(all, larger);
            }
            normaliser = maximum;
        }
        work.set(all, normaliser);
        try (NDArray denominator = work.divi(1 - Math.pow(beta2, step)).sqrt()) {
            denominator.addi(epsilon);
            work.set(all, firstMoment);
            point.addi(work.divi(1 - Math.pow(beta1, step)).divi(denominator).muli(-learningRate));
        }
        return point;
    }

    /** Builder of {@link RiemannianAdam}. */
    public static final class Builder extends RiemannianOptimizer.Builder<Builder> {

        private double beta1 = DEFAULT_BETA1;
        private double beta2 = DEFAULT_BETA2;
        private double epsilon = DEFAULT_EPSILON;
        private boolean amsgrad;

        private Builder() {
            setLearningRateTracker(Tracker.fixed(DEFAULT_LEARNING_RATE));
        }

        /**
         * Decay of the first moment, default {@value RiemannianAdam#DEFAULT_BETA1}.
         *
         * @param value in {@code [0, 1)}
         * @return this builder
         */
        public Builder optBeta1(double value) {
            this.beta1 = value;
            return this;
        }

        /**
         * Decay of the second moment, default {@value RiemannianAdam#DEFAULT_BETA2}.
         *
         * @param value in {@code [0, 1)}
         * @return this builder
         */
        public Builder optBeta2(double value) {
            this.beta2 = value;
            return this;
        }

        /**
         * Term added to the denominator, default {@value RiemannianAdam#DEFAULT_EPSILON}.
         *
         * @param value {@code >= 0}
         * @return this builder
         */
        public Builder optEpsilon(double value) {
            this.epsilon = value;
            return this;
        }

        /**
         * AMSGrad (Reddi, Kale, Kumar, "On the Convergence of Adam and Beyond", ICLR 2018):
         * normalise by the running maximum of the second moment. Default false.
         *
         * @param value whether to use it
         * @return this builder
         */
        public Builder optAmsgrad(boolean value) {
            this.amsgrad = value;
            return this;
        }

        @Override
        protected Builder self() {
            return this;
        }

        /**
         * The optimiser.
         *
         * @return a new {@link RiemannianAdam}
         * @throws IllegalArgumentException for betas outside {@code [0, 1)}, a negative epsilon
         *     or weight decay
         */
        public RiemannianAdam build() {
            return new RiemannianAdam(this);
        }
    }
}
