package dev.stiefel.manifold;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Stiefel-specific checks: each retraction against an independent formula computed with plain
 * EJML on the host, the exponential against the geodesic equation, inverse retractions outside
 * their domain, and bad input.
 */
class StiefelTest {

    private static final double TOLERANCE = 1e-12;
    /** Second differences with step {@value #GEODESIC_STEP} are accurate to about h^2. */
    private static final double GEODESIC_STEP = 1e-3;
    private static final double GEODESIC_TOLERANCE = 1e-5;

    private static final int HAAR_SAMPLES = 4000;
    /** About six standard errors of a mean over {@value #HAAR_SAMPLES} samples of entries of size 1/2. */
    private static final double HAAR_MOMENT_TOLERANCE = 0.05;

    private final DenseKernels<DMatrixRMaj> kernels = Kernels.ejml();

    private static Stiefel<DMatrixRMaj> stiefel(int n, int p, StiefelRetraction retraction) {
        return new Stiefel<>(Kernels.ejml(), n, p, retraction);
    }

    private static DMatrixRMaj point(Stiefel<DMatrixRMaj> manifold, long seed) {
        DMatrixRMaj x = manifold.allocate();
        manifold.randomPoint(new SplittableRandom(seed), x);
        return x;
    }

    private static DMatrixRMaj tangent(Stiefel<DMatrixRMaj> manifold, DMatrixRMaj x, double length, long seed) {
        DMatrixRMaj v = manifold.allocate();
        manifold.randomTangent(x, new SplittableRandom(seed), v);
        CommonOps_DDRM.scale(length, v);
        return v;
    }

    /** {@code S^(power)} of a symmetric positive-definite matrix by an eigendecomposition. */
    private static DMatrixRMaj symmetricPower(DMatrixRMaj s, double power) {
        int size = s.numRows;
        EigenDecomposition_F64<DMatrixRMaj> eigen = DecompositionFactory_DDRM.eig(size, true, true);
        assertTrue(eigen.decompose(s.copy()));
        DMatrixRMaj result = new DMatrixRMaj(size, size);
        for (int k = 0; k < size; k++) {
            DMatrixRMaj vector = eigen.getEigenVector(k);
            double value = Math.pow(eigen.getEigenvalue(k).real, power);
            CommonOps_DDRM.multAddTransB(value, vector, vector, result);
        }
        return result;
    }

    private static double distance(DMatrixRMaj a, DMatrixRMaj b) {
        DMatrixRMaj difference = new DMatrixRMaj(a.numRows, a.numCols);
        CommonOps_DDRM.subtract(a, b, difference);
        return NormOps_DDRM.normF(difference);
    }

    @ParameterizedTest
    @CsvSource({"5, 2", "10, 10", "50, 10"})
    void polarRetractionIsTheInverseSquareRootFormula(int n, int p) {
        Stiefel<DMatrixRMaj> manifold = stiefel(n, p, StiefelRetraction.POLAR);
        DMatrixRMaj x = point(manifold, 1);
        DMatrixRMaj v = tangent(manifold, x, 0.8, 2);
        DMatrixRMaj y = manifold.allocate();
        manifold.retract(x, v, y);
        DMatrixRMaj gram = CommonOps_DDRM.multTransA(v, v, null);
        CommonOps_DDRM.addEquals(gram, CommonOps_DDRM.identity(p));
        DMatrixRMaj sum = CommonOps_DDRM.add(x, v, null);
        DMatrixRMaj expected = CommonOps_DDRM.mult(sum, symmetricPower(gram, -0.5), null);
        assertEquals(0.0, distance(expected, y), TOLERANCE);
    }

