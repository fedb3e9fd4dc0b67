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
            // the projection, the retraction x + v and the transport are the identity here: the
            // change is added into the weight in place, with the same operations in the same order
            point.addi(change(state, step, withWeightDecay(point, gradient), gradient, point, learningRate));
            return point;
        }
        NDArray riemannian = constraint.riemannianGradient(point, withWeightDecay(point, gradient));
        NDArray newPoint = constraint.retract(point, change(state, step, riemannian, gradient, point, learningRate));
        if (momentum > 0) {
            NDArray buffer = state.get(0);
            NDArray transported = constraint.transport(point, newPoint, buffer);
            if (transported != buffer) {
                buffer.set(new NDIndex("..."), transported);
            }
        }
        return newPoint;
    }

    /**
     * The step {@code -eta d} in the {@link #workArray}, after updating the momentum buffer
     * {@code b <- mu b + (1 - tau) r} (from the first Euclidean gradient at step 1):
     * {@code d = r} without momentum, else {@code b}, or with Nesterov {@code mu b + r} (the
     * same sum as {@code r + mu b}). Without dampening {@code r} is added as it is
     * ({@code 1 * r = r} exactly).
     *
     * @param direction {@code r}, the Riemannian gradient with weight decay; not modified
     */
    private NDArray change(NDList state, int step, NDArray direction, NDArray gradient, NDArray point,
            double learningRate) {
        NDIndex all = new NDIndex("...");
        NDArray work = workArray(point);
        if (momentum == 0) {
            work.set(all, direction);
            return work.muli(-learningRate);
        }
        NDArray buffer = state.get(0);
        if (step == 1) {
            buffer.set(all, gradient);
        }
        buffer.muli(momentum);
        if (dampening == 0) {
            buffer.addi(direction);
        } else {
            work.set(all, direction);
            buffer.addi(work.muli(1 - dampening));
        }
        work.set(all, buffer);
        if (nesterov) {
            work.muli(momentum).addi(direction);
        }
        return work.muli(-learningRate);
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
