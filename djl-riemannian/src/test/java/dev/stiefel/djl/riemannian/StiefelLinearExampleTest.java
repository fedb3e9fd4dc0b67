package dev.stiefel.djl.riemannian;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * The README's example runs as written in DJL's training loop on float32 data: the learned
 * weight keeps orthonormal rows (checked in float64 on the host) and recovers the map the data
 * came from, which starts far from the initial weight.
 */
class StiefelLinearExampleTest {

    /** Float32 iterates after every retraction. */
    private static final double ORTHONORMALITY = 1e-5;
    /** Noise-free samples: the weight converges to the map, here to float32 rounding (3e-6 after 20 epochs). */
    private static final double RECOVERY = 1e-4;
    private static final double FAR = 1.0;

    @Test
    void theExampleLearnsAMapWithOrthonormalRows() throws IOException, TranslateException {
        try (NDManager manager = NDManager.newBaseManager(); Model model = Model.newInstance("stiefel-linear")) {
            StiefelLinearExample.SyntheticMap map = StiefelLinearExample.SyntheticMap.random(manager, 1);
            double[][] truth = Matrices.read(map.truth());
            double[][] initial = Matrices.read(ManifoldInitializer.of(ManifoldConstraint.stiefelRows(), 42)
                    .initialize(manager, map.truth().getShape(), DataType.FLOAT64));
            NDArray weight = StiefelLinearExample.train(model, map.dataset()).getParameters().get("weight").getArray();
            assertEquals(DataType.FLOAT32, weight.getDataType());
            double[][] learned = Matrices.read(weight);
            double defect = Matrices.orthonormalColumnsDefect(Matrices.transpose(learned));
            assertTrue(defect <= ORTHONORMALITY, "||W W^T - I||_F = " + defect);
            assertTrue(Matrices.distance(initial, truth) > FAR, "start " + Matrices.distance(initial, truth));
            double error = Matrices.distance(learned, truth);
            assertTrue(error <= RECOVERY, "||W - W*||_F = " + error);
        }
    }
}
