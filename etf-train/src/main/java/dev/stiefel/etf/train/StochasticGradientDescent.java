package dev.stiefel.etf.train;

import java.util.List;

/** Plain (stochastic) gradient descent {@code p <- p - lr grad p}: no momentum, no weight decay. */
public final class StochasticGradientDescent implements Optimizer {

    /** Default learning rate of the command line. */
    public static final double DEFAULT_LEARNING_RATE = 0.1;

    private final double learningRate;

    /**
     * @param learningRate positive, finite
     * @throws IllegalArgumentException otherwise
     */
    public StochasticGradientDescent(double learningRate) {
        if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
            throw new IllegalArgumentException("SGD learning rate must be positive and finite, got " + learningRate);
        }
        this.learningRate = learningRate;
    }

    public double learningRate() {
        return learningRate;
    }

    @Override
    public double step(List<TrainableTensor> tensors) {
        for (int p = 0, count = tensors.size(); p < count; p++) {
            tensors.get(p).subtractScaledGradient(learningRate);
        }
        return learningRate;
    }
}
