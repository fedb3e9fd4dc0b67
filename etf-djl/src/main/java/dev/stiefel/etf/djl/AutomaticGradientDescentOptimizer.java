package dev.stiefel.etf.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.optimizer.Optimizer;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Automatic Gradient Descent (Bernstein, Mingard, Huang, Azizan, Yue, "Automatic Gradient
 * Descent: Deep Learning without Hyperparameters", arXiv:2304.05187, 2023) as a DJL
 * {@link Optimizer}, with the update of etf-train's {@code AutomaticGradientDescent}: over the L
 * trainable tensors of the block,
 *
 * <pre>
 *   G   = (1/L) sum_p sqrt(fan_out/fan_in) ||grad p||_F
 *   eta = ln((1 + sqrt(1 + 4 G)) / 2)
 *   p  &lt;- p - gain (eta / L) sqrt(fan_out/fan_in) grad p / ||grad p||_F
 * </pre>
 *
 * and a tensor with an exactly zero gradient is left unchanged. Fans: a tensor of shape
 * {@code (out, in, k...)} (a {@code Linear} or convolution weight) has {@code fan_out = out} and
 * {@code fan_in = in * prod(k)}; a vector (bias, normalisation scale and shift) has ratio 1.
 *
 * <p>DJL updates one parameter at a time, while {@code eta} needs every gradient: the first
 * update of a step reads the gradients of all trainable parameters of the block, and the step
 * ends when each has been updated. The block must therefore be the one the trainer trains, and
 * all of its trainable parameters must have gradients when the step begins.
 */
public final class AutomaticGradientDescentOptimizer extends Optimizer {

    /** The gain of the Guiding Neural Collapse experiments. */
    public static final double DEFAULT_GAIN = 10.0;

    private final Block block;
    private final double gain;
    private final Map<String, Double> factors = new HashMap<>();
    private final Set<String> updated = new HashSet<>();
    private double lastEta = Double.NaN;

    private AutomaticGradientDescentOptimizer(Builder builder) {
        super(builder);
        if (builder.block == null) {
            throw new IllegalArgumentException("AGD needs the block it trains (setBlock)");
        }
        if (!(builder.gain > 0) || !Double.isFinite(builder.gain)) {
            throw new IllegalArgumentException("AGD gain must be positive and finite, got " + builder.gain);
        }
        this.block = builder.block;
        this.gain = builder.gain;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The step size {@code eta} of the last step (NaN before the first). */
    public double lastEta() {
        return lastEta;
    }

    /**
     * {@inheritDoc}
     *
     * @throws ArithmeticException when a gradient is not finite
     * @throws IllegalStateException when the parameter is not a trainable parameter of the block
     */
    @Override
    public void update(String parameterId, NDArray weight, NDArray grad) {
        if (updated.isEmpty()) {
            beginStep();
        }
        Double factor = factors.get(parameterId);
        if (factor == null) {
            throw new IllegalStateException("AGD was given parameter " + parameterId
                    + ", which is not a trainable parameter of its block");
        }
        if (factor != 0) {
            try (NDArray step = grad.mul(factor)) {
                weight.subi(step);
            }
        }
        try (NDArray stored = weight.getGradient()) {
            stored.subi(stored);
        }
        updated.add(parameterId);
        if (updated.size() == factors.size()) {
            updated.clear();
        }
    }

    private void beginStep() {
        factors.clear();
        Map<String, double[]> normAndRatio = new HashMap<>();
        double summed = 0;
        for (Parameter parameter : block.getParameters().values()) {
            if (!parameter.requiresGradient()) {
                continue;
            }
            double norm;
            try (NDArray gradient = parameter.getArray().getGradient();
                    NDArray squared = gradient.toType(DataType.FLOAT64, false).square().sum()) {
                norm = Math.sqrt(squared.getDouble());
            }
            if (!Double.isFinite(norm)) {
                throw new ArithmeticException("gradient of parameter '" + parameter.getName() + "' is not finite");
            }
            double ratio = singularValue(parameter.getArray().getShape());
            normAndRatio.put(parameter.getId(), new double[] {norm, ratio});
            summed += ratio * norm;
        }
        int depth = normAndRatio.size();
        if (depth == 0) {
            throw new IllegalStateException("AGD: the block has no trainable parameters");
        }
        double eta = Math.log((1 + Math.sqrt(1 + 4 * summed / depth)) / 2);
        for (Map.Entry<String, double[]> entry : normAndRatio.entrySet()) {
            double norm = entry.getValue()[0];
            double ratio = entry.getValue()[1];
            factors.put(entry.getKey(), norm == 0 ? 0 : gain * eta / depth * ratio / norm);
        }
        lastEta = eta;
    }

    /** {@code sqrt(fan_out / fan_in)} of a tensor of this shape (1 for a vector). */
    static double singularValue(Shape shape) {
        if (shape.dimension() < 2) {
            return 1;
        }
        double fanOut = shape.get(0);
        double fanIn = shape.size() / fanOut;
        return Math.sqrt(fanOut / fanIn);
    }

    /** Builder of {@link AutomaticGradientDescentOptimizer}. */
    public static final class Builder extends OptimizerBuilder<Builder> {

        private Block block;
        private double gain = DEFAULT_GAIN;

        /** The block whose trainable parameters the trainer updates. */
        public Builder setBlock(Block value) {
            this.block = value;
            return this;
        }

        /** Gain, default {@value AutomaticGradientDescentOptimizer#DEFAULT_GAIN}. */
        public Builder optGain(double value) {
            this.gain = value;
            return this;
        }

        @Override
        protected Builder self() {
            return this;
        }

        /**
         * @throws IllegalArgumentException without a block or with a bad gain
         */
        public AutomaticGradientDescentOptimizer build() {
            return new AutomaticGradientDescentOptimizer(this);
        }
    }
}
