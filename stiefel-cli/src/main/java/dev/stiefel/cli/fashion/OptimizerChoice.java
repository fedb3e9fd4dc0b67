package dev.stiefel.cli.fashion;

import ai.djl.nn.Block;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.stiefel.etf.djl.AutomaticGradientDescentOptimizer;
import java.util.Locale;

/** The optimisers of the experiment: DJL's SGD with momentum 0.9 and Adam, and AGD. */
public enum OptimizerChoice {
    /** DJL's SGD, momentum 0.9, fixed learning rate, weight decay as given. */
    SGD,
    /** DJL's Adam, fixed learning rate, weight decay as given. */
    ADAM,
    /** {@link AutomaticGradientDescentOptimizer}, gain 10; no learning rate and no weight decay. */
    AGD;

    /**
     * The optimiser for {@code block}.
     *
     * @param learningRate SGD's and Adam's rate (ignored by AGD)
     * @param weightDecay SGD's and Adam's weight decay (ignored by AGD)
     */
    public Optimizer create(Block block, double learningRate, double weightDecay) {
        return switch (this) {
            case SGD -> Optimizer.sgd().setLearningRateTracker(Tracker.fixed((float) learningRate)).optMomentum(0.9f)
                    .optWeightDecays((float) weightDecay).build();
            case ADAM -> Optimizer.adam().optLearningRateTracker(Tracker.fixed((float) learningRate))
                    .optWeightDecays((float) weightDecay).build();
            case AGD -> AutomaticGradientDescentOptimizer.builder().setBlock(block).build();
        };
    }

    public String commandLineName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