    @ParameterizedTest
    @CsvSource({"5, 2", "10, 10", "50, 10"})
    void qrRetractionHasAnUpperTriangularPositiveFactor(int n, int p) {
        Stiefel<DMatrixRMaj> manifold = stiefel(n, p, StiefelRetraction.QR);
        DMatrixRMaj x = point(manifold, 3);
        DMatrixRMaj v = tangent(manifold, x, 0.8, 4);
        DMatrixRMaj y = manifold.allocate();
        manifold.retract(x, v, y);
        DMatrixRMaj r = CommonOps_DDRM.multTransA(y, CommonOps_DDRM.add(x, v, null), null);
        for (int i = 0; i < p; i++) {
            assertTrue(r.get(i, i) > 0.0, "diag(R) > 0");
            for (int j = 0; j < i; j++) {
                assertEquals(0.0, r.get(i, j), TOLERANCE, "R is upper triangular");
            }
        }
        DMatrixRMaj rebuilt = CommonOps_DDRM.mult(y, r, null);
        assertEquals(0.0, distance(rebuilt, CommonOps_DDRM.add(x, v, null)), TOLERANCE, "Y R = X + V");
    }

    /** The low-rank form against the dense {@code n x n} Cayley transform. */
    @ParameterizedTest
    @CsvSource({"5, 2", "10, 10", "50, 10"})
    void cayleyRetractionIsTheDenseCayleyTransform(int n, int p) {
        Stiefel<DMatrixRMaj> manifold = stiefel(n, p, StiefelRetraction.CAYLEY);
        DMatrixRMaj x = point(manifold, 5);
        DMatrixRMaj v = tangent(manifold, x, 1.3, 6);
        DMatrixRMaj y = manifold.allocate();
        manifold.retract(x, v, y);
        DMatrixRMaj projector = CommonOps_DDRM.identity(n);
        CommonOps_DDRM.multAddTransB(-0.5, x, x, projector);
        DMatrixRMaj projected = CommonOps_DDRM.mult(projector, v, null);
        DMatrixRMaj w = CommonOps_DDRM.multTransB(projected, x, null);
        CommonOps_DDRM.multAddTransB(-1.0, x, projected, w);
        DMatrixRMaj left = CommonOps_DDRM.identity(n);
        CommonOps_DDRM.addEquals(left, -0.5, w);
        DMatrixRMaj right = CommonOps_DDRM.identity(n);
        CommonOps_DDRM.addEquals(right, 0.5, w);
        DMatrixRMaj expected = new DMatrixRMaj(n, p);
        assertTrue(CommonOps_DDRM.solve(left, CommonOps_DDRM.mult(right, x, null), expected));
        assertEquals(0.0, distance(expected, y), TOLERANCE * 10);
        assertEquals(0.0, distance(CommonOps_DDRM.mult(w, x, null), v), TOLERANCE, "W X = V");
    }

    /** Embedded-metric geodesics solve {@code Y'' + Y (Y'^T Y') = 0} (Edelman et al. 1998, eq. 2.7). */
    @ParameterizedTest
    @CsvSource({"5, 2", "10, 10", "50, 10"})
    void exponentialSolvesTheGeodesicEquation(int n, int p) {
        Stiefel<DMatrixRMaj> manifold = stiefel(n, p, StiefelRetraction.EXPONENTIAL);
        DMatrixRMaj x = point(manifold, 7);
        DMatrixRMaj v = tangent(manifold, x, 1.0, 8);
        double t = 0.7;
        DMatrixRMaj before = curve(manifold, x, v, t - GEODESIC_STEP);
        DMatrixRMaj at = curve(manifold, x, v, t);
        DMatrixRMaj after = curve(manifold, x, v, t + GEODESIC_STEP);
        DMatrixRMaj acceleration = new DMatrixRMaj(n, p);
        CommonOps_DDRM.add(before, after, acceleration);
        CommonOps_DDRM.addEquals(acceleration, -2.0, at);
        CommonOps_DDRM.scale(1.0 / (GEODESIC_STEP * GEODESIC_STEP), acceleration);
        DMatrixRMaj velocity = CommonOps_DDRM.subtract(after, before, null);
        CommonOps_DDRM.scale(0.5 / GEODESIC_STEP, velocity);
        assertEquals(1.0, NormOps_DDRM.normF(velocity), GEODESIC_TOLERANCE, "constant speed");
        DMatrixRMaj speedGram = CommonOps_DDRM.multTransA(velocity, velocity, null);
        CommonOps_DDRM.multAdd(at, speedGram, acceleration);
        assertEquals(0.0, NormOps_DDRM.normF(acceleration), GEODESIC_TOLERANCE, "geodesic equation residual");
    }

