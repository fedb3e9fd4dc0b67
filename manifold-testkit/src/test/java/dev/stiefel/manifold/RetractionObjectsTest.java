package dev.stiefel.manifold;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.kernel.Kernels;
import dev.stiefel.problem.BrockettProblem;
import dev.stiefel.solver.SolverResult;
import dev.stiefel.solver.StopReason;
import dev.stiefel.solver.StoppingCriteria;
import dev.stiefel.solver.TrustRegions;
import dev.stiefel.solver.TrustRegionsOptions;
import dev.stiefel.testkit.CholeskyQrRetraction;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Retractions as objects: a retraction written outside this package plugs into {@link Stiefel}
 * and a solver, and into {@link Grassmann} and {@link Sphere}; the exponential map works on every instance; Grassmann's exponential and
 * logarithm invert each other; the Weingarten map gives the curvature term of the Hessian; a
 * closed instance refuses to work.
 */
class RetractionObjectsTest {

    private static final double TOLERANCE = 1e-12;

    /** A retraction written outside the library (the test kit's example). */
    static final StiefelRetraction CHOLESKY_QR = CholeskyQrRetraction.INSTANCE;

    @Test
    void aUserRetractionAgreesWithTheBuiltInItReimplements() {
        Random random = new Random(1);
        try (Stiefel<DMatrixRMaj> user = new Stiefel<>(Kernels.ejml(), 15, 4, CHOLESKY_QR);
                Stiefel<DMatrixRMaj> builtIn = user.withRetraction(StiefelRetraction.QR)) {
            assertSame(CHOLESKY_QR, user.retraction());
            assertEquals("CHOLESKY_QR", user.retractionMethod().name());
            DMatrixRMaj x = user.allocate();
            DMatrixRMaj v = user.allocate();
            user.randomPoint(random, x);
            user.randomTangent(x, random, v);
            DMatrixRMaj expected = user.allocate();
            DMatrixRMaj actual = user.allocate();
            builtIn.retract(x, v, expected);
            user.retract(x, v, actual);
            assertTrue(NormOps_DDRM.normF(CommonOps_DDRM.subtract(expected, actual, null)) < 1e-10);
            assertTrue(!user.hasInverseRetraction());
            assertThrows(UnsupportedOperationException.class, () -> user.inverseRetract(x, actual, v));
        }
    }

    @Test
    void aUserRetractionDrivesTrustRegionsToTheSameMinimum() {
        Random random = new Random(2);
        try (Stiefel<DMatrixRMaj> user = new Stiefel<>(Kernels.ejml(), 20, 3, CHOLESKY_QR);
                Stiefel<DMatrixRMaj> builtIn = user.withRetraction(StiefelRetraction.QR);
                TrustRegions<DMatrixRMaj> solver = new TrustRegions<>(TrustRegionsOptions.defaults()
                        .withStopping(StoppingCriteria.defaults().withMinGradientNorm(1e-9)))) {
            BrockettProblem<DMatrixRMaj> onUser = BrockettProblem.random(user, random);
            BrockettProblem<DMatrixRMaj> onBuiltIn = new BrockettProblem<>(builtIn, builtIn.kernels(), onUser.a(),
                    onUser.weights());
            DMatrixRMaj start = user.allocate();
            user.randomPoint(random, start);
            SolverResult<DMatrixRMaj> viaUser = solver.solve(onUser, start);
            SolverResult<DMatrixRMaj> viaBuiltIn = solver.solve(onBuiltIn, start);
            assertEquals(StopReason.GRADIENT_NORM, viaUser.stopReason());
            assertEquals(viaBuiltIn.cost(), viaUser.cost(), 1e-10 * Math.abs(viaBuiltIn.cost()));
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"QR", "POLAR", "CAYLEY", "EXPONENTIAL"})
    void exponentialWorksOnEveryInstance(String name) {
        Random random = new Random(3);
        try (Stiefel<DMatrixRMaj> stiefel = Stiefel.onCpu(9, 3, StiefelRetraction.valueOf(name));
                Stiefel<DMatrixRMaj> reference = stiefel.withRetraction(StiefelRetraction.EXPONENTIAL)) {
            DMatrixRMaj x = stiefel.allocate();
            DMatrixRMaj v = stiefel.allocate();
            stiefel.randomPoint(random, x);
            stiefel.randomTangent(x, random, v);
            CommonOps_DDRM.scale(0.7, v);
            DMatrixRMaj expected = stiefel.allocate();
            DMatrixRMaj actual = stiefel.allocate();
            reference.retract(x, v, expected);
            stiefel.exponential(x, v, actual);
            assertTrue(NormOps_DDRM.normF(CommonOps_DDRM.subtract(expected, actual, null)) < TOLERANCE);
        }
    }

