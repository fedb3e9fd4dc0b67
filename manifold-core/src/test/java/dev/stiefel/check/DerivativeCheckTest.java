package dev.stiefel.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.problem.BrockettProblem;
import dev.stiefel.manifold.Manifold;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.manifold.StiefelRetraction;
import dev.stiefel.problem.ArrayRayleighQuotient;
import dev.stiefel.problem.ArraySphere;
import dev.stiefel.problem.EuclideanHessian;
import dev.stiefel.problem.Problem;
import dev.stiefel.problem.ProcrustesProblem;
import java.util.Optional;
import java.util.Random;
import java.util.random.RandomGenerator;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The checks pass on correct derivatives and fail on deliberately wrong ones. */
class DerivativeCheckTest {

    /** Fitted slopes of correct derivatives are this close to 2 and 3. */
    private static final double SLOPE_ACCURACY = 0.1;

    private static Stiefel<DMatrixRMaj> stiefel(StiefelRetraction retraction) {
        return Stiefel.onCpu(20, 4, retraction);
    }

    private static BrockettProblem<DMatrixRMaj> brockett(Stiefel<DMatrixRMaj> stiefel, long seed) {
        return BrockettProblem.random(stiefel, stiefel.kernels(), stiefel.rows(), stiefel.columns(), false,
                new Random(seed));
    }