    private static DMatrixRMaj curve(Stiefel<DMatrixRMaj> manifold, DMatrixRMaj x, DMatrixRMaj v, double t) {
        DMatrixRMaj step = v.copy();
        CommonOps_DDRM.scale(t, step);
        DMatrixRMaj out = manifold.allocate();
        manifold.exponential(x, step, out);
        return out;
    }

    /** On {@code St(n, 1)}, the unit sphere, the exponential is {@code cos|v| x + sin|v| v/|v|}. */
    @Test
    void exponentialOnTheSphereIsTheGreatCircle() {
        Stiefel<DMatrixRMaj> manifold = stiefel(6, 1, StiefelRetraction.EXPONENTIAL);
        DMatrixRMaj x = point(manifold, 9);
        DMatrixRMaj v = tangent(manifold, x, 2.1, 10);
        DMatrixRMaj y = manifold.allocate();
        manifold.retract(x, v, y);
        double length = NormOps_DDRM.normF(v);
        DMatrixRMaj expected = x.copy();
        CommonOps_DDRM.scale(Math.cos(length), expected);
        CommonOps_DDRM.addEquals(expected, Math.sin(length) / length, v);
        assertEquals(0.0, distance(expected, y), TOLERANCE);
    }

    /** The polar inverse against a dense Kronecker solve of {@code M S + S M^T = 2 I}. */
    @Test
    void polarInverseSolvesTheLyapunovEquation() {
        int n = 9;
        int p = 4;
        Stiefel<DMatrixRMaj> manifold = stiefel(n, p, StiefelRetraction.POLAR);
        DMatrixRMaj x = point(manifold, 11);
        Stiefel<DMatrixRMaj> qr = stiefel(n, p, StiefelRetraction.QR);
        DMatrixRMaj y = qr.allocate();
        qr.retract(x, tangent(manifold, x, 0.9, 12), y);
        DMatrixRMaj m = CommonOps_DDRM.multTransA(x, y, null);
        DMatrixRMaj kronecker = new DMatrixRMaj(p * p, p * p);
        DMatrixRMaj rhs = new DMatrixRMaj(p * p, 1);
        for (int i = 0; i < p; i++) {
            for (int j = 0; j < p; j++) {
                int row = i * p + j;
                rhs.set(row, 0, i == j ? 2.0 : 0.0);
                for (int k = 0; k < p; k++) {
                    kronecker.add(row, k * p + j, m.get(i, k));
                    kronecker.add(row, i * p + k, m.get(j, k));
                }
            }
        }
        DMatrixRMaj solution = new DMatrixRMaj(p * p, 1);
        assertTrue(CommonOps_DDRM.solve(kronecker, rhs, solution));
        DMatrixRMaj s = new DMatrixRMaj(p, p, true, solution.data);
        DMatrixRMaj expected = CommonOps_DDRM.mult(y, s, null);
        CommonOps_DDRM.subtractEquals(expected, x);
        DMatrixRMaj recovered = manifold.allocate();
        manifold.inverseRetract(x, y, recovered);
        assertEquals(0.0, distance(expected, recovered), TOLERANCE * 10);
    }