    /** {@code Log_X(Exp_X(V)) = V} and {@code dist(X, Exp_X(V)) = ||V||} below the injectivity radius. */
    @Test
    void grassmannExponentialAndLogarithmInvertEachOther() {
        Random random = new Random(4);
        Grassmann<DMatrixRMaj> grassmann = Grassmann.onCpu(10, 3);
        DMatrixRMaj x = grassmann.allocate();
        DMatrixRMaj v = grassmann.allocate();
        grassmann.randomPoint(random, x);
        grassmann.randomTangent(x, random, v);
        CommonOps_DDRM.scale(1.2, v);
        DMatrixRMaj y = grassmann.allocate();
        grassmann.exponential(x, v, y);
        grassmann.checkPoint(y, 1e-12);
        assertEquals(NormOps_DDRM.normF(v), grassmann.distance(x, y), 1e-10);
        DMatrixRMaj recovered = grassmann.allocate();
        grassmann.logarithm(x, y, recovered);
        assertTrue(NormOps_DDRM.normF(CommonOps_DDRM.subtract(v, recovered, null)) < 1e-10);
        assertSame(Kernels.cpu().getClass(), grassmann.kernels().getClass());
    }

    /** {@code P_X(H[V]) + P_X(W_X(V, G - P_X(G)))} is the Riemannian Hessian (pymanopt's form). */
    @Test
    void weingartenGivesTheCurvatureTermOfTheHessian() {
        Random random = new Random(5);
        Stiefel<DMatrixRMaj> stiefel = Stiefel.onCpu(8, 3);
        DMatrixRMaj x = stiefel.allocate();
        DMatrixRMaj v = stiefel.allocate();
        DMatrixRMaj g = stiefel.allocate();
        DMatrixRMaj h = stiefel.allocate();
        stiefel.randomPoint(random, x);
        stiefel.randomTangent(x, random, v);
        for (DMatrixRMaj m : new DMatrixRMaj[] {g, h}) {
            for (int i = 0; i < m.data.length; i++) {
                m.data[i] = random.nextGaussian();
            }
        }
        DMatrixRMaj expected = stiefel.allocate();
        stiefel.euclideanToRiemannianHessian(x, g, h, v, expected);
        DMatrixRMaj normal = stiefel.allocate();
        stiefel.projectToTangent(x, g, normal);
        CommonOps_DDRM.subtract(g, normal, normal);
        DMatrixRMaj curvature = stiefel.allocate();
        stiefel.weingarten(x, v, normal, curvature);
        DMatrixRMaj actual = stiefel.allocate();
        stiefel.projectToTangent(x, h, actual);
        CommonOps_DDRM.addEquals(actual, curvature);
        stiefel.projectToTangent(x, actual, actual);
        assertTrue(NormOps_DDRM.normF(CommonOps_DDRM.subtract(expected, actual, null)) < TOLERANCE);
    }

    /** The same identity on Grassmann, whose Weingarten map is {@code -V X^T N}. */
    @Test
    void grassmannWeingartenGivesTheCurvatureTermOfTheHessian() {
        Random random = new Random(7);
        Grassmann<DMatrixRMaj> grassmann = Grassmann.onCpu(8, 3);
        DMatrixRMaj x = grassmann.allocate();
        DMatrixRMaj v = grassmann.allocate();
        DMatrixRMaj g = grassmann.allocate();
        DMatrixRMaj h = grassmann.allocate();
        grassmann.randomPoint(random, x);
        grassmann.randomTangent(x, random, v);
        for (DMatrixRMaj m : new DMatrixRMaj[] {g, h}) {
            for (int i = 0; i < m.data.length; i++) {
                m.data[i] = random.nextGaussian();
            }
        }
        DMatrixRMaj expected = grassmann.allocate();
        grassmann.euclideanToRiemannianHessian(x, g, h, v, expected);
        DMatrixRMaj normal = grassmann.allocate();
        grassmann.projectToTangent(x, g, normal);
        CommonOps_DDRM.subtract(g, normal, normal);
        DMatrixRMaj curvature = grassmann.allocate();
        grassmann.weingarten(x, v, normal, curvature);
        DMatrixRMaj actual = grassmann.allocate();
        grassmann.projectToTangent(x, h, actual);
        CommonOps_DDRM.addEquals(actual, curvature);
        assertTrue(NormOps_DDRM.normF(CommonOps_DDRM.subtract(expected, actual, null)) < TOLERANCE);
    }

    @Test
    void aClosedStiefelRefusesToWorkAndClosesOnce() {
        Stiefel<DMatrixRMaj> stiefel = Stiefel.onCpu(6, 2, StiefelRetraction.CAYLEY);
        DMatrixRMaj x = stiefel.allocate();
        stiefel.randomPoint(new Random(6), x);
        stiefel.close();
        assertDoesNotThrow(stiefel::close);
        IllegalStateException error = assertThrows(IllegalStateException.class,
                () -> stiefel.retract(x, x.copy(), new DMatrixRMaj(6, 2)));
        assertTrue(error.getMessage().contains("closed"), error.getMessage());
        assertThrows(IllegalStateException.class, stiefel::allocate);
    }

