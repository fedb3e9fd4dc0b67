package dev.stiefel.etf.djl;

import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import java.util.List;
import java.util.Locale;

/**
 * Feature extractors for single-channel images {@code (B, 1, H, W)} that end in the penultimate
 * features {@code (B, d)} an {@link EtfHeadBlock} takes, sized for a two-core CPU.
 */
public enum Backbone {

    /**
     * A small ResNet (He, Zhang, Ren, Sun, CVPR 2016, basic blocks, batch normalisation): a
     * 3x3 convolution with {@code width} channels, then three residual blocks of 2x, 4x and 8x
     * {@code width} channels, each halving the resolution (28 -> 14 -> 7 -> 4), global average
     * pooling and a linear map to {@code d}. With width 8 and d = 512 it has about 0.11 M
     * weights and about 2.4 M multiply-adds per 28 x 28 image.
     */
    RESNET,
    /** A multilayer perceptron: flatten, two hidden layers of {@code 16 * width} units with batch normalisation and ReLU, a linear map to {@code d}. */
    MLP;

    /**
     * A fresh, uninitialised backbone.
     *
     * @param width channels of the first convolution (the MLP's hidden layers have 16 times that)
     * @param dimension penultimate dimension d
     * @throws IllegalArgumentException on a non-positive width or dimension
     */
    public Block build(int width, int dimension) {
        if (width < 1 || dimension < 1) {
            throw new IllegalArgumentException("backbone width and dimension must be positive, got " + width + ", "
                    + dimension);
        }
        return switch (this) {
            case RESNET -> new SequentialBlock()
                    .add(convolution(width, 3, 1))
                    .add(BatchNorm.builder().build())
                    .add(Activation.reluBlock())
                    .add(residual(2 * width, 2))
                    .add(residual(4 * width, 2))
                    .add(residual(8 * width, 2))
                    .add(Pool.globalAvgPool2dBlock())
                    .add(Blocks.batchFlattenBlock())
                    .add(Linear.builder().setUnits(dimension).build());
            case MLP -> new SequentialBlock()
                    .add(Blocks.batchFlattenBlock())
                    .add(Linear.builder().setUnits(16L * width).build())
                    .add(BatchNorm.builder().build())
                    .add(Activation.reluBlock())
                    .add(Linear.builder().setUnits(16L * width).build())
                    .add(BatchNorm.builder().build())
                    .add(Activation.reluBlock())
                    .add(Linear.builder().setUnits(dimension).build());
        };
    }

    /**
     * The last linear map of a backbone built by {@link #build}, the one that produces the
     * penultimate features (its weight is {@code d x k}, DJL's layout): e.g. to hold it on the
     * Stiefel manifold of orthonormal columns with a Riemannian optimiser.
     *
     * @param backbone a block returned by {@link #build}
     * @return its last child
     * @throws IllegalArgumentException when the block is not a sequence ending in a {@link Linear}
     */
    public static Linear outputLinear(Block backbone) {
        if (backbone instanceof SequentialBlock sequence && !sequence.getChildren().isEmpty()) {
            Block last = sequence.getChildren().get(sequence.getChildren().size() - 1).getValue();
            if (last instanceof Linear linear) {
                return linear;
            }
        }
        throw new IllegalArgumentException("not a backbone built by Backbone.build (a sequence ending in a Linear): "
                + backbone);
    }

    /** A description for logs and run folders, e.g. {@code resnet width 16, d 512}. */
    public String describe(int width, int dimension) {
        return switch (this) {
            case RESNET -> String.format(Locale.ROOT, "ResNet: conv3x3(%d) + residual blocks %d/%d/%d (stride 2) + "
                    + "global average pool + linear to d = %d", width, 2 * width, 4 * width, 8 * width, dimension);
            case MLP -> String.format(Locale.ROOT, "MLP: 784 -> %d -> %d (batch norm, ReLU) -> linear to d = %d",
                    16 * width, 16 * width, dimension);
        };
    }

    public String commandLineName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses a command-line name, case-insensitive.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static Backbone parse(String text) {
        for (Backbone backbone : values()) {
            if (backbone.name().equalsIgnoreCase(text.trim())) {
                return backbone;
            }
        }
        throw new IllegalArgumentException("unknown backbone '" + text + "'; expected resnet or mlp");
    }

    private static Block convolution(int filters, int kernel, int stride) {
        return Conv2d.builder().setFilters(filters).setKernelShape(new Shape(kernel, kernel))
                .optStride(new Shape(stride, stride)).optPadding(new Shape(kernel / 2, kernel / 2)).optBias(false)
                .build();
    }

    /** Basic residual block: conv-BN-ReLU-conv-BN plus a projected shortcut, then ReLU. */
    private static Block residual(int filters, int stride) {
        SequentialBlock main = new SequentialBlock()
                .add(convolution(filters, 3, stride))
                .add(BatchNorm.builder().build())
                .add(Activation.reluBlock())
                .add(convolution(filters, 3, 1))
                .add(BatchNorm.builder().build());
        SequentialBlock shortcut = new SequentialBlock()
                .add(convolution(filters, 1, stride))
                .add(BatchNorm.builder().build());
        return new SequentialBlock()
                .add(new ParallelBlock(branches -> new NDList(NDArrays.add(branches.get(0).singletonOrThrow(),
                        branches.get(1).singletonOrThrow())), List.of(main, shortcut)))
                .add(Activation.reluBlock());
    }
}