    @ParameterizedTest
    @ValueSource(strings = {"QR", "POLAR"})
    void inverseRetractionRejectsPointsOutsideItsImage(StiefelRetraction retraction) {
        Stiefel<DMatrixRMaj> manifold = stiefel(6, 3, retraction);
        DMatrixRMaj x = point(manifold, 13);
        DMatrixRMaj opposite = x.copy();
        CommonOps_DDRM.scale(-1.0, opposite);
        ArithmeticException error = assertThrows(ArithmeticException.class,
                () -> manifold.inverseRetract(x, opposite, manifold.allocate()));
        assertTrue(error.getMessage().contains("not the"), error.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"CAYLEY", "EXPONENTIAL"})
    void retractionsWithoutInverseSaySo(StiefelRetraction retraction) {
        Stiefel<DMatrixRMaj> manifold = stiefel(6, 3, retraction);
        DMatrixRMaj x = point(manifold, 14);
        assertTrue(!manifold.hasInverseRetraction());
        assertThrows(UnsupportedOperationException.class, () -> manifold.inverseRetract(x, x, manifold.allocate()));
    }

    /**
     * Haar measure moments: {@code E[X] = 0} and {@code E[X X^T] = (p / n) I}. A missing sign fix
     * biases {@code E[X]} (the Q of Householder QR has a preferred sign on its diagonal).
     */
    @Test
    void randomPointsHaveTheHaarMoments() {
        int n = 4;
        int p = 2;
        Stiefel<DMatrixRMaj> manifold = stiefel(n, p, StiefelRetraction.QR);
        SplittableRandom random = new SplittableRandom(22);
        DMatrixRMaj x = manifold.allocate();
        DMatrixRMaj mean = new DMatrixRMaj(n, p);
        DMatrixRMaj second = new DMatrixRMaj(n, n);
        for (int sample = 0; sample < HAAR_SAMPLES; sample++) {
            manifold.randomPoint(random, x);
            CommonOps_DDRM.addEquals(mean, 1.0 / HAAR_SAMPLES, x);
            CommonOps_DDRM.multAddTransB(1.0 / HAAR_SAMPLES, x, x, second);
        }
        DMatrixRMaj expectedSecond = CommonOps_DDRM.identity(n);
        CommonOps_DDRM.scale((double) p / n, expectedSecond);
        assertEquals(0.0, CommonOps_DDRM.elementMaxAbs(mean), HAAR_MOMENT_TOLERANCE, "E[X] = 0");
        assertEquals(0.0, distance(expectedSecond, second), HAAR_MOMENT_TOLERANCE, "E[X X^T] = (p/n) I");
    }

    @Test
    void multiplierMatrixIsTheSymmetricPartOfXTransposeG() {
        Stiefel<DMatrixRMaj> manifold = stiefel(8, 3, StiefelRetraction.QR);
        DMatrixRMaj x = point(manifold, 15);
        DMatrixRMaj g = new DMatrixRMaj(8, 3);
        ManifoldSupport.fillGaussian(new SplittableRandom(16), g);
        DMatrixRMaj expected = CommonOps_DDRM.multTransA(x, g, null);
        DMatrixRMaj transposed = CommonOps_DDRM.transpose(expected, null);
        CommonOps_DDRM.addEquals(expected, transposed);
        CommonOps_DDRM.scale(0.5, expected);
        DMatrixRMaj out = new DMatrixRMaj(3, 3);
        assertSame(out, manifold.multiplierMatrix(x, g, out));
        assertEquals(0.0, distance(expected, out), TOLERANCE);
    }

    @Test
    void withRetractionKeepsTheShapeAndBackend() {
        Stiefel<DMatrixRMaj> manifold = Stiefel.onCpu(7, 3);
        assertEquals(StiefelRetraction.QR, manifold.retraction());
        Stiefel<DMatrixRMaj> polar = manifold.withRetraction(StiefelRetraction.POLAR);
        assertEquals(StiefelRetraction.POLAR, polar.retraction());
        assertEquals(7, polar.rows());
        assertEquals(3, polar.columns());
        assertSame(manifold.kernels(), polar.kernels());
        assertEquals("Stiefel(7, 3)", polar.name());
    }

    // ---- bad input -------------------------------------------------------------------------