    /**
     * A Grassmann retraction written outside the library: {@code span(X + V)} by Cholesky QR,
     * the subspace of the built-in ones; it has no inverse.
     */
    static final GrassmannRetraction CHOLESKY_SPAN = new GrassmannRetraction() {
        @Override
        public String name() {
            return "CHOLESKY_SPAN";
        }

        @Override
        public <M> Retraction<M> bind(Grassmann<M> grassmann) {
            Stiefel<M> stiefel = new Stiefel<>(grassmann.kernels(), grassmann.rows(), grassmann.columns(),
                    CholeskyQrRetraction.INSTANCE);
            return new Retraction<>() {
                @Override
                public String name() {
                    return "CHOLESKY_SPAN";
                }

                @Override
                public void retract(M x, M v, M out) {
                    stiefel.retractionMethod().retract(x, v, out);
                }

                @Override
                public void close() {
                    stiefel.close();
                }
            };
        }
    };

    /** A sphere retraction written outside the library: {@code (x + v) / sqrt(1 + ||v||^2)}, normalisation for tangent {@code v}. */
    static final SphereRetraction PYTHAGOREAN = new SphereRetraction() {
        @Override
        public String name() {
            return "PYTHAGOREAN";
        }

        @Override
        public <M> Retraction<M> bind(Sphere<M> sphere) {
            return new Retraction<>() {
                @Override
                public String name() {
                    return "PYTHAGOREAN";
                }

                @Override
                public void retract(M x, M v, M out) {
                    double length = sphere.norm(x, v);
                    sphere.linearCombination(x, 1.0, x, 1.0, v, out);
                    sphere.linearCombination(x, 1.0 / Math.sqrt(1.0 + length * length), out, 0.0, out, out);
                }
            };
        }
    };

    @Test
    void userRetractionsPlugIntoGrassmannAndTheSphere() {
        Random random = new Random(8);
        try (Grassmann<DMatrixRMaj> user = new Grassmann<>(Kernels.ejml(), 11, 3, CHOLESKY_SPAN);
                Grassmann<DMatrixRMaj> builtIn = user.withRetraction(GrassmannRetraction.QR)) {
            assertSame(CHOLESKY_SPAN, user.retraction());
            assertEquals("CHOLESKY_SPAN", user.retractionMethod().name());
            DMatrixRMaj x = user.allocate();
            DMatrixRMaj v = user.allocate();
            user.randomPoint(random, x);
            user.randomTangent(x, random, v);
            DMatrixRMaj expected = user.allocate();
            DMatrixRMaj actual = user.allocate();
            builtIn.retract(x, v, expected);
            user.retract(x, v, actual);
            assertTrue(user.distance(expected, actual) < 1e-10, "the same subspace");
            assertTrue(!user.hasInverseRetraction());
            assertThrows(UnsupportedOperationException.class, () -> user.inverseRetract(x, actual, v));
        }
        try (Sphere<DMatrixRMaj> user = new Sphere<>(Kernels.ejml(), 6, 2, PYTHAGOREAN);
                Sphere<DMatrixRMaj> builtIn = user.withRetraction(SphereRetraction.NORMALIZATION)) {
            assertEquals("PYTHAGOREAN", user.retractionMethod().name());
            DMatrixRMaj x = user.allocate();
            DMatrixRMaj v = user.allocate();
            user.randomPoint(random, x);
            user.randomTangent(x, random, v);
            CommonOps_DDRM.scale(2.5, v);
            DMatrixRMaj expected = user.allocate();
            DMatrixRMaj actual = user.allocate();
            builtIn.retract(x, v, expected);
            user.retract(x, v, actual);
            assertTrue(NormOps_DDRM.normF(CommonOps_DDRM.subtract(expected, actual, null)) < TOLERANCE);
            assertThrows(UnsupportedOperationException.class, () -> user.inverseRetract(x, actual, v));
        }
    }

    @Test
    void grassmannAndSphereBuiltInsAreNamedAndLookedUpByName() {
        assertEquals(2, GrassmannRetraction.values().size());
        for (GrassmannRetraction retraction : GrassmannRetraction.values()) {
            assertSame(retraction, GrassmannRetraction.valueOf(retraction.name().toLowerCase(java.util.Locale.ROOT)));
        }
        assertEquals(2, SphereRetraction.values().size());
        for (SphereRetraction retraction : SphereRetraction.values()) {
            assertSame(retraction, SphereRetraction.valueOf(retraction.name().toLowerCase(java.util.Locale.ROOT)));
        }
        assertThrows(IllegalArgumentException.class, () -> GrassmannRetraction.valueOf("cayley"));
        assertThrows(IllegalArgumentException.class, () -> SphereRetraction.valueOf("stereographic"));
    }

    @Test
    void builtInsAreNamedAndLookedUpByName() {
        assertEquals(4, StiefelRetraction.values().size());
        for (StiefelRetraction retraction : StiefelRetraction.values()) {
            assertSame(retraction, StiefelRetraction.valueOf(retraction.name().toLowerCase(java.util.Locale.ROOT)));
        }
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> StiefelRetraction.valueOf("householder"));
        assertTrue(error.getMessage().contains("cayley"), error.getMessage());
    }
}
