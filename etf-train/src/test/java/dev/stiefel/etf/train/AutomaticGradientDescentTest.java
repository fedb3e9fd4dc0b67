package dev.stiefel.etf.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AutomaticGradientDescentTest {

    private static final double EXACT = 1e-15;
    private static final double TIGHT = 1e-13;

    /**
     * Worked by hand. Tensor A is 4x1 (fan_out 4, fan_in 1, sqrt = 2) with gradient
     * (0, 0, 3, 4), norm 5; tensor B is 1x4 (sqrt(1/4) = 1/2) with gradient (2, 2, 2, 2), norm 4.
     * G = (2*5 + 4/2) / 2 = 6; eta = ln((1 + sqrt(25)) / 2) = ln 3. With gain 10, L = 2:
     * A <- A - 10 (ln3/2) * 2 * gradA/5 = A - 2 ln3 gradA, i.e. A - (0, 0, 6 ln3, 8 ln3);
     * B <- B - 10 (ln3/2) * (1/2) * gradB/4 = B - (5/8) ln3 gradB, i.e. B - (5/4) ln3 each.
     */
    @Test
    void updateMatchesHandComputation() {
        DMatrixRMaj a = new DMatrixRMaj(4, 1, true, 1, 2, 3, 4);
        DMatrixRMaj gradA = new DMatrixRMaj(4, 1, true, 0, 0, 3, 4);
        DMatrixRMaj b = new DMatrixRMaj(1, 4, true, -1, 0, 1, 2);
        DMatrixRMaj gradB = new DMatrixRMaj(1, 4, true, 2, 2, 2, 2);
        List<TrainableTensor> tensors = List.of(TrainableTensor.dense("A", a, gradA, 4, 1),
                TrainableTensor.dense("B", b, gradB, 1, 4));

        double eta = new AutomaticGradientDescent(10).step(tensors);

        double ln3 = Math.log(3);
        assertEquals(ln3, eta, EXACT);
        assertArrayEquals(new double[] {1, 2, 3 - 6 * ln3, 4 - 8 * ln3}, a.data, TIGHT);
        double shift = 1.25 * ln3;
        assertArrayEquals(new double[] {-1 - shift, -shift, 1 - shift, 2 - shift}, b.data, TIGHT);
    }

    @Test
    void zeroGradientLeavesTensorUnchangedAndOthersStillMove() {
        DMatrixRMaj a = new DMatrixRMaj(2, 2, true, 1, 2, 3, 4);
        DMatrixRMaj b = new DMatrixRMaj(1, 1, true, 5);
        // G = (0 + 1 * 2) / 2 = 1: eta = ln((1 + sqrt 5)/2), the log of the golden ratio.
        List<TrainableTensor> tensors = List.of(TrainableTensor.dense("A", a, new DMatrixRMaj(2, 2), 2, 2),
                TrainableTensor.dense("B", b, new DMatrixRMaj(1, 1, true, 2), 1, 1));
        double eta = new AutomaticGradientDescent(1).step(tensors);
        double goldenLog = Math.log((1 + Math.sqrt(5)) / 2);
        assertEquals(goldenLog, eta, EXACT);
        assertArrayEquals(new double[] {1, 2, 3, 4}, a.data, 0);
        // B moves by gain * eta / L * 1 * sign(grad) = eta / 2.
        assertEquals(5 - goldenLog / 2, b.data[0], TIGHT);
    }

    /** A gathered gradient (only some rows) gives exactly the dense update with zeros elsewhere. */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void gatheredRowsEqualDenseUpdate(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int n = 9;
        int d = 4;
        DMatrixRMaj dense = random(n, d, random);
        DMatrixRMaj gathered = dense.copy();
        int[] rows = {7, 2, 5};
        DMatrixRMaj rowGradient = random(rows.length, d, random);
        DMatrixRMaj fullGradient = new DMatrixRMaj(n, d);
        for (int k = 0; k < rows.length; k++) {
            for (int j = 0; j < d; j++) {
                fullGradient.set(rows[k], j, rowGradient.get(k, j));
            }
        }
        DMatrixRMaj other = random(3, 2, random);
        DMatrixRMaj otherCopy = other.copy();
        DMatrixRMaj otherGradient = random(3, 2, random);

        TrainableTensor gatheredTensor = TrainableTensor.gathered("H", gathered, rowGradient, n, d);
        gatheredTensor.setRows(rows, rows.length);
        AutomaticGradientDescent agd = new AutomaticGradientDescent(10);
        double etaGathered = agd.step(List.of(gatheredTensor,
                TrainableTensor.dense("W", otherCopy, otherGradient, 2, 3)));
        double etaDense = agd.step(List.of(TrainableTensor.dense("H", dense, fullGradient, n, d),
                TrainableTensor.dense("W", other, otherGradient, 2, 3)));

        assertEquals(etaDense, etaGathered, TIGHT);
        assertArrayEquals(dense.data, gathered.data, TIGHT);
        assertArrayEquals(other.data, otherCopy.data, TIGHT);
    }

    @Test
    void sgdSubtractsScaledGradient() {
        DMatrixRMaj a = new DMatrixRMaj(1, 3, true, 1, 2, 3);
        new StochasticGradientDescent(0.5).step(List.of(TrainableTensor.dense("A", a,
                new DMatrixRMaj(1, 3, true, 2, -4, 6), 1, 3)));
        assertArrayEquals(new double[] {0, 4, 0}, a.data, EXACT);
    }

    @Test
    void badInputIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new AutomaticGradientDescent(0));
        assertThrows(IllegalArgumentException.class, () -> new AutomaticGradientDescent(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> new StochasticGradientDescent(-1));
        assertThrows(IllegalArgumentException.class, () -> new AutomaticGradientDescent(10).step(List.of()));
        DMatrixRMaj a = new DMatrixRMaj(1, 1);
        assertThrows(ArithmeticException.class, () -> new AutomaticGradientDescent(10).step(List.of(
                TrainableTensor.dense("A", a, new DMatrixRMaj(1, 1, true, Double.NaN), 1, 1))));
        assertThrows(IllegalStateException.class, () -> new AutomaticGradientDescent(10).step(List.of(
                TrainableTensor.dense("A", a, new DMatrixRMaj(2, 1), 1, 1))));
        assertThrows(IllegalArgumentException.class, () -> TrainableTensor.dense("A", a, a, 0, 1));
    }

    static DMatrixRMaj random(int rows, int cols, SplittableRandom random) {
        DMatrixRMaj m = new DMatrixRMaj(rows, cols);
        for (int k = 0; k < m.data.length; k++) {
            m.data[k] = random.nextDouble(-1, 1);
        }
        return m;
    }
}
