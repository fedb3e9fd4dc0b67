package dev.stiefel.djl.riemannian;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Riemannian stochastic gradient descent with momentum (Bonnabel, "Stochastic gradient descent
 * on Riemannian manifolds", IEEE Transactions on Automatic Control, 2013), the update of geoopt's
 * {@code RiemannianSGD} (geoopt 0.5.0, {@code geoopt/optim/rsgd.py}) for every parameter, with
 * {@code g} the Euclidean gradient, {@code P_x} the projection, {@code R_x} the retraction and
 * {@code T} the transport of its {@link ManifoldConstraint}, {@code mu} the momentum,
 * {@code tau} the dampening, {@code lambda} the weight decay and {@code eta} the learning rate:
 *
 * <pre>
 *   first update:  b = g                              (geoopt: momentum_buffer = grad.clone())
 *   r   = P_x(g + lambda x)
 *   b   = mu b + (1 - tau) r
 *   d   = r + mu b   (Nesterov)   or   d = b
 *   x'  = R_x(-eta d),   b = T_(x -> x')(b),   x = x'
 * </pre>
 *
 * and without momentum {@code x = R_x(-eta r)}. As in geoopt (and unlike
 * {@code torch.optim.SGD}) the buffer starts from the first Euclidean gradient and is then
 * updated in the same step, so the first step uses {@code b = mu g + (1 - tau) r}; on a manifold
 * its normal part is removed by the retraction and by the transport.
 */
public final class RiemannianSgd extends RiemannianOptimizer {

    private final double momentum;
    private final double dampening;
    private final boolean nesterov;

    private RiemannianSgd(Builder builder) {
        super(builder);
        if (!(builder.momentum >= 0) || Double.isInfinite(builder.momentum)) {
            throw new IllegalArgumentException("RiemannianSgd: momentum must be finite and >= 0, got " + builder.momentum);
        }
        if (!Double.isFinite(builder.dampening)) {
            throw new IllegalArgumentException("RiemannianSgd: dampening must be finite, got " + builder.dampening);
        }
        if (builder.nesterov && (builder.momentum <= 0 || builder.dampening != 0)) {
            throw new IllegalArgumentException("RiemannianSgd: Nesterov momentum requires a momentum and zero "
                    + "dampening, got momentum " + builder.momentum + ", dampening " + builder.dampening);
        }
        this.momentum = builder.momentum;
        this.dampening = builder.dampening;
        this.nesterov = builder.nesterov;
    }

    /**
     * A builder: no momentum, no dampening, no Nesterov, no weight decay; the learning rate must
     * be set.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** The momentum buffer, of the parameter's shape, or nothing without momentum. */
    @Override
    protected NDList createState(NDManager manager, Shape shape, Shape componentShape, DataType dataType) {
        return momentum > 0 ? new NDList(manager.zeros(shape, dataType)) : new NDList();
    }

    @Override
    protected NDArray step(ManifoldConstraint constraint, NDList state, int step, NDArray point, NDArray gradient,
            double learningRate) {
        if (constraint.isEuclidean()) {
            return euclideanStep(state, step, point, gradient, learningRate);
        }
        NDIndex all = new NDIndex("...");
        NDArray riemannian = constraint.riemannianGradient(point, withWeightDecay(point, gradient));
        NDArray work = workArray(point);
        if (momentum == 0) {
            work.set(all, riemannian);
            return constraint.retract(point, work.muli(-learningRate));
        }
        NDArray buffer = state.get(0);
        if (step == 1) {
            buffer.set(all, gradient);
        }
        buffer.muli(momentum);
        if (dampening == 0) {
            buffer.addi(riemannian);
        } else {
            work.set(all, riemannian);
            buffer.addi(work.muli(1 - dampening));
        }
        // the step -eta d, d = b or (Nesterov) mu b + r, the same sum as r + mu b
        work.set(all, buffer);
        if (nesterov) {
            work.muli(momentum).addi(riemannian);
        }
        NDArray newPoint = constraint.retract(point, work.muli(-learningRate));
        NDArray transported = constraint.transport(point, newPoint, buffer);
        if (transported != buffer) {
            buffer.set(all, transported);
        }
        return newPoint;
    }

    /**
     * The same update in the Euclidean space, in place: the projection and the transport are the
     * identity and {@code -eta d} is added into the weight, with the operations of the general
     * step in the same order ({@code 1 * r = r} exactly without dampening, {@code mu b + r} is the
     * general step's {@code r + mu b}), so the same numbers; intermediate values go to the
     * {@link #workArray} instead of new arrays of the parameter's size.
     */
    private NDArray euclideanStep(NDList state, int step, NDArray point, NDArray gradient, double learningRate) {
        NDIndex all = new NDIndex("...");
        NDArray decayed = withWeightDecay(point, gradient);
        NDArray work = workArray(point);
        if (momentum == 0) {
            work.set(all, decayed);
            point.addi(work.muli(-learningRate));
            return point;
        }
        NDArray buffer = state.get(0);
        if (step == 1) {
            buffer.set(all, gradient);
        }
        buffer.muli(momentum);
        if (dampening == 0) {
            buffer.addi(decayed);
        } else {
            work.set(all, decayed);
            buffer.addi(work.muli(1 - dampening));
        }
        work.set(all, buffer);
        if (nesterov) {
            work.muli(momentum).addi(decayed);
        }
        point.addi(work.muli(-learningRate));
        return point;
    }

    /** Builder of {@link RiemannianSgd}. */
    public static final class Builder extends RiemannianOptimizer.Builder<Builder> {

        private double momentum;
        private double dampening;
        private boolean nesterov;

        private Builder() {
        }

        /**
         * Momentum factor {@code mu}, default 0 (no buffer).
         *
         * @param value {@code mu >= 0}
         * @return this builder
         */
        public Builder optMomentum(double value) {
            this.momentum = value;
            return this;
        }

        /**
         * Dampening {@code tau} of the momentum, default 0.
         *
         * @param value {@code tau}
         * @return this builder
         */
        public Builder optDampening(double value) {
            this.dampening = value;
            return this;
        }

        /**
         * Nesterov momentum, default false; needs a positive momentum and zero dampening.
         *
         * @param value whether to use it
         * @return this builder
         */
        public Builder optNesterov(boolean value) {
            this.nesterov = value;
            return this;
        }

        @Override
        protected Builder self() {
            return this;
        }

        /**
         * The optimiser.
         *
         * @return a new {@link RiemannianSgd}
         * @throws IllegalArgumentException without a learning rate, or with settings geoopt
         *     rejects (negative momentum or weight decay, Nesterov without momentum or with
         *     dampening)
         */
        public RiemannianSgd build() {
            return new RiemannianSgd(this);
        }
    }
}
