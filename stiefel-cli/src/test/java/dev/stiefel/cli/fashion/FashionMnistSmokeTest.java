package dev.stiefel.cli.fashion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.etf.djl.Backbone;
import dev.stiefel.etf.djl.data.FashionMnist;
import dev.stiefel.etf.djl.data.ImageSet;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import dev.stiefel.etf.train.HeadKind;
import org.junit.jupiter.api.Test;

/**
 * Real data, real backbone: the small ResNet with the implicit ETF head (full backward) learns
 * Fashion-MNIST from 960 images in one epoch well above chance (0.1) on 1000 test images.
 */
class FashionMnistSmokeTest {

    static final double ABOVE_CHANCE = 0.4;

    @Test
    void oneEpochOnNineHundredSixtyImagesBeatsChance() throws IOException {
        Path folder = FashionMnistCommandTest.requireData();
        FashionMnist data = FashionMnist.load(folder);
        ImageSet train = data.train().first(960);
        ImageSet test = data.test().first(1000);
        ImageClassifierOptions options = ImageClassifierOptions.defaults(1).withBackbone(Backbone.RESNET, 8, 64).withBatchSize(32)
                .withNeuralCollapse(1, 960);
        List<EpochRecord> history = ImageClassifierTraining.run(HeadKind.IMPLICIT, 1, train, test,
                data.train().normalisation(), options, new ImageClassifierTraining.Listener() { });
        assertEquals(1, history.size());
        EpochRecord epoch = history.get(0);
        assertTrue(epoch.testAccuracy() > ABOVE_CHANCE, "test accuracy " + epoch.testAccuracy());
        assertTrue(epoch.ncAccuracy() > ABOVE_CHANCE, "accuracy on the training subset " + epoch.ncAccuracy());
        assertTrue(Double.isFinite(epoch.nc1()) && Double.isFinite(epoch.nc3()) && epoch.trainSeconds() > 0, epoch.toString());
    }
}
