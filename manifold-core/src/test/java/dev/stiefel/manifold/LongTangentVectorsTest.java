package dev.stiefel.manifold;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Exponentials and retractions of tangent vectors of every finite length, on EJML and on
 * OpenBLAS: the result is a point of the manifold to rounding (a plain matrix exponential drifts
 * to {@code ||Y^T Y - I|| = 1e-9} at {@code ||V|| = 1e4} and O(1) at 1e8, a plain Cayley system is
 * singular from 1e8, a Grassmann exponential without scaling loses the manifold when
 * {@code n < 2p}), and where a closed form exists it is the closed form, to the
 * rounding of its angle ({@code eps ||V||}). Moderate steps agree with the previous formulas
 * (Edelman, Arias and Smith's block exponential, the low-rank Cayley form, {@code span(X + V)}).
 */
@ParameterizedClass(name = "{0}")
@ValueSource(strings = {"ejml", "openblas"})
class LongTangentVectorsTest {

    private static final double[] LENGTHS = {1e4, 1e8, 1e12, 1e300, 0.9 * Double.MAX_VALUE};
    /** {@code ||Y^T Y - I||_F} of a computed point. */
    private static final double ON_THE_MANIFOLD = 1e-13;
    /** Agreement with a closed form, in units of the rounding {@code eps max(1, angle)} of the angle. */
    private static final double ANGLE_ROUNDINGS = 64;
    /** Agreement of two algorithms for the same map at moderate lengths. */
    private static final double SAME_MAP = 1e-12;

    private final DenseKernels<DMatrixRMaj> kernels;

    LongTangentVectorsTest(String backend) {
        this.kernels = backend.equals("ejml") ? Kernels.ejml() : Kernels.openBlas();
    }

    @AfterEach
    void closeKernels() {
        kernels.close();
    }

    static Stream<Arguments> shapes() {
        return Stream.of(Arguments.of(20, 4), Arguments.of(5, 3), Arguments.of(4, 4), Arguments.of(7, 1));
    }

    private static DMatrixRMaj scaled(DMatrixRMaj unit, double length) {
        DMatrixRMaj v = unit.copy();
        CommonOps_DDRM.scale(length, v);
        return v;
    }

    private static double orthonormalityDefect(DMatrixRMaj y) {
        DMatrixRMaj gram = new DMatrixRMaj(y.numCols, y.numCols);
        CommonOps_DDRM.multTransA(y, y, gram);
        for (int i = 0; i < y.numCols; i++) {
            gram.add(i, i, -1.0);
        }
        return NormOps_DDRM.normF(gram);
    }

    private static void assertOrthonormal(DMatrixRMaj y, String what) {
        double defect = orthonormalityDefect(y);
        assertTrue(defect <= ON_THE_MANIFOLD, () -> what + ": ||Y^T Y - I||_F = " + defect);
    }

    @ParameterizedTest(name = "St({0}, {1})")
    @MethodSource("shapes")
    void stiefelExponentialAndRetractionsLandOnTheManifold(int n, int p) {
        for (StiefelRetraction retraction : StiefelRetraction.values()) {
            try (Stiefel<DMatrixRMaj> stiefel = new Stiefel<>(kernels, n, p, retraction)) {
                SplittableRandom random = new SplittableRandom(n * 31L + p);
                DMatrixRMaj x = stiefel.allocate();
                stiefel.randomPoint(random, x);
                DMatrixRMaj unit = stiefel.allocate();
                stiefel.randomTangent(x, random, unit);
                DMatrixRMaj y = stiefel.allocate();
                for (double length : LENGTHS) {
                    DMatrixRMaj v = scaled(unit, length);
                    stiefel.exponential(x, v, y);
                    assertOrthonormal(y, "Exp of length " + length);
                    if (retraction == StiefelRetraction.CAYLEY || retraction == StiefelRetraction.EXPONENTIAL) {
                        stiefel.retract(x, v, y);
                        assertOrthonormal(y, retraction.name() + " of length " + length);
                    }
                }
            }
        }
    }

    /**
     * On {@code St(2, 2) = O(2)} a vertical step {@code V = X theta J} ({@code J} the rotation by
     * 90 degrees) has the geodesic {@code X R(theta)} and the Cayley image
     * {@code X R(2 atan(theta / 2))}: closed forms at every length.
     */
    @ParameterizedTest(name = "theta = {0}")
    @ValueSource(doubles = {0.5, 1e4, 1e8, 1e12, 1e300})
    void rotationsOfTheOrthogonalGroupAreExact(double theta) {
        DMatrixRMaj x = new DMatrixRMaj(new double[][] {{0.6, -0.8}, {0.8, 0.6}});
        DMatrixRMaj turn = new DMatrixRMaj(new double[][] {{0, -1}, {1, 0}});
        DMatrixRMaj v = new DMatrixRMaj(2, 2);
        CommonOps_DDRM.mult(theta, x, turn, v);
        try (Stiefel<DMatrixRMaj> exponential = new Stiefel<>(kernels, 2, 2, StiefelRetraction.EXPONENTIAL);
                Stiefel<DMatrixRMaj> cayley = exponential.withRetraction(StiefelRetraction.CAYLEY)) {
            DMatrixRMaj y = exponential.allocate();
            exponential.exponential(x, v, y);
            assertClose(rotated(x, theta), y, ANGLE_ROUNDINGS * Math.ulp(1.0) * Math.max(1.0, theta),
                    "Exp_X(theta X J) = X R(theta)");
            cayley.retract(x, v, y);
            assertClose(rotated(x, 2 * Math.atan(theta / 2)), y, ANGLE_ROUNDINGS * Math.ulp(1.0),
                    "Cay_X(theta X J) = X R(2 atan(theta / 2))");
        }
    }

    /**
     * {@code St(n, 1)}, the sphere, and the sphere itself: the great circle
     * {@code cos|v| x + sin|v| v / |v|}, with Java's exactly reduced {@code cos} and {@code sin}.
     */
    @ParameterizedTest(name = "|v| = {0}")
    @ValueSource(doubles = {0.5, 1e4, 1e8, 1e12, 1e300})
    void greatCirclesAreExact(double length) {
        int n = 7;
        SplittableRandom random = new SplittableRandom(3);
        try (Stiefel<DMatrixRMaj> stiefel = new Stiefel<>(kernels, n, 1, StiefelRetraction.QR)) {
            Sphere<DMatrixRMaj> sphere = new Sphere<>(kernels, n, 1, SphereRetraction.EXPONENTIAL);
            Grassmann<DMatrixRMaj> grassmann = new Grassmann<>(kernels, n, 1, GrassmannRetraction.POLAR);
            DMatrixRMaj x = stiefel.allocate();
            stiefel.randomPoint(random, x);
            DMatrixRMaj unit = stiefel.allocate();
            stiefel.randomTangent(x, random, unit);
            DMatrixRMaj v = scaled(unit, length);
            DMatrixRMaj expected = new DMatrixRMaj(n, 1);
            CommonOps_DDRM.add(Math.cos(length), x, Math.sin(length), unit, expected);
            double tolerance = ANGLE_ROUNDINGS * Math.ulp(1.0) * Math.max(1.0, length);
            DMatrixRMaj y = stiefel.allocate();
            stiefel.exponential(x, v, y);
            assertClose(expected, y, tolerance, "Stiefel(7, 1) exponential");
            sphere.exponential(x, v, y);
            assertClose(expected, y, tolerance, "sphere exponential");
            grassmann.exponential(x, v, y);
            double sign = Math.signum(CommonOps_DDRM.dot(expected, y));
            CommonOps_DDRM.scale(sign, y);
            assertClose(expected, y, tolerance, "Grassmann(7, 1) exponential (up to sign)");
        }
    }

    @ParameterizedTest(name = "Gr({0}, {1})")
    @MethodSource("shapes")
    void grassmannAndSphereLandOnTheManifold(int n, int p) {
        for (GrassmannRetraction retraction : GrassmannRetraction.values()) {
            Grassmann<DMatrixRMaj> grassmann = new Grassmann<>(kernels, n, p, retraction);
            SplittableRandom random = new SplittableRandom(n * 17L + p);
            DMatrixRMaj x = grassmann.allocate();
            grassmann.randomPoint(random, x);
            DMatrixRMaj unit = grassmann.allocate();
            grassmann.randomTangent(x, random, unit);
            DMatrixRMaj y = grassmann.allocate();
            for (double length : LENGTHS) {
                DMatrixRMaj v = scaled(unit, length);
                grassmann.exponential(x, v, y);
                assertOrthonormal(y, "Grassmann Exp of length " + length);
                grassmann.retract(x, v, y);
                assertOrthonormal(y, "Grassmann " + retraction + " of length " + length);
            }
        }
        for (SphereRetraction retraction : SphereRetraction.values()) {
            Sphere<DMatrixRMaj> sphere = new Sphere<>(kernels, n, p, retraction);
            SplittableRandom random = new SplittableRandom(n * 13L + p);
            DMatrixRMaj x = sphere.allocate();
            sphere.randomPoint(random, x);
            DMatrixRMaj unit = sphere.allocate();
            sphere.randomTangent(x, random, unit);
            DMatrixRMaj y = sphere.allocate();
            for (double length : LENGTHS) {
                sphere.retract(x, scaled(unit, length), y);
                double defect = Math.abs(NormOps_DDRM.normF(y) - 1.0);
                assertTrue(defect <= ON_THE_MANIFOLD, () -> "sphere " + retraction + ": | ||y|| - 1 | = " + defect);
            }
        }
    }

    /**
     * At moderate lengths the new evaluations are the old maps: the Stiefel exponential is
     * Edelman, Arias and Smith's {@code [X V] expm([[A, -S], [I, A]]) [expm(-A); 0]}, the
     * long-step Cayley form is the low-rank one, and Grassmann's long-step retraction spans
     * {@code X + V}.
     */
    @ParameterizedTest(name = "St({0}, {1})")
    @MethodSource("shapes")
    void moderateStepsAgreeWithThePreviousFormulas(int n, int p) {
        SplittableRandom random = new SplittableRandom(n * 7L + p);
        try (Stiefel<DMatrixRMaj> stiefel = new Stiefel<>(kernels, n, p, StiefelRetraction.CAYLEY)) {
            DMatrixRMaj x = stiefel.allocate();
            stiefel.randomPoint(random, x);
            DMatrixRMaj unit = stiefel.allocate();
            stiefel.randomTangent(x, random, unit);
            StiefelRetractions.Cayley<DMatrixRMaj> cayley =
                    (StiefelRetractions.Cayley<DMatrixRMaj>) stiefel.retractionMethod();
            for (double length : new double[] {0.1, 1.0, 3.0, StiefelRetractions.Cayley.LOW_RANK_LIMIT}) {
                DMatrixRMaj v = scaled(unit, length);
                DMatrixRMaj y = stiefel.allocate();
                stiefel.exponential(x, v, y);
                assertClose(edelmanAriasSmith(x, v), y, SAME_MAP * Math.max(1.0, length * length),
                        "Exp against Edelman, Arias and Smith at length " + length);
                DMatrixRMaj lowRank = stiefel.allocate();
                cayley.retractLowRank(x, v, lowRank);
                cayley.retractBySingularValues(x, v, y);
                assertClose(lowRank, y, SAME_MAP * Math.max(1.0, length * length),
                        "Cayley, low-rank against singular values, at length " + length);
            }
        }
        Grassmann<DMatrixRMaj> grassmann = new Grassmann<>(kernels, n, p, GrassmannRetraction.POLAR);
        DMatrixRMaj x = grassmann.allocate();
        grassmann.randomPoint(random, x);
        DMatrixRMaj unit = grassmann.allocate();
        grassmann.randomTangent(x, random, unit);
        for (double length : new double[] {2 * Grassmann.LONG_STEP, 1e3}) {
            DMatrixRMaj v = scaled(unit, length);
            DMatrixRMaj y = grassmann.allocate();
            grassmann.retract(x, v, y);
            DMatrixRMaj sum = new DMatrixRMaj(n, p);
            CommonOps_DDRM.add(x, v, sum);
            DMatrixRMaj polar = new DMatrixRMaj(n, p);
            Kernels.ejml().polar(sum, polar);
            assertClose(polar, y, SAME_MAP * length, "Grassmann long step against polar(X + V), length " + length);
        }
    }

    /** Edelman, Arias, Smith (1998, eq. 2.45) on the host with EJML's expm. */
    private static DMatrixRMaj edelmanAriasSmith(DMatrixRMaj x, DMatrixRMaj v) {
        int p = x.numCols;
        DenseKernels<DMatrixRMaj> host = Kernels.ejml();
        DMatrixRMaj a = new DMatrixRMaj(p, p);
        CommonOps_DDRM.multTransA(x, v, a);
        DMatrixRMaj s = new DMatrixRMaj(p, p);
        CommonOps_DDRM.multTransA(v, v, s);
        DMatrixRMaj block = new DMatrixRMaj(2 * p, 2 * p);
        CommonOps_DDRM.insert(a, block, 0, 0);
        CommonOps_DDRM.scale(-1.0, s);
        CommonOps_DDRM.insert(s, block, 0, p);
        CommonOps_DDRM.insert(CommonOps_DDRM.identity(p), block, p, 0);
        CommonOps_DDRM.insert(a, block, p, p);
        DMatrixRMaj exponential = new DMatrixRMaj(2 * p, 2 * p);
        host.expm(block, exponential);
        DMatrixRMaj minusA = a.copy();
        CommonOps_DDRM.scale(-1.0, minusA);
        DMatrixRMaj expMinusA = new DMatrixRMaj(p, p);
        host.expm(minusA, expMinusA);
        DMatrixRMaj column = new DMatrixRMaj(2 * p, p);
        CommonOps_DDRM.mult(CommonOps_DDRM.extract(exponential, 0, 2 * p, 0, p), expMinusA, column);
        DMatrixRMaj basis = new DMatrixRMaj(x.numRows, 2 * p);
        CommonOps_DDRM.insert(x, basis, 0, 0);
        CommonOps_DDRM.insert(v, basis, 0, p);
        DMatrixRMaj y = new DMatrixRMaj(x.numRows, p);
        CommonOps_DDRM.mult(basis, column, y);
        return y;
    }

    private static DMatrixRMaj rotated(DMatrixRMaj x, double angle) {
        DMatrixRMaj rotation = new DMatrixRMaj(new double[][] {
            {Math.cos(angle), -Math.sin(angle)}, {Math.sin(angle), Math.cos(angle)}});
        DMatrixRMaj y = new DMatrixRMaj(2, 2);
        CommonOps_DDRM.mult(x, rotation, y);
        return y;
    }

    private static void assertClose(DMatrixRMaj expected, DMatrixRMaj actual, double tolerance, String what) {
        DMatrixRMaj difference = new DMatrixRMaj(expected.numRows, expected.numCols);
        CommonOps_DDRM.subtract(expected, actual, difference);
        double error = NormOps_DDRM.normF(difference);
        assertTrue(error <= tolerance, () -> what + ": error " + error + " > " + tolerance);
    }
}
