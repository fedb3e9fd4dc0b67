package dev.stiefel.manifold;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.kernel.Kernels;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Oblique-specific checks against independent computations: with one column it is the
 * {@link Sphere}; unit rows are unit columns of the transpose; projection and retraction agree
 * with their definitions written column by column; bad input is rejected by name.
 */
class ObliqueTest {

    private static final double TOLERANCE = 1e-12;
    private static final int ROWS = 5;
    private static final int COLS = 3;

    private static DMatrixRMaj gaussian(int rows, int cols, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        DMatrixRMaj a = new DMatrixRMaj(rows, cols);
        for (int k = 0; k < a.getNumElements(); k++) {
            a.data[k] = random.nextGaussian();
        }
        return a;
    }

    private static double difference(DMatrixRMaj a, DMatrixRMaj b) {
        return NormOps_DDRM.normF(CommonOps_DDRM.subtract(a, b, null));
    }

    private static double columnDot(DMatrixRMaj a, DMatrixRMaj b, int column) {
        double sum = 0.0;
        for (int i = 0; i < a.numRows; i++) {
            sum += a.get(i, column) * b.get(i, column);
        }
        return sum;
    }

    /** With a single column every operation is the sphere's of {@code R^(n x 1)}. */
    @ParameterizedTest
    @MethodSource("sphereRetractions")
    void oneColumnIsTheSphere(SphereRetraction retraction) {
        Oblique<DMatrixRMaj> oblique = new Oblique<>(Kernels.ejml(), ROWS, 1, Oblique.UnitNorm.COLUMNS, retraction);
        Sphere<DMatrixRMaj> sphere = new Sphere<>(Kernels.ejml(), ROWS, 1, retraction);
        assertEquals(sphere.dimension(), oblique.dimension());
        DMatrixRMaj x = sphere.allocate();
        sphere.randomPoint(new SplittableRandom(1), x);
        DMatrixRMaj z = gaussian(ROWS, 1, 2);
        DMatrixRMaj expected = sphere.allocate();
        DMatrixRMaj actual = oblique.allocate();

        sphere.projectToTangent(x, z, expected);
        oblique.projectToTangent(x, z, actual);
        assertEquals(0.0, difference(expected, actual), TOLERANCE, "projection");

        DMatrixRMaj v = expected.copy();
        CommonOps_DDRM.scale(0.8, v);
        sphere.retract(x, v, expected);
        oblique.retract(x, v, actual);
        assertEquals(0.0, difference(expected, actual), TOLERANCE, "retraction");
        assertEquals(sphere.distance(x, expected), oblique.distance(x, actual), TOLERANCE, "distance");

        DMatrixRMaj inverse = sphere.allocate();
        DMatrixRMaj inverseOblique = oblique.allocate();
        sphere.inverseRetract(x, expected, inverse);
        oblique.inverseRetract(x, actual, inverseOblique);
        assertEquals(0.0, difference(inverse, inverseOblique), TOLERANCE, "inverse retraction");

        DMatrixRMaj gradient = gaussian(ROWS, 1, 3);
        DMatrixRMaj hessianV = gaussian(ROWS, 1, 4);
        sphere.euclideanToRiemannianHessian(x, gradient, hessianV, v, expected);
        oblique.euclideanToRiemannianHessian(x, gradient, hessianV, v, actual);
        assertEquals(0.0, difference(expected, actual), TOLERANCE, "Riemannian Hessian");
    }

    /** {@code P_x(z)_j = z_j - <x_j, z_j> x_j} and {@code R_x(v)_j = (x_j + v_j) / ||x_j + v_j||}. */
    @Test
    void projectionAndRetractionFollowTheirDefinitionColumnByColumn() {
        Oblique<DMatrixRMaj> oblique = new Oblique<>(Kernels.ejml(), ROWS, COLS, Oblique.UnitNorm.COLUMNS,
                SphereRetraction.NORMALIZATION);
        DMatrixRMaj x = oblique.allocate();
        oblique.randomPoint(new SplittableRandom(5), x);
        for (int j = 0; j < COLS; j++) {
            assertEquals(1.0, Math.sqrt(columnDot(x, x, j)), TOLERANCE, "random point: unit column " + j);
        }
        DMatrixRMaj z = gaussian(ROWS, COLS, 6);
        DMatrixRMaj projected = oblique.allocate();
        oblique.projectToTangent(x, z, projected);
        DMatrixRMaj byDefinition = z.copy();
        for (int j = 0; j < COLS; j++) {
            double dot = columnDot(x, z, j);
            for (int i = 0; i < ROWS; i++) {
                byDefinition.add(i, j, -dot * x.get(i, j));
            }
        }
        assertEquals(0.0, difference(byDefinition, projected), TOLERANCE, "projection");

        DMatrixRMaj retracted = oblique.allocate();
        oblique.retract(x, projected, retracted);
        DMatrixRMaj sum = CommonOps_DDRM.add(x, projected, null);
        for (int j = 0; j < COLS; j++) {
            double norm = Math.sqrt(columnDot(sum, sum, j));
            for (int i = 0; i < ROWS; i++) {
                assertEquals(sum.get(i, j) / norm, retracted.get(i, j), TOLERANCE, "retraction entry " + i + ", " + j);
            }
        }
    }

