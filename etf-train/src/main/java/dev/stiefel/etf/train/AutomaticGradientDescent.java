package dev.stiefel.etf.train;

import java.util.List;

/**
 * Automatic Gradient Descent (Bernstein, Mingard, Huang, Azizan, Yue, "Automatic Gradient
 * Descent: Deep Learning without Hyperparameters", arXiv:2304.05187, 2023), as the paper uses it
 * (gain 10, no weight decay, no biases; {@code docs/mathematics.md} section 7). With L tensors:
 *
 * <pre>
 *   G   = (1/L) sum_p sqrt(fan_out/fan_in) ||grad p||_F
 *   eta = ln((1 + sqrt(1 + 4 G)) / 2)
 *   p  &lt;- p - gain (eta / L) sqrt(fan_out/fan_in) grad p / ||grad p||_F
 * </pre>
 *
 * A tensor whose gradient is exactly zero is left unchanged (the reference implementation's
 * {@code nan_to_num} of {@code 0 * inf} has the same effect). AGD's orthogonal initialisation
 * belongs to the parameters, not to this update: the learned head starts that way (as the
 * authors' {@code init_weights} does), while the unconstrained features start normal with
 * standard deviation {@code 1/sqrt(d)} by default (docs/mathematics.md section 7).
 * The fans come from each {@link TrainableTensor}; the trainer's convention is documented in
 * {@link Trainer}.
 */
public final class AutomaticGradientDescent implements Optimizer {

    /** The paper's gain. */
    public static final double DEFAULT_GAIN = 10.0;

    private final double gain;

    /**
     * @param gain positive, finite
     * @throws IllegalArgumentException otherwise
     */
    public AutomaticGradientDescent(double gain) {
        if (!(gain > 0) || !Double.isFinite(gain)) {
            throw new IllegalArgumentException("AGD gain must be positive and finite, got " + gain);
        }
        this.gain = gain;
    }

    public double gain() {
        return gain;
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException when {@code tensors} is empty
     * @throws ArithmeticException when a gradient is not finite
     */
    @Override
    public double step(List<TrainableTensor> tensors) {
        int depth = tensors.size();
        if (depth == 0) {
            throw new IllegalArgumentException("AGD needs at least one tensor");
        }
        double summedGradientNorm = 0;
        for (int p = 0; p < depth; p++) {
            TrainableTensor tensor = tensors.get(p);
            double norm = tensor.gradientNorm();
            if (!Double.isFinite(norm)) {
                throw new ArithmeticException("gradient of tensor '" + tensor.name() + "' is not finite");
            }
            summedGradientNorm += singularValue(tensor) * norm;
        }
        double g = summedGradientNorm / depth;
        double eta = Math.log((1 + Math.sqrt(1 + 4 * g)) / 2);
        for (int p = 0; p < depth; p++) {
            TrainableTensor tensor = tensors.get(p);
            double norm = tensor.gradientNorm();
            if (norm == 0) {
                continue;
            }
            tensor.subtractScaledGradient(gain * eta / depth * singularValue(tensor) / norm);
        }
        return eta;
    }

    /** {@code sqrt(fan_out / fan_in)}: the target spectral scale of a tensor in AGD. */
    static double singularValue(TrainableTensor tensor) {
        return Math.sqrt((double) tensor.fanOut() / tensor.fanIn());
    }
}