    private static DMatrixRMaj randomPoint(Manifold<DMatrixRMaj> m, long seed) {
        DMatrixRMaj x = m.allocate();
        m.randomPoint(new Random(seed), x);
        return x;
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void correctBrockettDerivativesPass(long seed) {
        // Polar is a second-order retraction, so the Hessian check is valid at any point.
        Stiefel<DMatrixRMaj> st = stiefel(StiefelRetraction.POLAR);
        BrockettProblem<DMatrixRMaj> problem = brockett(st, seed);
        DMatrixRMaj x = randomPoint(st, seed + 100);
        Random random = new Random(seed);

        DerivativeCheck.TaylorReport gradient = DerivativeCheck.gradient(problem, x, random);
        assertTrue(gradient.passed(), () -> "gradient slope " + gradient.slope());
        assertEquals(2.0, gradient.slope(), SLOPE_ACCURACY);

        DerivativeCheck.TaylorReport hessian = DerivativeCheck.hessian(problem, x, random);
        assertTrue(hessian.passed(), () -> "Hessian slope " + hessian.slope());
        assertEquals(3.0, hessian.slope(), SLOPE_ACCURACY);

        assertTrue(DerivativeCheck.hessianSymmetry(problem, x, random).passed());
        assertTrue(DerivativeCheck.gradientTangency(problem, x).passed());
        assertTrue(DerivativeCheck.hessianTangency(problem, x, random).passed());
    }

    /**
     * The Hessian check follows a second-order curve whatever the configured retraction: along
     * QR or Cayley (first order) the remainder of a correct Hessian would fit slope 2 at a
     * non-critical point and fail; along the second-order curve it fits 3 under every retraction,
     * and a wrong Hessian fits 2.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"QR", "POLAR", "CAYLEY", "EXPONENTIAL"})
    void hessianCheckIsRightUnderEveryRetraction(String name) {
        Stiefel<DMatrixRMaj> st = stiefel(StiefelRetraction.valueOf(name));
        BrockettProblem<DMatrixRMaj> problem = brockett(st, 21);
        DMatrixRMaj x = randomPoint(st, 22);
        DerivativeCheck.TaylorReport correct = DerivativeCheck.hessian(problem, x, new Random(23));
        assertTrue(correct.passed(), () -> name + ": correct Hessian, slope " + correct.slope());
        assertEquals(3.0, correct.slope(), SLOPE_ACCURACY);

        Problem<DMatrixRMaj> wrong = Problem.of(st, problem::cost, problem::euclideanGradient, (point, v, out) -> {
            problem.euclideanHessian().orElseThrow().apply(point, v, out);
            st.kernels().scale(1.5, out);
        });
        DerivativeCheck.TaylorReport report = DerivativeCheck.hessian(wrong, x, new Random(23));
        assertFalse(report.passed(), () -> name + ": wrong Hessian passed, slope " + report.slope());
        assertEquals(2.0, report.slope(), SLOPE_ACCURACY);
    }

    @Test
    void correctGradientPassesWithTheFirstOrderQrRetraction() {
        Stiefel<DMatrixRMaj> st = stiefel(StiefelRetraction.QR);
        BrockettProblem<DMatrixRMaj> problem = brockett(st, 4);
        DerivativeCheck.TaylorReport report = DerivativeCheck.gradient(problem, randomPoint(st, 5), new Random(6));
        assertTrue(report.passed(), () -> "slope " + report.slope());
        assertEquals(2.0, report.slope(), SLOPE_ACCURACY);
    }

    @Test
    void procrustesAndRayleighDerivativesPass() {
        Random random = new Random(7);
        Stiefel<DMatrixRMaj> st = Stiefel.onCpu(6, 3, StiefelRetraction.POLAR);
        DMatrixRMaj a = new DMatrixRMaj(9, 6);
        DMatrixRMaj b = new DMatrixRMaj(9, 3);
        a.data = random.doubles(54).map(v -> v - 0.5).toArray();
        b.data = random.doubles(27).map(v -> v - 0.5).toArray();
        ProcrustesProblem<DMatrixRMaj> procrustes = new ProcrustesProblem<>(st, st.kernels(), a, b);
        DMatrixRMaj x = randomPoint(st, 8);
        assertTrue(DerivativeCheck.gradient(procrustes, x, random).passed());
        assertTrue(DerivativeCheck.hessian(procrustes, x, random).passed());

        ArrayRayleighQuotient rayleigh = new ArrayRayleighQuotient(randomSymmetric(10, random), false, true);
        double[] y = rayleigh.manifold().allocate();
        rayleigh.manifold().randomPoint(random, y);
        assertTrue(DerivativeCheck.gradient(rayleigh, y, random).passed());
        assertTrue(DerivativeCheck.hessian(rayleigh, y, random).passed());
        assertTrue(DerivativeCheck.hessianSymmetry(rayleigh, y, random).passed());
    }

    @ParameterizedTest(name = "error {0}")
    @ValueSource(doubles = {1e-1, 1e-2, 1e-3})
    void wrongGradientFails(double error) {
        Stiefel<DMatrixRMaj> st = stiefel(StiefelRetraction.QR);
        BrockettProblem<DMatrixRMaj> problem = brockett(st, 9);
        Problem<DMatrixRMaj> wrong = new Perturbed(problem, st.kernels(), 1 + error, 1);
        DerivativeCheck.TaylorReport report = DerivativeCheck.gradient(wrong, randomPoint(st, 10), new Random(11));
        assertFalse(report.passed(), () -> "slope " + report.slope());
        assertTrue(report.slope() < 1.5, () -> "slope " + report.slope());
    }

    @ParameterizedTest(name = "error {0}")
    @ValueSource(doubles = {1e-1, 1e-3})
    void wrongHessianFails(double error) {
        Stiefel<DMatrixRMaj> st = stiefel(StiefelRetraction.POLAR);
        BrockettProblem<DMatrixRMaj> problem = brockett(st, 12);
        Problem<DMatrixRMaj> wrong = new Perturbed(problem, st.kernels(), 1, 1 + error);
        DMatrixRMaj x = randomPoint(st, 13);
        assertTrue(DerivativeCheck.gradient(wrong, x, new Random(14)).passed());
        DerivativeCheck.TaylorReport report = DerivativeCheck.hessian(wrong, x, new Random(14));
        assertFalse(report.passed(), () -> "slope " + report.slope());
        assertTrue(report.slope() < 2.5, () -> "slope " + report.slope());
    }

    @Test
    void asymmetricHessianFailsTheSymmetryCheck() {
        Random random = new Random(15);
        double[][] a = randomSymmetric(8, random);
        double[][] skew = new double[8][8];
        for (int i = 0; i < 8; i++) {
            for (int j = 0; j < i; j++) {
                skew[i][j] = random.nextGaussian();
                skew[j][i] = -skew[i][j];
            }
        }
        ArrayRayleighQuotient good = new ArrayRayleighQuotient(a, false, true);
        Problem<double[]> asymmetric = new Problem<>() {
            @Override
            public Manifold<double[]> manifold() {
                return good.manifold();
            }

            @Override
            public double cost(double[] x) {
                return good.cost(x);
            }

            @Override
            public void euclideanGradient(double[] x, double[] out) {
                good.euclideanGradient(x, out);
            }

            @Override
            public Optional<EuclideanHessian<double[]>> euclideanHessian() {
                return Optional.of(this::hessian);
            }

            private void hessian(double[] x, double[] v, double[] out) {
                good.euclideanHessian().orElseThrow().apply(x, v, out);
                for (int i = 0; i < 8; i++) {
                    for (int j = 0; j < 8; j++) {
                        out[i] += skew[i][j] * v[j];
                    }
                }
            }
        };
        double[] x = good.manifold().allocate();
        good.manifold().randomPoint(random, x);
        assertTrue(DerivativeCheck.hessianSymmetry(good, x, new Random(16)).passed());
        DerivativeCheck.DefectReport report = DerivativeCheck.hessianSymmetry(asymmetric, x, new Random(16));
        assertFalse(report.passed());
        assertTrue(report.defect() > 1e-3, "defect " + report.defect());
    }

    @Test
    void unprojectedGradientFailsTheTangencyCheck() {
        Random random = new Random(17);
        ArrayRayleighQuotient good = new ArrayRayleighQuotient(randomSymmetric(8, random), false, true);
        ArraySphere sphere = (ArraySphere) good.manifold();
        double[] x = sphere.allocate();
        sphere.randomPoint(random, x);
        assertTrue(DerivativeCheck.gradientTangency(good, x).passed());
        assertTrue(DerivativeCheck.hessianTangency(good, x, random).passed());
        Manifold<double[]> noProjection = new ForwardingSphere(sphere) {
            @Override
            public void euclideanToRiemannianGradient(double[] point, double[] euclideanGradient, double[] out) {
                copy(euclideanGradient, out);
            }
        };
        Problem<double[]> broken = new Problem<>() {
            @Override
            public Manifold<double[]> manifold() {
                return noProjection;
            }

            @Override
            public double cost(double[] y) {
                return good.cost(y);
            }

            @Override
            public void euclideanGradient(double[] y, double[] out) {
                good.euclideanGradient(y, out);
            }
        };
        DerivativeCheck.DefectReport report = DerivativeCheck.gradientTangency(broken, x);
        assertFalse(report.passed());
        assertTrue(report.defect() > 1e-3);
    }

    @Test
    void retractionOrderSeparatesPolarFromQr() {
        DenseKernels<DMatrixRMaj> kernels = stiefel(StiefelRetraction.QR).kernels();
        DerivativeCheck.AmbientDifference<DMatrixRMaj> subtract = (a, b, out) -> kernels.addScaled(1, a, -1, b, out);
        Stiefel<DMatrixRMaj> polar = stiefel(StiefelRetraction.POLAR);
        Stiefel<DMatrixRMaj> qr = stiefel(StiefelRetraction.QR);
        DerivativeCheck.TaylorReport polarReport = DerivativeCheck.retractionSecondOrder(polar,
                randomPoint(polar, 18), new Random(19), subtract);
        DerivativeCheck.TaylorReport qrReport = DerivativeCheck.retractionSecondOrder(qr, randomPoint(qr, 18),
                new Random(19), subtract);
        assertTrue(polarReport.passed(), () -> "polar slope " + polarReport.slope());
        assertFalse(qrReport.passed(), () -> "QR slope " + qrReport.slope());
        assertEquals(2.0, qrReport.slope(), 0.2);
    }

    /** Where the non-finite value enters a Taylor check. */
    enum Corruption {
        COST_AT_X, COST_AWAY_FROM_X, INFINITE_COST, GRADIENT, INFINITE_GRADIENT, HESSIAN, INFINITE_HESSIAN
    }

    /**
     * A check that cannot fit its slope fails and says why: non-finite costs, gradients or
     * Hessians leave every remainder NaN, which must not read as "exact to rounding" and pass
     * with slope NaN.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Corruption.class)
    void nonFiniteDerivativesFailWithTheirReason(Corruption corruption) {
        Stiefel<DMatrixRMaj> st = stiefel(StiefelRetraction.POLAR);
        BrockettProblem<DMatrixRMaj> problem = brockett(st, 24);
        DMatrixRMaj x = randomPoint(st, 25);
        double poison = corruption.name().startsWith("INFINITE") ? Double.POSITIVE_INFINITY : Double.NaN;
        Problem<DMatrixRMaj> broken = Problem.of(st,
                point -> switch (corruption) {
                    case COST_AT_X, INFINITE_COST -> poison;
                    case COST_AWAY_FROM_X -> point == x ? problem.cost(point) : poison;
                    default -> problem.cost(point);
                },
                (point, out) -> {
                    problem.euclideanGradient(point, out);
                    if (corruption == Corruption.GRADIENT || corruption == Corruption.INFINITE_GRADIENT) {
                        out.set(0, 0, poison);
                    }
                },
                (point, v, out) -> {
                    problem.euclideanHessian().orElseThrow().apply(point, v, out);
                    if (corruption == Corruption.HESSIAN || corruption == Corruption.INFINITE_HESSIAN) {
                        out.set(1, 1, poison);
                    }
                });
        boolean hessianOnly = corruption == Corruption.HESSIAN || corruption == Corruption.INFINITE_HESSIAN;
        DerivativeCheck.TaylorReport report = hessianOnly ? DerivativeCheck.hessian(broken, x, new Random(26))
                : DerivativeCheck.gradient(broken, x, new Random(26));
        assertFalse(report.passed(), () -> corruption + " passed: " + report);
        assertTrue(Double.isNaN(report.slope()), () -> "slope " + report.slope());
        String expected = switch (corruption) {
            case COST_AT_X, INFINITE_COST -> "cost at x";
            case COST_AWAY_FROM_X -> "cost along the curve";
            case GRADIENT, INFINITE_GRADIENT -> "gradient";
            case HESSIAN, INFINITE_HESSIAN -> "Hessian";
        };
        assertTrue(report.reason().contains(expected), () -> "reason: " + report.reason());
        if (hessianOnly) {
            assertTrue(DerivativeCheck.gradient(broken, x, new Random(26)).passed());
        }
    }

    /** A retraction returning NaN fails the order check instead of reading as exact. */
    @Test
    void nonFiniteRetractionFailsTheOrderCheck() {
        Stiefel<DMatrixRMaj> polar = stiefel(StiefelRetraction.POLAR);
        DenseKernels<DMatrixRMaj> kernels = polar.kernels();
        DerivativeCheck.AmbientDifference<DMatrixRMaj> poisoned = (a, b, out) -> {
            kernels.addScaled(1, a, -1, b, out);
            out.set(0, 0, Double.NaN);
        };
        DerivativeCheck.TaylorReport report = DerivativeCheck.retractionSecondOrder(polar, randomPoint(polar, 27),
                new Random(28), poisoned);
        assertFalse(report.passed(), () -> "passed: " + report);
        assertTrue(report.reason().contains("not finite"), () -> "reason: " + report.reason());
    }

    /** A model exact to rounding still passes, and says so. */
    @Test
    void exactModelPassesAndSaysSo() {
        Stiefel<DMatrixRMaj> st = stiefel(StiefelRetraction.POLAR);
        DMatrixRMaj x = randomPoint(st, 29);
        Problem<DMatrixRMaj> constant = Problem.of(st, point -> 3.0, (point, out) -> out.zero(),
                (point, v, out) -> out.zero());
        DerivativeCheck.TaylorReport gradient = DerivativeCheck.gradient(constant, x, new Random(30));
        DerivativeCheck.TaylorReport hessian = DerivativeCheck.hessian(constant, x, new Random(30));
        assertTrue(gradient.passed(), gradient::reason);
        assertTrue(hessian.passed(), hessian::reason);
        assertTrue(gradient.reason().contains("exact"), gradient::reason);
    }

    @Test
    void zeroDirectionIsRejected() {
        Stiefel<DMatrixRMaj> st = stiefel(StiefelRetraction.QR);
        BrockettProblem<DMatrixRMaj> problem = brockett(st, 20);
        DMatrixRMaj x = randomPoint(st, 21);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DerivativeCheck.taylor(problem, x, st.allocate(), false));
        assertTrue(e.getMessage().contains("direction"));
    }