    @ParameterizedTest
    @CsvSource({"3, 5", "4, 0", "0, 0", "-1, -2"})
    void constructorRejectsImpossibleShapes(int n, int p) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> stiefel(n, p, StiefelRetraction.QR));
        assertTrue(error.getMessage().contains("Stiefel(n, p) needs n >= p >= 1, got n = " + n + ", p = " + p),
                error.getMessage());
    }

    @Test
    void constructorRejectsNullArguments() {
        assertThrows(IllegalArgumentException.class, () -> new Stiefel<>(kernels, 4, 2, null));
        assertThrows(IllegalArgumentException.class,
                () -> new Stiefel<DMatrixRMaj>(null, 4, 2, StiefelRetraction.QR));
    }

    @Test
    void checkPointNamesTheDefect() {
        Stiefel<DMatrixRMaj> manifold = stiefel(5, 2, StiefelRetraction.QR);
        DMatrixRMaj x = point(manifold, 17);
        manifold.checkPoint(x, TOLERANCE);

        DMatrixRMaj withNan = x.copy();
        withNan.set(3, 1, Double.NaN);
        assertMessage(() -> manifold.checkPoint(withNan, TOLERANCE), "NaN or infinite");
        DMatrixRMaj withInfinity = x.copy();
        withInfinity.set(0, 0, Double.POSITIVE_INFINITY);
        assertMessage(() -> manifold.checkPoint(withInfinity, TOLERANCE), "NaN or infinite");

        DMatrixRMaj scaled = x.copy();
        CommonOps_DDRM.scale(1.001, scaled);
        assertMessage(() -> manifold.checkPoint(scaled, TOLERANCE), "orthonormal");

        assertMessage(() -> manifold.checkPoint(new DMatrixRMaj(2, 5), TOLERANCE), "shape 2 x 5, expected 5 x 2");
        assertMessage(() -> manifold.checkPoint(null, TOLERANCE), "must not be null");
        assertMessage(() -> manifold.checkPoint(x, Double.NaN), "tolerance");
    }

    @Test
    void checkTangentNamesTheDefect() {
        Stiefel<DMatrixRMaj> manifold = stiefel(5, 2, StiefelRetraction.QR);
        DMatrixRMaj x = point(manifold, 18);
        DMatrixRMaj v = tangent(manifold, x, 1.0, 19);
        manifold.checkTangent(x, v, TOLERANCE);
        assertMessage(() -> manifold.checkTangent(x, x, TOLERANCE), "not tangent");
        DMatrixRMaj withNan = v.copy();
        withNan.set(1, 1, Double.NaN);
        assertMessage(() -> manifold.checkTangent(x, withNan, TOLERANCE), "NaN or infinite");
    }

    @Test
    void operationsRejectWrongShapesAndAliasing() {
        Stiefel<DMatrixRMaj> manifold = stiefel(5, 2, StiefelRetraction.POLAR);
        DMatrixRMaj x = point(manifold, 20);
        DMatrixRMaj v = tangent(manifold, x, 1.0, 21);
        DMatrixRMaj wrong = new DMatrixRMaj(5, 3);
        assertMessage(() -> manifold.retract(x, wrong, manifold.allocate()), "tangent vector v has shape 5 x 3");
        assertMessage(() -> manifold.retract(wrong, v, manifold.allocate()), "point x has shape 5 x 3");
        assertMessage(() -> manifold.retract(x, v, wrong), "out has shape 5 x 3");
        assertMessage(() -> manifold.retract(x, v, x), "alias");
        assertMessage(() -> manifold.projectToTangent(x, wrong, manifold.allocate()), "shape 5 x 3");
        assertMessage(() -> manifold.inverseRetract(x, x, x), "alias");
        assertMessage(() -> manifold.multiplierMatrix(x, v, new DMatrixRMaj(5, 2)), "expected 2 x 2");
        assertMessage(() -> manifold.randomPoint(null, manifold.allocate()), "random generator");
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable call, String fragment) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, call);
        assertTrue(error.getMessage().contains(fragment), "message '" + error.getMessage() + "' lacks '"
                + fragment + "'");
    }
}
