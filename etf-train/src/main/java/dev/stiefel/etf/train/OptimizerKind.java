package dev.stiefel.etf.train;

/** The optimisers the trainer offers. */
public enum OptimizerKind {
    /** {@link AutomaticGradientDescent}, the paper's choice. */
    AGD,
    /** {@link StochasticGradientDescent}, plain, with a fixed learning rate. */
    SGD;

    /** A new optimiser of this kind from the options' gain or learning rate. */
    public Optimizer create(TrainingOptions options) {
        return switch (this) {
            case AGD -> new AutomaticGradientDescent(options.gain());
            case SGD -> new StochasticGradientDescent(options.learningRate());
        };
    }
}
