package dev.stiefel.cli.fashion;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.stiefel.djl.riemannian.ManifoldConstraint;
import dev.stiefel.djl.riemannian.RiemannianAdam;
import dev.stiefel.djl.riemannian.RiemannianSgd;
import dev.stiefel.etf.djl.AutomaticGradientDescentOptimizer;
import java.util.Locale;
import java.util.Map;

/**
 * The optimisers of the experiment: DJL's SGD with momentum 0.9 and Adam, and AGD; with parameters
 * on manifolds, djl-riemannian's Riemannian SGD (momentum 0.9) and Riemannian Adam in their place,
 * which give every other parameter the Euclidean update of the same rule (geoopt's: the momentum
 * buffer starts from the first gradient, so the first step is {@code 1.9} times DJL's).
 */
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

    /**
     * This choice's Riemannian form for {@code block}, holding the given parameters on their
     * manifolds (with none, every parameter gets the Riemannian rule's Euclidean update, so that
     * the heads of one experiment train under the same rule).
     *
     * @param constraints parameters and their manifolds, in registration order
     * @throws IllegalArgumentException for AGD with a constraint
     */
    public Optimizer createRiemannian(double learningRate, double weightDecay,
            Map<Parameter, ManifoldConstraint> constraints) {
        return switch (this) {
            case SGD -> {
                RiemannianSgd.Builder builder = RiemannianSgd.builder()
                        .setLearningRateTracker(Tracker.fixed((float) learningRate)).optMomentum(0.9)
                        .optWeightDecays((float) weightDecay);
                constraints.forEach(builder::constrain);
                yield builder.build();
            }
            case ADAM -> {
                RiemannianAdam.Builder builder = RiemannianAdam.builder()
                        .setLearningRateTracker(Tracker.fixed((float) learningRate))
                        .optWeightDecays((float) weightDecay);
                constraints.forEach(builder::constrain);
                yield builder.build();
            }
            case AGD -> throw new IllegalArgumentException("agd cannot hold parameters on manifolds; use sgd or adam");
        };
    }

    /** Whether a Riemannian form exists (SGD and Adam). */
    public boolean isRiemannianCapable() {
        return this != AGD;
    }

    public String commandLineName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
