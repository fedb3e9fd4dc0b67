package dev.stiefel.djl.riemannian;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stiefel.kernel.Kernels;
import dev.stiefel.manifold.Manifold;
import dev.stiefel.manifold.Oblique;
import dev.stiefel.manifold.Sphere;
import dev.stiefel.manifold.SphereRetraction;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.manifold.StiefelRetraction;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The NDArray geometry of every constraint against manifold-core's EJML implementation of the
 * same manifold: Riemannian gradient (projection), retraction (for Stiefel: Householder QR with
 * the sign fix against this module's Cholesky QR), component-wise squared norms against their
 * definition, defects, and shape checks. Rows variants are compared through the transpose.
 */
class ConstraintGeometryTest {

    /** Float64 NDArray and EJML results differ by rounding only. */
    private static final double FLOAT64_TOLERANCE = 1e-13;
    /** Float32 results against float64 ones: a few units of float32 rounding. */
    private static final double FLOAT32_TOLERANCE = 1e-5;
    private static final int N = 9;
    private static final int P = 4;

    /** A constraint of this module and the manifold-core manifold it must agree with. */
    enum Geometry {
        STIEFEL_COLUMNS(false), STIEFEL_ROWS(true), OBLIQUE_COLUMNS(false), OBLIQUE_ROWS(true), SPHERE(false);

        final boolean wide;

        Geometry(boolean wide) {
            this.wide = wide;
        }

        ManifoldConstraint constraint() {
            return switch (this) {
                case STIEFEL_COLUMNS -> ManifoldConstraint.stiefelColumns();
                case STIEFEL_ROWS -> ManifoldConstraint.stiefelRows();
                case OBLIQUE_COLUMNS -> ManifoldConstraint.obliqueColumns();
                case OBLIQUE_ROWS -> ManifoldConstraint.obliqueRows();
                case SPHERE -> ManifoldConstraint.sphere();
            };
        }

        /** manifold-core's manifold of the (possibly transposed, then tall) matrix. */
        Manifold<DMatrixRMaj> reference() {
            return switch (this) {
                case STIEFEL_COLUMNS, STIEFEL_ROWS -> new Stiefel<>(Kernels.ejml(), N, P, StiefelRetraction.QR);
                case OBLIQUE_COLUMNS, OBLIQUE_ROWS -> new Oblique<>(Kernels.ejml(), N, P, Oblique.UnitNorm.COLUMNS,
                        SphereRetraction.NORMALIZATION);
                case SPHERE -> new Sphere<>(Kernels.ejml(), N, P, SphereRetraction.NORMALIZATION);
            };
        }

        /** The parameter's orientation from manifold-core's tall one. */
        DMatrixRMaj orient(DMatrixRMaj tall) {
            return wide ? CommonOps_DDRM.transpose(tall, null) : tall;
        }
    }

    private NDManager manager;
    private final SplittableRandom random = new SplittableRandom(17);

    @BeforeEach
    void openManager() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void closeManager() {
        manager.close();
    }

    private NDArray array(DMatrixRMaj host, DataType type) {
        NDArray array = manager.create(host.data, new Shape(host.numRows, host.numCols));
        return type == DataType.FLOAT64 ? array : array.toType(type, false);
    }

    private static DMatrixRMaj host(NDArray array) {
        return DMatrixRMaj.wrap(Math.toIntExact(array.getShape().get(0)), Math.toIntExact(array.getShape().get(1)),
                HostArrays.toDoubles(array));
    }

    private DMatrixRMaj gaussian(int rows, int cols) {
        DMatrixRMaj a = new DMatrixRMaj(rows, cols);
        for (int k = 0; k < a.getNumElements(); k++) {
            a.data[k] = random.nextGaussian();
        }
        return a;
    }

    private static double maxDifference(DMatrixRMaj a, DMatrixRMaj b) {
        assertEquals(a.numRows, b.numRows);
        assertEquals(a.numCols, b.numCols);
        double largest = 0.0;
        for (int k = 0; k < a.getNumElements(); k++) {
            largest = Math.max(largest, Math.abs(a.data[k] - b.data[k]));
        }
        return largest;
    }

    @ParameterizedTest
    @EnumSource(Geometry.class)
    void riemannianGradientIsManifoldCoresProjection(Geometry geometry) {
        Manifold<DMatrixRMaj> reference = geometry.reference();
        DMatrixRMaj x = reference.allocate();
        reference.randomPoint(random, x);
        DMatrixRMaj euclidean = gaussian(N, P);
        DMatrixRMaj expected = reference.allocate();
        reference.euclideanToRiemannianGradient(x, euclidean, expected);
        for (DataType type : new DataType[] {DataType.FLOAT64, DataType.FLOAT32}) {
            NDArray gradient = geometry.constraint().riemannianGradient(array(geometry.orient(x), type),
                    array(geometry.orient(euclidean), type));
            double tolerance = type == DataType.FLOAT64 ? FLOAT64_TOLERANCE : FLOAT32_TOLERANCE;
            double difference = maxDifference(geometry.orient(expected), host(gradient));
            assertTrue(difference <= tolerance, type + ": max difference " + difference);
            assertEquals(type, gradient.getDataType());
        }
    }

    /** For Stiefel the reference is EJML's Householder QR with the sign fix; here two Cholesky QR passes. */
    @ParameterizedTest
    @EnumSource(Geometry.class)
    void retractionIsManifoldCoresRetraction(Geometry geometry) {
        Manifold<DMatrixRMaj> reference = geometry.reference();
        DMatrixRMaj x = reference.allocate();
        reference.randomPoint(random, x);
        for (double length : new double[] {1e-3, 0.5, 3.0}) {
            DMatrixRMaj v = reference.allocate();
            reference.randomTangent(x, random, v);
            CommonOps_DDRM.scale(length, v);
            DMatrixRMaj expected = reference.allocate();
            reference.retract(x, v, expected);
            for (DataType type : new DataType[] {DataType.FLOAT64, DataType.FLOAT32}) {
                NDArray y = geometry.constraint().retract(array(geometry.orient(x), type),
                        array(geometry.orient(v), type));
                double tolerance = type == DataType.FLOAT64 ? FLOAT64_TOLERANCE * 10 : FLOAT32_TOLERANCE;
                double difference = maxDifference(geometry.orient(expected), host(y));
                assertTrue(difference <= tolerance, type + ", |v| = " + length + ": max difference " + difference);
                assertTrue(geometry.constraint().defect(y) <= tolerance, type + ": defect " + geometry.constraint().defect(y));
            }
        }
    }

    @Test
    void transportIsTheProjectionAtTheTarget() {
        Stiefel<DMatrixRMaj> stiefel = new Stiefel<>(Kernels.ejml(), N, P, StiefelRetraction.QR);
        DMatrixRMaj x = stiefel.allocate();
        DMatrixRMaj y = stiefel.allocate();
        stiefel.randomPoint(random, x);
        stiefel.randomPoint(random, y);
        DMatrixRMaj v = stiefel.allocate();
        stiefel.randomTangent(x, random, v);
        DMatrixRMaj expected = stiefel.allocate();
        stiefel.transport(x, y, v, expected);
        NDArray moved = ManifoldConstraint.stiefelColumns().transport(array(x, DataType.FLOAT64),
                array(y, DataType.FLOAT64), array(v, DataType.FLOAT64));
        assertTrue(maxDifference(expected, host(moved)) <= FLOAT64_TOLERANCE);
    }

    /** {@code ||u||_F^2} per Stiefel matrix or sphere, per column or row on the oblique manifold, per entry in R^(n x p). */
    @Test
    void componentInnerIsTheSquaredNormOfEachComponent() {
        DMatrixRMaj u = gaussian(N, P);
        NDArray tangent = array(u, DataType.FLOAT64);
        double total = 0.0;
        double[] columns = new double[P];
        double[] rows = new double[N];
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < P; j++) {
                double square = u.get(i, j) * u.get(i, j);
                total += square;
                columns[j] += square;
                rows[i] += square;
            }
        }
        NDArray whole = ManifoldConstraint.sphere().componentInner(tangent, tangent);
        assertEquals(new Shape(1, 1), whole.getShape());
        assertEquals(total, whole.getDouble(0, 0), FLOAT64_TOLERANCE * total);
        assertEquals(total, ManifoldConstraint.stiefelColumns().componentInner(tangent, tangent).getDouble(0, 0),
                FLOAT64_TOLERANCE * total);
        NDArray perColumn = ManifoldConstraint.obliqueColumns().componentInner(tangent, tangent);
        assertEquals(ManifoldConstraint.obliqueColumns().componentShape(tangent.getShape()), perColumn.getShape());
        assertArrayEquals(columns, perColumn.toDoubleArray(), FLOAT64_TOLERANCE * total);
        NDArray perRow = ManifoldConstraint.obliqueRows().componentInner(tangent, tangent);
        assertEquals(new Shape(N, 1), perRow.getShape());
        assertArrayEquals(rows, perRow.toDoubleArray(), FLOAT64_TOLERANCE * total);
        NDArray perEntry = ManifoldConstraint.euclidean().componentInner(tangent, tangent);
        assertEquals(u.get(2, 3) * u.get(2, 3), perEntry.getDouble(2, 3), 0.0);
    }

    @Test
    void defectsMeasureTheDistanceFromTheManifold() {
        DMatrixRMaj x = gaussian(N, P);
        double[][] plain = new double[N][P];
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < P; j++) {
                plain[i][j] = x.get(i, j);
            }
        }
        NDArray point = array(x, DataType.FLOAT64);
        assertEquals(Matrices.orthonormalColumnsDefect(plain), ManifoldConstraint.stiefelColumns().defect(point),
                1e-12);
        assertEquals(Matrices.unitColumnsDefect(plain), ManifoldConstraint.obliqueColumns().defect(point), 1e-12);
        assertEquals(Matrices.orthonormalColumnsDefect(plain),
                ManifoldConstraint.stiefelRows().defect(point.transpose()), 1e-12);
        assertEquals(Matrices.unitColumnsDefect(plain), ManifoldConstraint.obliqueRows().defect(point.transpose()),
                1e-12);
        assertEquals(0.0, ManifoldConstraint.euclidean().defect(point), 0.0);
    }

    @Test
    void shapesThatDoNotFitAreRejectedByName() {
        IllegalArgumentException wide = assertThrows(IllegalArgumentException.class,
                () -> ManifoldConstraint.stiefelColumns().checkShape(new Shape(3, 7)));
        assertTrue(wide.getMessage().contains("rows >= columns") && wide.getMessage().contains("stiefelRows"),
                wide.getMessage());
        IllegalArgumentException tall = assertThrows(IllegalArgumentException.class,
                () -> ManifoldConstraint.stiefelRows().checkShape(new Shape(7, 3)));
        assertTrue(tall.getMessage().contains("rows <= columns"), tall.getMessage());
        IllegalArgumentException cube = assertThrows(IllegalArgumentException.class,
                () -> ManifoldConstraint.obliqueRows().checkShape(new Shape(2, 3, 4)));
        assertTrue(cube.getMessage().contains("matrix"), cube.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ManifoldConstraint.sphere().checkShape(new Shape()));
        ManifoldConstraint.sphere().checkShape(new Shape(2, 3, 4));
        ManifoldConstraint.euclidean().checkShape(new Shape());
    }

    @Test
    void aRankDeficientStepIsAnArithmeticError() {
        DMatrixRMaj x = new DMatrixRMaj(N, P);
        for (int j = 0; j < P; j++) {
            x.set(j, j, 1.0);
        }
        DMatrixRMaj v = new DMatrixRMaj(N, P);
        v.set(0, 0, -1.0);
        ArithmeticException error = assertThrows(ArithmeticException.class,
                () -> ManifoldConstraint.stiefelColumns().retract(array(x, DataType.FLOAT64), array(v, DataType.FLOAT64)));
        assertTrue(error.getMessage().contains("rank deficient"), error.getMessage());
        v.set(0, 0, Double.NaN);
        assertThrows(ArithmeticException.class,
                () -> ManifoldConstraint.stiefelColumns().retract(array(x, DataType.FLOAT64), array(v, DataType.FLOAT64)));
    }
}
