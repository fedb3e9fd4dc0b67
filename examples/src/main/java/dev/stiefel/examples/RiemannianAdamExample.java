package dev.stiefel.examples;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.Dataset;
import ai.djl.training.loss.Loss;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.TranslateException;
import dev.stiefel.djl.riemannian.ManifoldConstraint;
import dev.stiefel.djl.riemannian.ManifoldInitializer;
import dev.stiefel.djl.riemannian.RiemannianAdam;
import java.io.IOException;
import java.util.SplittableRandom;

/**
 * The README's example: a DJL {@code Linear} layer whose weight has orthonormal rows, trained by
 * Riemannian Adam in DJL's own loop ({@code EasyTrain.fit}); here it recovers an unknown
 * map {@code y = W* x} with orthonormal rows from samples.
 */
public final class RiemannianAdamExample {

    static final int INPUTS = 16;
    static final int OUTPUTS = 4;
    static final int SAMPLES = 512;
    static final int BATCH = 32;
    static final int EPOCHS = 20;

    private RiemannianAdamExample() {
    }

    /** The README's lines: the weight starts on St and stays there while Adam trains the model. */
    static Linear train(Model model, Dataset dataset) throws IOException, TranslateException {
        // snippet-start
        Linear layer = Linear.builder().setUnits(OUTPUTS).optBias(false).build();
        Parameter weight = layer.getParameters().get("weight");
        weight.setInitializer(ManifoldInitializer.of(ManifoldConstraint.stiefelRows(), 42));
        model.setBlock(layer);
        try (RiemannianAdam adam = RiemannianAdam.builder().setLearningRateTracker(Tracker.fixed(0.05f))
                .constrain(weight, ManifoldConstraint.stiefelRows()).build();
                Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.l2Loss()).optOptimizer(adam))) {
            trainer.initialize(new Shape(BATCH, INPUTS));
            EasyTrain.fit(trainer, EPOCHS, dataset, null);
        }
        // snippet-end
        return layer;
    }

    /** A random map {@code W*} with orthonormal rows and samples {@code (x, W* x)}, {@code x} standard normal. */
    record SyntheticMap(NDArray truth, ArrayDataset dataset) {

        static SyntheticMap random(NDManager manager, long seed) {
            SplittableRandom random = new SplittableRandom(seed);
            Shape shape = new Shape(OUTPUTS, INPUTS);
            NDArray truth = manager.create(ManifoldConstraint.stiefelRows().randomPoint(shape, random), shape)
                    .toType(DataType.FLOAT32, false);
            double[] samples = new double[SAMPLES * INPUTS];
            for (int k = 0; k < samples.length; k++) {
                samples[k] = random.nextGaussian();
            }
            NDArray inputs = manager.create(samples, new Shape(SAMPLES, INPUTS)).toType(DataType.FLOAT32, false);
            NDArray outputs = inputs.matMul(truth.transpose());
            return new SyntheticMap(truth,
                    new ArrayDataset.Builder().setData(inputs).optLabels(outputs).setSampling(BATCH, true).build());
        }
    }

    /**
     * Trains on synthetic data and prints how far the learned weight is from the true map and
     * from orthonormality.
     *
     * @param args unused
     * @throws IOException from DJL's training loop
     * @throws TranslateException from DJL's training loop
     */
    public static void main(String[] args) throws IOException, TranslateException {
        try (NDManager manager = NDManager.newBaseManager(); Model model = Model.newInstance("stiefel-linear")) {
            SyntheticMap map = SyntheticMap.random(manager, 1);
            NDArray weight = train(model, map.dataset()).getParameters().get("weight").getArray();
            System.out.printf("||W - W*||_F = %.3e, ||W W^T - I||_F = %.3e%n",
                    weight.sub(map.truth()).norm().getFloat(), ManifoldConstraint.stiefelRows().defect(weight));
        }
    }
}