    static double[][] randomSymmetric(int n, RandomGenerator random) {
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                a[i][j] = random.nextGaussian();
                a[j][i] = a[i][j];
            }
        }
        return a;
    }

    /** Scales the Euclidean gradient and Hessian of a problem: a deliberately wrong derivative. */
    private static final class Perturbed implements Problem<DMatrixRMaj> {
        private final Problem<DMatrixRMaj> inner;
        private final DenseKernels<DMatrixRMaj> kernels;
        private final double gradientScale;
        private final double hessianScale;

        Perturbed(Problem<DMatrixRMaj> inner, DenseKernels<DMatrixRMaj> kernels, double gradientScale,
                double hessianScale) {
            this.inner = inner;
            this.kernels = kernels;
            this.gradientScale = gradientScale;
            this.hessianScale = hessianScale;
        }

        @Override
        public Manifold<DMatrixRMaj> manifold() {
            return inner.manifold();
        }

        @Override
        public double cost(DMatrixRMaj x) {
            return inner.cost(x);
        }

        @Override
        public void euclideanGradient(DMatrixRMaj x, DMatrixRMaj out) {
            inner.euclideanGradient(x, out);
            kernels.scale(gradientScale, out);
        }

        @Override
        public Optional<EuclideanHessian<DMatrixRMaj>> euclideanHessian() {
            return Optional.of(this::hessian);
        }

        private void hessian(DMatrixRMaj x, DMatrixRMaj v, DMatrixRMaj out) {
            inner.euclideanHessian().orElseThrow().apply(x, v, out);
            kernels.scale(hessianScale, out);
        }
    }

    /** Delegates everything to an {@link ArraySphere}; tests override one method to break it. */
    private static class ForwardingSphere implements Manifold<double[]> {
        private final ArraySphere sphere;

        ForwardingSphere(ArraySphere sphere) {
            this.sphere = sphere;
        }

        @Override public String name() { return sphere.name(); }
        @Override public int dimension() { return sphere.dimension(); }
        @Override public double[] allocate() { return sphere.allocate(); }
        @Override public void copy(double[] src, double[] dst) { sphere.copy(src, dst); }
        @Override public double inner(double[] x, double[] u, double[] v) { return sphere.inner(x, u, v); }
        @Override public void projectToTangent(double[] x, double[] z, double[] out) { sphere.projectToTangent(x, z, out); }
        @Override public void euclideanToRiemannianGradient(double[] x, double[] g, double[] out) {
            sphere.euclideanToRiemannianGradient(x, g, out);
        }
        @Override public void euclideanToRiemannianHessian(double[] x, double[] g, double[] h, double[] v, double[] out) {
            sphere.euclideanToRiemannianHessian(x, g, h, v, out);
        }
        @Override public void retract(double[] x, double[] v, double[] out) { sphere.retract(x, v, out); }
        @Override public void transport(double[] x, double[] y, double[] v, double[] out) { sphere.transport(x, y, v, out); }
        @Override public void randomPoint(RandomGenerator random, double[] out) { sphere.randomPoint(random, out); }
        @Override public void randomTangent(double[] x, RandomGenerator random, double[] out) {
            sphere.randomTangent(x, random, out);
        }
        @Override public void zeroTangent(double[] x, double[] out) { sphere.zeroTangent(x, out); }
        @Override public void linearCombination(double[] x, double a, double[] u, double b, double[] v, double[] out) {
            sphere.linearCombination(x, a, u, b, v, out);
        }
        @Override public double typicalDistance() { return sphere.typicalDistance(); }
        @Override public void checkPoint(double[] x, double tolerance) { sphere.checkPoint(x, tolerance); }
    }
}