    /** Unit rows of {@code X} are unit columns of {@code X^T}: every operation commutes with transposition. */
    @ParameterizedTest
    @MethodSource("sphereRetractions")
    void unitRowsAreUnitColumnsOfTheTranspose(SphereRetraction retraction) {
        Oblique<DMatrixRMaj> rowwise = new Oblique<>(Kernels.ejml(), ROWS, COLS, Oblique.UnitNorm.ROWS, retraction);
        Oblique<DMatrixRMaj> columnwise = new Oblique<>(Kernels.ejml(), COLS, ROWS, Oblique.UnitNorm.COLUMNS,
                retraction);
        assertEquals(columnwise.dimension(), rowwise.dimension());
        DMatrixRMaj x = rowwise.allocate();
        rowwise.randomPoint(new SplittableRandom(7), x);
        rowwise.checkPoint(x, TOLERANCE);
        DMatrixRMaj xt = CommonOps_DDRM.transpose(x, null);
        columnwise.checkPoint(xt, TOLERANCE);

        DMatrixRMaj z = gaussian(ROWS, COLS, 8);
        DMatrixRMaj projected = rowwise.allocate();
        rowwise.projectToTangent(x, z, projected);
        DMatrixRMaj projectedT = columnwise.allocate();
        columnwise.projectToTangent(xt, CommonOps_DDRM.transpose(z, null), projectedT);
        assertEquals(0.0, difference(CommonOps_DDRM.transpose(projectedT, null), projected), TOLERANCE, "projection");

        DMatrixRMaj y = rowwise.allocate();
        rowwise.retract(x, projected, y);
        DMatrixRMaj yt = columnwise.allocate();
        columnwise.retract(xt, projectedT, yt);
        assertEquals(0.0, difference(CommonOps_DDRM.transpose(yt, null), y), TOLERANCE, "retraction");
        assertEquals(columnwise.distance(xt, yt), rowwise.distance(x, y), TOLERANCE, "distance");

        DMatrixRMaj gradient = gaussian(ROWS, COLS, 9);
        DMatrixRMaj hessianV = gaussian(ROWS, COLS, 10);
        DMatrixRMaj hessian = rowwise.allocate();
        rowwise.euclideanToRiemannianHessian(x, gradient, hessianV, projected, hessian);
        DMatrixRMaj hessianT = columnwise.allocate();
        columnwise.euclideanToRiemannianHessian(xt, CommonOps_DDRM.transpose(gradient, null),
                CommonOps_DDRM.transpose(hessianV, null), projectedT, hessianT);
        assertEquals(0.0, difference(CommonOps_DDRM.transpose(hessianT, null), hessian), TOLERANCE, "Hessian");
    }

    @Test
    void badInputIsRejectedByName() {
        assertThrows(IllegalArgumentException.class, () -> new Oblique<>(Kernels.ejml(), 0, 2,
                Oblique.UnitNorm.COLUMNS, SphereRetraction.NORMALIZATION));
        assertThrows(IllegalArgumentException.class, () -> new Oblique<>(Kernels.ejml(), 2, 2, null,
                SphereRetraction.NORMALIZATION));
        SphereRetraction userDefined = new SphereRetraction() {
            @Override
            public String name() {
                return "MINE";
            }

            @Override
            public <M> Retraction<M> bind(Sphere<M> sphere) {
                return SphereRetraction.NORMALIZATION.bind(sphere);
            }
        };
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> new Oblique<>(Kernels.ejml(), 3, 2, Oblique.UnitNorm.COLUMNS, userDefined));
        assertTrue(unknown.getMessage().contains("MINE"), unknown.getMessage());
        Oblique<DMatrixRMaj> oblique = Oblique.onCpu(ROWS, COLS);
        DMatrixRMaj x = oblique.allocate();
        oblique.randomPoint(new SplittableRandom(11), x);

        DMatrixRMaj stretched = x.copy();
        stretched.set(0, 2, stretched.get(0, 2) + 0.1);
        IllegalArgumentException norm = assertThrows(IllegalArgumentException.class,
                () -> oblique.checkPoint(stretched, TOLERANCE));
        assertTrue(norm.getMessage().contains("column 2"), norm.getMessage());

        IllegalArgumentException tangent = assertThrows(IllegalArgumentException.class,
                () -> oblique.checkTangent(x, x, TOLERANCE));
        assertTrue(tangent.getMessage().contains("not tangent"), tangent.getMessage());

        DMatrixRMaj flipped = x.copy();
        for (int i = 0; i < ROWS; i++) {
            flipped.set(i, 1, -x.get(i, 1));
        }
        ArithmeticException inverse = assertThrows(ArithmeticException.class,
                () -> oblique.inverseRetract(x, flipped, oblique.allocate()));
        assertTrue(inverse.getMessage().contains("column 1"), inverse.getMessage());
        assertThrows(ArithmeticException.class, () -> oblique.withRetraction(SphereRetraction.EXPONENTIAL)
                .logarithm(x, flipped, oblique.allocate()));

        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> oblique.retract(x, new DMatrixRMaj(COLS, ROWS), oblique.allocate()));
        assertTrue(shape.getMessage().contains("shape 3 x 5, expected 5 x 3"), shape.getMessage());
        assertThrows(IllegalArgumentException.class, () -> oblique.projectToTangent(x, x.copy(), x));
    }

    static java.util.List<SphereRetraction> sphereRetractions() {
        return SphereRetraction.values();
    }
}
