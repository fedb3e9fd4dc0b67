package dev.stiefel.djl.riemannian;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Initial points lie on the manifold in float64 and float32, are reproducible from the seed, and
 * on Stiefel follow the Haar measure: over many draws of {@code O(3)} every entry has mean 0 and
 * mean square {@code 1/3}, and the determinant is +1 and -1 equally often (a QR without the sign
 * fix fails the first of these, Mezzadri 2007).
 */
class ManifoldInitializerTest {

    private static final double FLOAT64_DEFECT = 1e-13;
    private static final double FLOAT32_DEFECT = 1e-6;
    private static final int DRAWS = 4000;
    /** Four standard errors of a mean of {@value #DRAWS} draws of variance at most 1/3 (or 1 for the determinant). */
    private static final double MEAN_TOLERANCE = 4.0 / Math.sqrt(DRAWS);

    private NDManager manager;

    @BeforeEach
    void openManager() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void closeManager() {
        manager.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"stiefelColumns", "stiefelRows", "obliqueColumns", "obliqueRows", "sphere"})
    void pointsLieOnTheManifoldInBothPrecisions(String name) {
        ManifoldConstraint constraint = switch (name) {
            case "stiefelColumns" -> ManifoldConstraint.stiefelColumns();
            case "stiefelRows" -> ManifoldConstraint.stiefelRows();
            case "obliqueColumns" -> ManifoldConstraint.obliqueColumns();
            case "obliqueRows" -> ManifoldConstraint.obliqueRows();
            default -> ManifoldConstraint.sphere();
        };
        Shape shape = name.endsWith("Rows") ? new Shape(4, 11) : new Shape(11, 4);
        for (DataType type : new DataType[] {DataType.FLOAT64, DataType.FLOAT32}) {
            NDArray point = ManifoldInitializer.of(constraint, 3).initialize(manager, shape, type);
            assertEquals(type, point.getDataType());
            assertEquals(shape, point.getShape());
            double[][] x = Matrices.read(point);
            double[][] tall = name.endsWith("Rows") ? Matrices.transpose(x) : x;
            double defect = switch (name) {
                case "stiefelColumns", "stiefelRows" -> Matrices.orthonormalColumnsDefect(tall);
                case "sphere" -> Math.abs(Matrices.distance(x, new double[11][4]) - 1.0);
                default -> Matrices.unitColumnsDefect(tall);
            };
            assertTrue(defect <= (type == DataType.FLOAT64 ? FLOAT64_DEFECT : FLOAT32_DEFECT), type + ": " + defect);
        }
    }

    @Test
    void theSeedDeterminesThePoints() {
        Shape shape = new Shape(7, 3);
        double[] first = ManifoldInitializer.of(ManifoldConstraint.stiefelColumns(), 11)
                .initialize(manager, shape, DataType.FLOAT64).toDoubleArray();
        ManifoldInitializer again = ManifoldInitializer.of(ManifoldConstraint.stiefelColumns(), 11);
        assertArrayEquals(first, again.initialize(manager, shape, DataType.FLOAT64).toDoubleArray(), 0.0);
        double[] next = again.initialize(manager, shape, DataType.FLOAT64).toDoubleArray();
        assertTrue(Math.abs(first[0] - next[0]) > 0.0, "each call draws a new point");
    }

    /** The draws {@link ManifoldInitializer} converts into arrays. */
    @Test
    void stiefelPointsAreHaarDistributed() {
        SplittableRandom random = new SplittableRandom(2024);
        int n = 3;
        double[][] mean = new double[n][n];
        double[][] meanSquare = new double[n][n];
        double meanDeterminant = 0.0;
        for (int draw = 0; draw < DRAWS; draw++) {
            double[] q = ManifoldConstraint.stiefelColumns().randomPoint(new Shape(n, n), random);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    mean[i][j] += q[i * n + j] / DRAWS;
                    meanSquare[i][j] += q[i * n + j] * q[i * n + j] / DRAWS;
                }
            }
            meanDeterminant += (q[0] * (q[4] * q[8] - q[5] * q[7]) - q[1] * (q[3] * q[8] - q[5] * q[6])
                    + q[2] * (q[3] * q[7] - q[4] * q[6])) / DRAWS;
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                assertEquals(0.0, mean[i][j], MEAN_TOLERANCE, "E[Q_" + i + j + "]");
                assertEquals(1.0 / n, meanSquare[i][j], MEAN_TOLERANCE, "E[Q_" + i + j + "^2]");
            }
        }
        assertEquals(0.0, meanDeterminant, MEAN_TOLERANCE, "E[det Q]");
    }

    @Test
    void badArgumentsAreRejected() {
        ManifoldInitializer initializer = ManifoldInitializer.of(ManifoldConstraint.stiefelColumns(), 1);
        assertThrows(IllegalArgumentException.class, () -> initializer.initialize(manager, new Shape(3, 3),
                DataType.INT32));
        assertThrows(IllegalArgumentException.class, () -> initializer.initialize(manager, new Shape(3, 5),
                DataType.FLOAT32));
        assertThrows(IllegalArgumentException.class, () -> ManifoldInitializer.of(null, 1));
    }
}
