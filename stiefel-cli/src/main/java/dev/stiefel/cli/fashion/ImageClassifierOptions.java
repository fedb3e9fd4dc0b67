package dev.stiefel.cli.fashion;

import dev.stiefel.etf.EtfOptions;
import dev.stiefel.etf.djl.Backbone;
import dev.stiefel.etf.djl.data.Augmentation;

/**
 * Options of one image-classifier run.
 *
 * @param backbone feature extractor
 * @param width its width (first convolution's channels; the MLP's hidden units / 16)
 * @param dimension penultimate dimension d
 * @param epochs passes over the training set, at least 1
 * @param batchSize mini-batch size, at least 2 (the last incomplete batch of an epoch is dropped)
 * @param optimizer the optimiser
 * @param learningRate SGD's and Adam's rate
 * @param weightDecay SGD's and Adam's weight decay
 * @param augmentation of the training images
 * @param ncEvery neural-collapse evaluation every this many epochs (and after the last), at least 1
 * @param ncSubset the first this many training images are the neural-collapse subset
 * @param evaluationBatchSize batch size of the evaluations (its mean centres the logits)
 * @param tau feature scale of every head
 * @param delta proximal weight of the implicit heads
 * @param manifolds the parameters held on manifolds by a Riemannian optimiser
 */
public record ImageClassifierOptions(Backbone backbone, int width, int dimension, int epochs, int batchSize,
        OptimizerChoice optimizer, double learningRate, double weightDecay, Augmentation augmentation, int ncEvery,
        int ncSubset, int evaluationBatchSize, double tau, double delta, ParameterManifolds manifolds) {

    /**
     * @throws IllegalArgumentException naming the first invalid option
     */
    public ImageClassifierOptions {
        if (backbone == null || optimizer == null || augmentation == null || manifolds == null) {
            throw new IllegalArgumentException("backbone, optimizer, augmentation and manifolds must not be null");
        }
        require(!manifolds.any() || optimizer.isRiemannianCapable(), optimizer.commandLineName()
                + " cannot hold parameters on manifolds (" + manifolds.describe() + "); use sgd or adam");
        require(width >= 1, "width must be >= 1, got " + width);
        require(dimension >= 1, "dimension must be >= 1, got " + dimension);
        require(epochs >= 1, "epochs must be >= 1, got " + epochs);
        require(batchSize >= 2, "batch size must be >= 2, got " + batchSize);
        require(learningRate > 0 && Double.isFinite(learningRate), "learning rate must be positive, got " + learningRate);
        require(weightDecay >= 0 && Double.isFinite(weightDecay), "weight decay must be >= 0, got " + weightDecay);
        require(ncEvery >= 1, "neural-collapse interval must be >= 1 epoch, got " + ncEvery);
        require(ncSubset >= 2, "neural-collapse subset must hold >= 2 images, got " + ncSubset);
        require(evaluationBatchSize >= 2, "evaluation batch size must be >= 2, got " + evaluationBatchSize);
        require(tau > 0 && Double.isFinite(tau), "tau must be positive, got " + tau);
        require(delta > 0 && Double.isFinite(delta), "delta must be positive, got " + delta);
    }

    /**
     * ResNet width 8, d 512, 128 per batch, SGD 0.05 (momentum 0.9) with weight decay 5e-4, no
     * augmentation, NC1/NC3 every epoch on 10000 images, the paper's tau and delta.
     */
    public static ImageClassifierOptions defaults(int epochs) {
        return new ImageClassifierOptions(Backbone.RESNET, 8, 512, epochs, 128, OptimizerChoice.SGD, 0.05, 5e-4,
                Augmentation.NONE, 1, 10000, 500, EtfOptions.DEFAULT_TAU, EtfOptions.DEFAULT_DELTA, ParameterManifolds.NONE);
    }

    public ImageClassifierOptions withBackbone(Backbone value, int widthValue, int dimensionValue) {
        return new ImageClassifierOptions(value, widthValue, dimensionValue, epochs, batchSize, optimizer, learningRate,
                weightDecay, augmentation, ncEvery, ncSubset, evaluationBatchSize, tau, delta, manifolds);
    }

    public ImageClassifierOptions withBatchSize(int value) {
        return new ImageClassifierOptions(backbone, width, dimension, epochs, value, optimizer, learningRate, weightDecay,
                augmentation, ncEvery, ncSubset, evaluationBatchSize, tau, delta, manifolds);
    }

    public ImageClassifierOptions withOptimizer(OptimizerChoice value, double rate, double decay) {
        return new ImageClassifierOptions(backbone, width, dimension, epochs, batchSize, value, rate, decay, augmentation,
                ncEvery, ncSubset, evaluationBatchSize, tau, delta, manifolds);
    }

    public ImageClassifierOptions withAugmentation(Augmentation value) {
        return new ImageClassifierOptions(backbone, width, dimension, epochs, batchSize, optimizer, learningRate, weightDecay,
                value, ncEvery, ncSubset, evaluationBatchSize, tau, delta, manifolds);
    }

    public ImageClassifierOptions withNeuralCollapse(int every, int subset) {
        return new ImageClassifierOptions(backbone, width, dimension, epochs, batchSize, optimizer, learningRate, weightDecay,
                augmentation, every, subset, evaluationBatchSize, tau, delta, manifolds);
    }

    public ImageClassifierOptions withHead(double tauValue, double deltaValue) {
        return new ImageClassifierOptions(backbone, width, dimension, epochs, batchSize, optimizer, learningRate, weightDecay,
                augmentation, ncEvery, ncSubset, evaluationBatchSize, tauValue, deltaValue, manifolds);
    }

    public ImageClassifierOptions withManifolds(ParameterManifolds value) {
        return new ImageClassifierOptions(backbone, width, dimension, epochs, batchSize, optimizer, learningRate, weightDecay,
                augmentation, ncEvery, ncSubset, evaluationBatchSize, tau, delta, value);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
