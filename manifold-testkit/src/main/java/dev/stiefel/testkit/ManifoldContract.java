package dev.stiefel.testkit;

import dev.stiefel.manifold.Manifold;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.check.DerivativeCheck;
import dev.stiefel.problem.EuclideanHessian;
import dev.stiefel.problem.Problem;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link Manifold} passes, after the shared test suite of ManifoldsBase.jl:
 * points stay on the manifold (also after {@value #CHAINED_STEPS} chained retractions),
 * projections are orthogonal and idempotent, retractions are first order (and second order where
 * the subclass says so, else provably not), inverse retractions and transports are right,
 * randomness is reproducible, aliasing is allowed where documented, the metric is an inner
 * product, the tangent space has the stated dimension, and the Riemannian gradient and Hessian
 * conversions pass derivative checks that fit log-log slopes of Taylor remainders.
 *
 * <p>Subclasses give the manifold (with any backend), its expected dimension and retraction
 * order, and a cost with known Euclidean derivatives. A reduced-precision backend overrides
 * {@link #toleranceScale()}.
 *
 * @param <P> the point type
 */
public abstract class ManifoldContract<P> {

    /** How the configured retraction agrees with the geodesic (embedded metric). */
    public enum RetractionOrder {
        /** {@code R_x(t v) = x + t v + O(t^2)} with a non-normal second-order term. */
        FIRST,
        /** The acceleration of {@code t -> R_x(t v)} at 0 is normal: tangential error {@code O(t^3)}. */
        SECOND
    }

    /** {@code checkPoint} tolerance for retracted points. */
    protected static final double POINT_TOLERANCE = 1e-12;
    /** Relative tolerance for identities that hold to rounding (idempotence, symmetry, aliasing). */
    protected static final double IDENTITY_TOLERANCE = 1e-12;
    /** Relative tolerance of inverse-retraction round trips (iterative or triangular solves). */
    protected static final double ROUND_TRIP_TOLERANCE = 1e-10;
    /** Allowed deviation of a fitted log-log slope from its theoretical value. */
    protected static final double SLOPE_TOLERANCE = 0.25;
    /** Errors below this are rounding: the expansion is exact there and no slope is fitted. */
    protected static final double EXACT_TOLERANCE = 1e-13;
    /**
     * Below this relative error a central difference of the gradient is exact up to its
     * rounding error {@code eps / t} (a quadratic cost on a flat space): no slope to fit.
     */
    protected static final double FINITE_DIFFERENCE_ROUNDING = 1e-9;
    /** Number of retractions chained in the drift test. */
    protected static final int CHAINED_STEPS = 1000;
    /** Length of each chained step. */
    protected static final double CHAINED_STEP_LENGTH = 0.5;
    /** Step sizes of the Taylor checks: 10^-1 down to 10^-3 in quarter decades. */
    private static final double[] STEPS = logSpace(-1.0, -3.0, 9);

    private static final long SEED = 20241109L;

    protected Manifold<P> manifold;
    protected RandomGenerator random;
    private final List<P> allocated = new ArrayList<>();

    /** A fresh manifold (fresh workspaces) for one test. */
    protected abstract Manifold<P> createManifold();

    /** The intrinsic dimension by its formula. */
    protected abstract int expectedDimension();

    /** The order the configured retraction has; the contract checks it holds, and no more. */
    protected abstract RetractionOrder expectedRetractionOrder();

    /**
     * A cost with known Euclidean gradient and Hessian part on the embedding of
     * {@code manifold}; on a quotient manifold it must be invariant.
     */
    protected abstract Problem<P> createProblem(Manifold<P> manifold, RandomGenerator random);

    /** Multiplies every tolerance; 1 for float64 backends. */
    protected double toleranceScale() {
        return 1.0;
    }

    /**
     * Distance between two points as the manifold identifies them: here the ambient Frobenius
     * distance; a quotient manifold overrides it (representatives differ).
     */
    protected double pointDistance(P x, P y) {
        P difference = newPoint();
        manifold.linearCombination(x, 1.0, x, -1.0, y, difference);
        return Math.sqrt(manifold.inner(x, difference, difference));
    }

    /** An ambient vector at {@code x} that is in general neither a point nor tangent. */
    protected void randomAmbient(P x, P out) {
        P first = newPoint();
        P second = newPoint();
        manifold.randomPoint(random, first);
        manifold.randomPoint(random, second);
        manifold.linearCombination(x, 1.7, first, -0.6, second, out);
    }

    @BeforeEach
    void createFixture() {
        manifold = createManifold();
        random = new SplittableRandom(SEED);
    }

    @AfterEach
    void freePoints() {
        for (P point : allocated) {
            manifold.free(point);
        }
        allocated.clear();
    }

    /** Storage freed after the test. */
    protected P newPoint() {
        P point = manifold.allocate();
        allocated.add(point);
        return point;
    }

    protected P randomPoint() {
        P x = newPoint();
        manifold.randomPoint(random, x);
        return x;
    }

    protected P randomTangent(P x, double length) {
        P v = newPoint();
        manifold.randomTangent(x, random, v);
        manifold.linearCombination(x, length, v, 0.0, v, v);
        return v;
    }

    private double tolerance(double base) {
        return base * toleranceScale();
    }

    private double distanceAt(P x, P u, P v) {
        P difference = newPoint();
        manifold.linearCombination(x, 1.0, u, -1.0, v, difference);
        return manifold.norm(x, difference);
    }

    // ---- dimension, metric, storage --------------------------------------------------------

    @Test
    void dimensionMatchesItsFormula() {
        assertEquals(expectedDimension(), manifold.dimension(), manifold.name());
        assertTrue(manifold.typicalDistance() > 0.0, "typical distance must be positive");
        assertTrue(!manifold.name().isEmpty());
    }

    /**
     * {@code dimension + 3} random tangent vectors span a space of exactly the stated dimension:
     * the rank of their Gram matrix (a too small tangent space gives a smaller rank, a too large
     * one a larger rank).
     */
    @Test
    void tangentSpaceHasTheStatedDimension() {
        P x = randomPoint();
        int count = manifold.dimension() + 3;
        List<P> tangents = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            tangents.add(randomTangent(x, 1.0));
        }
        DMatrixRMaj gram = new DMatrixRMaj(count, count);
        for (int i = 0; i < count; i++) {
            for (int j = 0; j <= i; j++) {
                double value = manifold.inner(x, tangents.get(i), tangents.get(j));
                gram.set(i, j, value);
                gram.set(j, i, value);
            }
        }
        EigenDecomposition_F64<DMatrixRMaj> eigen = DecompositionFactory_DDRM.eig(count, false, true);
        assertTrue(eigen.decompose(gram));
        double largest = 0.0;
        for (int k = 0; k < count; k++) {
            largest = Math.max(largest, Math.abs(eigen.getEigenvalue(k).real));
        }
        int rank = 0;
        for (int k = 0; k < count; k++) {
            if (Math.abs(eigen.getEigenvalue(k).real) > 1e-9 * Math.max(largest, 1.0)) {
                rank++;
            }
        }
        assertEquals(manifold.dimension(), rank, "rank of the Gram matrix of random tangent vectors");
    }

    @Test
    void innerIsSymmetricBilinearAndPositive() {
        P x = randomPoint();
        P u = randomTangent(x, 1.0);
        P v = randomTangent(x, 1.0);
        P w = randomTangent(x, 1.0);
        double tolerance = tolerance(IDENTITY_TOLERANCE);
        if (manifold.dimension() > 0) {
            assertEquals(1.0, manifold.norm(x, u), tolerance, "random tangent vectors have unit norm");
            assertTrue(manifold.inner(x, u, u) > 0.0);
        }
        assertEquals(manifold.inner(x, u, v), manifold.inner(x, v, u), tolerance);
        P combination = newPoint();
        manifold.linearCombination(x, 2.5, u, -1.5, w, combination);
        assertEquals(2.5 * manifold.inner(x, u, v) - 1.5 * manifold.inner(x, w, v),
                manifold.inner(x, combination, v), tolerance * 4);
        P zero = newPoint();
        manifold.zeroTangent(x, zero);
        assertEquals(0.0, manifold.norm(x, zero), 0.0);
        manifold.checkTangent(x, zero, tolerance);
    }

    @Test
    void linearCombinationAllowsAliasing() {
        P x = randomPoint();
        P u = randomTangent(x, 1.0);
        P v = randomTangent(x, 1.0);
        P expected = newPoint();
        manifold.linearCombination(x, 0.3, u, -2.0, v, expected);
        P aliasFirst = newPoint();
        manifold.copy(u, aliasFirst);
        manifold.linearCombination(x, 0.3, aliasFirst, -2.0, v, aliasFirst);
        P aliasSecond = newPoint();
        manifold.copy(v, aliasSecond);
        manifold.linearCombination(x, 0.3, u, -2.0, aliasSecond, aliasSecond);
        double tolerance = tolerance(IDENTITY_TOLERANCE);
        assertTrue(distanceAt(x, expected, aliasFirst) <= tolerance);
        assertTrue(distanceAt(x, expected, aliasSecond) <= tolerance);
        P twice = newPoint();
        manifold.copy(u, twice);
        manifold.linearCombination(x, 1.0, twice, 1.0, twice, twice);
        P doubled = newPoint();
        manifold.linearCombination(x, 2.0, u, 0.0, v, doubled);
        assertTrue(distanceAt(x, doubled, twice) <= tolerance);
    }

    // ---- randomness ------------------------------------------------------------------------

    @Test
    void randomnessIsReproducibleAndSeedDependent() {
        P first = newPoint();
        P again = newPoint();
        P other = newPoint();
        manifold.randomPoint(new SplittableRandom(7), first);
        manifold.randomPoint(new SplittableRandom(7), again);
        manifold.randomPoint(new SplittableRandom(8), other);
        manifold.checkPoint(first, tolerance(POINT_TOLERANCE));
        assertEquals(0.0, distanceAt(first, first, again), 0.0, "same seed, same point");
        if (manifold.dimension() > 0) {
            assertTrue(pointDistance(first, other) > 1e-3, "another seed, another point");
        }

        P tangent = newPoint();
        P tangentAgain = newPoint();
        P tangentOther = newPoint();
        manifold.randomTangent(first, new SplittableRandom(11), tangent);
        manifold.randomTangent(first, new SplittableRandom(11), tangentAgain);
        manifold.randomTangent(first, new SplittableRandom(12), tangentOther);
        manifold.checkTangent(first, tangent, tolerance(IDENTITY_TOLERANCE));
        assertEquals(0.0, distanceAt(first, tangent, tangentAgain), 0.0, "same seed, same tangent");
        if (manifold.dimension() > 0) {
            assertTrue(distanceAt(first, tangent, tangentOther) > 1e-3, "another seed, another tangent");
        }
    }

    // ---- projection ------------------------------------------------------------------------

    @Test
    void projectionIsOrthogonalIdempotentAndTangent() {
        P x = randomPoint();
        P z = newPoint();
        randomAmbient(x, z);
        P projected = newPoint();
        manifold.projectToTangent(x, z, projected);
        double tolerance = tolerance(IDENTITY_TOLERANCE);
        manifold.checkTangent(x, projected, tolerance);
        double scale = Math.max(1.0, manifold.norm(x, z));

        P twice = newPoint();
        manifold.projectToTangent(x, projected, twice);
        assertTrue(distanceAt(x, projected, twice) <= tolerance * scale, "projection is idempotent");

        P w = randomTangent(x, 1.0);
        P normal = newPoint();
        manifold.linearCombination(x, 1.0, z, -1.0, projected, normal);
        assertEquals(0.0, manifold.inner(x, normal, w), tolerance * scale, "z - P(z) is normal");

        P unchanged = newPoint();
        manifold.projectToTangent(x, w, unchanged);
        assertTrue(distanceAt(x, w, unchanged) <= tolerance, "tangent vectors are fixed");

        P aliased = newPoint();
        manifold.copy(z, aliased);
        manifold.projectToTangent(x, aliased, aliased);
        assertTrue(distanceAt(x, projected, aliased) <= tolerance * scale, "out may alias z");
    }

    // ---- retraction ------------------------------------------------------------------------

    @Test
    void retractionLandsOnTheManifold() {
        P x = randomPoint();
        for (double length : new double[] {1e-8, 0.1, 1.0, manifold.typicalDistance()}) {
            P v = randomTangent(x, length);
            P y = newPoint();
            manifold.retract(x, v, y);
            manifold.checkPoint(y, tolerance(POINT_TOLERANCE));
        }
        P zero = newPoint();
        manifold.zeroTangent(x, zero);
        P same = newPoint();
        manifold.retract(x, zero, same);
        assertTrue(pointDistance(x, same) <= tolerance(IDENTITY_TOLERANCE), "R_x(0) = x");
    }

    /**
     * Lengths of the long tangent vectors of {@link #longTangentVectorsLandOnTheManifold}: up to
     * a vector whose Frobenius norm is 0.9 {@code Double.MAX_VALUE}, so that any square of an
     * entry or of the norm overflows.
     */
    protected static final double[] LONG_TANGENT_LENGTHS = {1e4, 1e8, 1e12, 1e300, 0.9 * Double.MAX_VALUE};

    /**
     * Whether the configured retraction returns a point for every finite tangent vector (the
     * built-in ones do). When false, {@link #longTangentVectorsLandOnTheManifold} accepts an
     * {@link ArithmeticException} from it instead, but never a result off the manifold.
     */
    protected boolean retractionDefinedForLongVectors() {
        return true;
    }

    /**
     * The second-order retraction (an exponential map on the built-in manifolds) and the
     * configured retraction return points of the manifold, to rounding, for tangent vectors of
     * every finite length: long steps are not a reason to leave the manifold, to return NaN or
     * a zero matrix. A retraction that cannot evaluate such a step throws
     * {@link ArithmeticException}, where {@link #retractionDefinedForLongVectors()} allows it.
     */
    @Test
    void longTangentVectorsLandOnTheManifold() {
        P x = randomPoint();
        P unit = randomTangent(x, 1.0);
        P v = newPoint();
        P y = newPoint();
        for (double length : LONG_TANGENT_LENGTHS) {
            manifold.linearCombination(x, length, unit, 0.0, unit, v);
            manifold.secondOrderRetract(x, v, y);
            assertOnTheManifold(y, "second-order retraction of a tangent vector of length " + length);
            try {
                manifold.retract(x, v, y);
            } catch (ArithmeticException undefined) {
                if (retractionDefinedForLongVectors()) {
                    throw new AssertionError("retraction of a tangent vector of length " + length + " threw",
                            undefined);
                }
                continue;
            }
            assertOnTheManifold(y, "retraction of a tangent vector of length " + length);
        }
    }

    private void assertOnTheManifold(P y, String what) {
        try {
            manifold.checkPoint(y, tolerance(POINT_TOLERANCE));
        } catch (IllegalArgumentException off) {
            throw new AssertionError(what + ": " + off.getMessage(), off);
        }
    }

    @Test
    void chainedRetractionsDoNotDrift() {
        P x = randomPoint();
        P next = newPoint();
        P v = newPoint();
        for (int step = 0; step < CHAINED_STEPS; step++) {
            manifold.randomTangent(x, random, v);
            manifold.linearCombination(x, CHAINED_STEP_LENGTH, v, 0.0, v, v);
            manifold.retract(x, v, next);
            P swap = x;
            x = next;
            next = swap;
        }
        manifold.checkPoint(x, tolerance(POINT_TOLERANCE));
    }

    @Test
    void retractionAllowsOutputAliasingTheTangent() {
        P x = randomPoint();
        P v = randomTangent(x, 0.7);
        P expected = newPoint();
        manifold.retract(x, v, expected);
        manifold.retract(x, v, v);
        assertTrue(pointDistance(expected, v) <= tolerance(IDENTITY_TOLERANCE));
    }

    /** {@code ||R_x(t v) - (x + t v)|| = O(t^2)}: the retraction has velocity {@code v}. */
    @Test
    void retractionIsFirstOrder() {
        P x = randomPoint();
        P v = randomTangent(x, 1.0);
        double[] errors = new double[STEPS.length];
        for (int k = 0; k < STEPS.length; k++) {
            errors[k] = retractionDeviation(x, v, STEPS[k], false);
        }
        assertSlopeAtLeast(errors, 2.0, "||R_x(tv) - x - tv||");
    }

    /**
     * The tangential part {@code ||P_x(R_x(t v) - x - t v)||} is {@code O(t^3)} for a second-order
     * retraction and exactly {@code O(t^2)} (slope 2, not more) for a first-order one.
     */
    @Test
    void retractionHasTheExpectedOrder() {
        P x = randomPoint();
        P v = randomTangent(x, 1.0);
        double[] errors = new double[STEPS.length];
        for (int k = 0; k < STEPS.length; k++) {
            errors[k] = retractionDeviation(x, v, STEPS[k], true);
        }
        if (expectedRetractionOrder() == RetractionOrder.SECOND) {
            assertSlopeAtLeast(errors, 3.0, "||P_x(R_x(tv) - x - tv)|| (second order)");
        } else {
            double slope = fittedSlope(errors);
            assertEquals(2.0, slope, SLOPE_TOLERANCE,
                    "a first-order retraction's tangential deviation has slope 2; errors " + describe(errors));
        }
    }

    /**
     * {@link Manifold#secondOrderRetract} is second order whatever the configured retraction:
     * its tangential deviation is {@code O(t^3)}, and it lands on the manifold.
     */
    @Test
    void secondOrderRetractionIsSecondOrder() {
        P x = randomPoint();
        P v = randomTangent(x, 1.0);
        double[] errors = new double[STEPS.length];
        for (int k = 0; k < STEPS.length; k++) {
            errors[k] = deviation(x, v, STEPS[k], true, true);
        }
        assertSlopeAtLeast(errors, 3.0, "||P_x(R2_x(tv) - x - tv)||");
        P y = newPoint();
        manifold.secondOrderRetract(x, v, y);
        manifold.checkPoint(y, POINT_TOLERANCE * toleranceScale());
    }

    /**
     * {@code DerivativeCheck.hessian} passes on the correct Riemannian Hessian at a random
     * (non-critical) point and fails on a wrong one (the Euclidean Hessian scaled by 3/2),
     * whatever the configured retraction. Float64 backends only: the check's rounding floor is
     * that of float64.
     */
    @Test
    void hessianCheckPassesOnTheCorrectHessianAndFailsOnAWrongOne() {
        if (manifold.dimension() == 0 || toleranceScale() > 1.0) {
            return;
        }
        Problem<P> problem = createProblem(manifold, random);
        P x = randomPoint();
        DerivativeCheck.TaylorReport correct = DerivativeCheck.hessian(problem, x, random);
        assertTrue(correct.passed(), () -> "correct Hessian: slope " + correct.slope());
        EuclideanHessian<P> hessian = hessianPart(problem);
        Problem<P> wrong = new Problem<>() {
            @Override
            public Manifold<P> manifold() {
                return problem.manifold();
            }

            @Override
            public double cost(P point) {
                return problem.cost(point);
            }

            @Override
            public void euclideanGradient(P point, P out) {
                problem.euclideanGradient(point, out);
            }

            @Override
            public Optional<EuclideanHessian<P>> euclideanHessian() {
                return Optional.of((point, direction, out) -> {
                    hessian.apply(point, direction, out);
                    manifold.linearCombination(point, 1.5, out, 0.0, out, out);
                });
            }
        };
        DerivativeCheck.TaylorReport report = DerivativeCheck.hessian(wrong, x, random);
        assertTrue(!report.passed(), () -> "wrong Hessian passed: slope " + report.slope());
    }

    private double retractionDeviation(P x, P v, double t, boolean tangentialOnly) {
        return deviation(x, v, t, tangentialOnly, false);
    }

    private double deviation(P x, P v, double t, boolean tangentialOnly, boolean secondOrder) {
        P y = newPoint();
        P step = newPoint();
        manifold.linearCombination(x, t, v, 0.0, v, step);
        if (secondOrder) {
            manifold.secondOrderRetract(x, step, y);
        } else {
            manifold.retract(x, step, y);
        }
        P deviation = newPoint();
        manifold.linearCombination(x, 1.0, y, -1.0, x, deviation);
        manifold.linearCombination(x, 1.0, deviation, -1.0, step, deviation);
        if (tangentialOnly) {
            manifold.projectToTangent(x, deviation, deviation);
        }
        return manifold.norm(x, deviation);
    }

    // ---- inverse retraction and transport --------------------------------------------------

    @Test
    void inverseRetractionRecoversTheTangentVector() {
        P x = randomPoint();
        if (!manifold.hasInverseRetraction()) {
            P y = randomPoint();
            assertThrows(UnsupportedOperationException.class, () -> manifold.inverseRetract(x, y, newPoint()));
            return;
        }
        for (double length : new double[] {1e-6, 0.3, 0.9}) {
            P v = randomTangent(x, length);
            P y = newPoint();
            manifold.retract(x, v, y);
            P recovered = newPoint();
            manifold.inverseRetract(x, y, recovered);
            manifold.checkTangent(x, recovered, tolerance(ROUND_TRIP_TOLERANCE));
            assertTrue(distanceAt(x, v, recovered) <= tolerance(ROUND_TRIP_TOLERANCE) * Math.max(1.0, length),
                    "R_x^-1(R_x(v)) = v for |v| = " + length + ", error " + distanceAt(x, v, recovered));
            P again = newPoint();
            manifold.retract(x, recovered, again);
            assertTrue(pointDistance(y, again) <= tolerance(ROUND_TRIP_TOLERANCE), "R_x(R_x^-1(y)) = y");
        }
        P zero = newPoint();
        manifold.inverseRetract(x, x, zero);
        assertTrue(manifold.norm(x, zero) <= tolerance(ROUND_TRIP_TOLERANCE), "R_x^-1(x) = 0");
    }

    @Test
    void transportLandsInTheTargetTangentSpace() {
        P x = randomPoint();
        P y = newPoint();
        manifold.retract(x, randomTangent(x, 0.8), y);
        P u = randomTangent(x, 1.0);
        P moved = newPoint();
        manifold.transport(x, y, u, moved);
        manifold.checkTangent(y, moved, tolerance(IDENTITY_TOLERANCE));
        assertTrue(manifold.norm(y, moved) <= 1.0 + tolerance(IDENTITY_TOLERANCE),
                "transport by projection does not increase the norm");
        P aliased = newPoint();
        manifold.copy(u, aliased);
        manifold.transport(x, y, aliased, aliased);
        assertTrue(distanceAt(y, moved, aliased) <= tolerance(IDENTITY_TOLERANCE), "out may alias v");
        P still = newPoint();
        manifold.transport(x, x, u, still);
        assertTrue(distanceAt(x, u, still) <= tolerance(IDENTITY_TOLERANCE), "transport to x is the identity");
    }

    // ---- derivative conversions ------------------------------------------------------------

    /**
     * {@code f(R_x(t v)) - f(x) - t <grad f(x), v>} is {@code O(t^2)} (any retraction), and the
     * Riemannian gradient is tangent with {@code <grad f, v> = <egrad, v>} for tangent {@code v}.
     */
    @Test
    void riemannianGradientPassesTheTaylorCheck() {
        Problem<P> problem = createProblem(manifold, random);
        P x = randomPoint();
        P v = randomTangent(x, 1.0);
        P euclidean = newPoint();
        P gradient = newPoint();
        double cost = problem.costAndEuclideanGradient(x, euclidean);
        manifold.euclideanToRiemannianGradient(x, euclidean, gradient);
        manifold.checkTangent(x, gradient, tolerance(IDENTITY_TOLERANCE));
        double slopeTerm = manifold.inner(x, gradient, v);
        assertEquals(manifold.inner(x, euclidean, v), slopeTerm,
                tolerance(IDENTITY_TOLERANCE) * Math.max(1.0, manifold.norm(x, euclidean)));
        double[] errors = new double[STEPS.length];
        P step = newPoint();
        P y = newPoint();
        for (int k = 0; k < STEPS.length; k++) {
            manifold.linearCombination(x, STEPS[k], v, 0.0, v, step);
            manifold.retract(x, step, y);
            errors[k] = Math.abs(problem.cost(y) - cost - STEPS[k] * slopeTerm);
        }
        assertSlopeAtLeast(errors, 2.0, "gradient Taylor remainder");
    }

    /**
     * The Riemannian Hessian against a central difference of the Riemannian gradient along the
     * retraction curve, brought back to {@code T_x} by projection:
     * {@code P_x(grad f(R_x(t v)) - grad f(R_x(-t v))) / (2 t) = Hess f(x)[v] + O(t^2)}
     * (Boumal 2023, Cor. 5.16: on a Riemannian submanifold the Hessian is the projected derivative
     * of the gradient field). The error must fall with slope 2 and be small.
     */
    @Test
    void riemannianHessianMatchesFiniteDifferencesOfTheGradient() {
        Problem<P> problem = createProblem(manifold, random);
        P x = randomPoint();
        P v = randomTangent(x, 1.0);
        P hessian = riemannianHessian(problem, x, v);
        manifold.checkTangent(x, hessian, tolerance(IDENTITY_TOLERANCE));
        double scale = Math.max(1.0, manifold.norm(x, hessian));
        double[] steps = logSpace(-2.0, -4.0, 9);
        double[] errors = new double[steps.length];
        P forward = newPoint();
        P backward = newPoint();
        P difference = newPoint();
        for (int k = 0; k < steps.length; k++) {
            gradientAlongCurve(problem, x, v, steps[k], forward);
            gradientAlongCurve(problem, x, v, -steps[k], backward);
            manifold.linearCombination(x, 0.5 / steps[k], forward, -0.5 / steps[k], backward, difference);
            manifold.projectToTangent(x, difference, difference);
            errors[k] = distanceAt(x, difference, hessian) / scale;
        }
        if (errors[0] > FINITE_DIFFERENCE_ROUNDING * toleranceScale()) {
            assertSlopeAtLeast(errors, 2.0, "Hessian finite-difference error");
        }
        assertTrue(errors[errors.length - 1] < 1e-6 * toleranceScale(),
                "Hessian matches the finite difference; errors " + describe(errors));
    }

    /** {@code <Hess f[u], w> = <u, Hess f[w]>}: the Riemannian Hessian is self-adjoint. */
    @Test
    void riemannianHessianIsSymmetricAndAllowsAliasing() {
        Problem<P> problem = createProblem(manifold, random);
        P x = randomPoint();
        P u = randomTangent(x, 1.0);
        P w = randomTangent(x, 1.0);
        P hessianU = riemannianHessian(problem, x, u);
        P hessianW = riemannianHessian(problem, x, w);
        double scale = Math.max(1.0, manifold.norm(x, hessianU) + manifold.norm(x, hessianW));
        assertEquals(manifold.inner(x, hessianU, w), manifold.inner(x, u, hessianW),
                tolerance(IDENTITY_TOLERANCE) * scale);

        P euclidean = newPoint();
        P euclideanHessian = newPoint();
        problem.euclideanGradient(x, euclidean);
        hessianPart(problem).apply(x, u, euclideanHessian);
        P aliased = newPoint();
        manifold.copy(u, aliased);
        manifold.euclideanToRiemannianHessian(x, euclidean, euclideanHessian, aliased, aliased);
        assertTrue(distanceAt(x, hessianU, aliased) <= tolerance(IDENTITY_TOLERANCE) * scale, "out may alias v");
        manifold.euclideanToRiemannianHessian(x, euclidean, euclideanHessian, u, euclideanHessian);
        assertTrue(distanceAt(x, hessianU, euclideanHessian) <= tolerance(IDENTITY_TOLERANCE) * scale,
                "out may alias the Euclidean Hessian-vector product");
    }

    /** The Hessian part of a problem from {@link #createProblem}, which must have one. */
    private EuclideanHessian<P> hessianPart(Problem<P> problem) {
        return problem.euclideanHessian().orElseThrow(
                () -> new AssertionError("createProblem must give a problem with a Euclidean Hessian part"));
    }

    private P riemannianHessian(Problem<P> problem, P x, P v) {
        P euclidean = newPoint();
        P euclideanHessian = newPoint();
        P out = newPoint();
        problem.euclideanGradient(x, euclidean);
        hessianPart(problem).apply(x, v, euclideanHessian);
        manifold.euclideanToRiemannianHessian(x, euclidean, euclideanHessian, v, out);
        return out;
    }

    private void gradientAlongCurve(Problem<P> problem, P x, P v, double t, P out) {
        P step = newPoint();
        P y = newPoint();
        P euclidean = newPoint();
        manifold.linearCombination(x, t, v, 0.0, v, step);
        manifold.retract(x, step, y);
        problem.euclideanGradient(y, euclidean);
        manifold.euclideanToRiemannianGradient(y, euclidean, out);
    }

    // ---- slopes ----------------------------------------------------------------------------

    private void assertSlopeAtLeast(double[] errors, double order, String what) {
        double largest = 0.0;
        for (double error : errors) {
            largest = Math.max(largest, error);
        }
        if (largest <= EXACT_TOLERANCE * toleranceScale()) {
            return;
        }
        double slope = fittedSlope(errors);
        assertTrue(slope >= order - SLOPE_TOLERANCE,
                what + ": log-log slope " + slope + " < " + order + "; errors " + describe(errors));
    }

    /**
     * Least-squares slope of {@code log(error)} against {@code log(t)}. Every grid here has
     * {@code count} steps spread evenly over two decades, and the slope depends on step ratios only.
     */
    private static double fittedSlope(double[] errors) {
        int count = errors.length;
        double meanX = 0.0;
        double meanY = 0.0;
        for (int k = 0; k < count; k++) {
            meanX += logStep(k, count);
            meanY += Math.log(Math.max(errors[k], Double.MIN_NORMAL));
        }
        meanX /= count;
        meanY /= count;
        double covariance = 0.0;
        double variance = 0.0;
        for (int k = 0; k < count; k++) {
            double dx = logStep(k, count) - meanX;
            covariance += dx * (Math.log(Math.max(errors[k], Double.MIN_NORMAL)) - meanY);
            variance += dx * dx;
        }
        return covariance / variance;
    }

    private static double logStep(int k, int count) {
        return -2.0 * Math.log(10.0) * k / (count - 1);
    }

    private static double[] logSpace(double fromExponent, double toExponent, int count) {
        double[] values = new double[count];
        for (int k = 0; k < count; k++) {
            values[k] = Math.pow(10.0, fromExponent + (toExponent - fromExponent) * k / (count - 1));
        }
        return values;
    }

    private static String describe(double[] errors) {
        StringBuilder text = new StringBuilder("[");
        for (int k = 0; k < errors.length; k++) {
            text.append(k == 0 ? "" : ", ").append(String.format("%.3e", errors[k]));
        }
        return text.append(']').toString();
    }
}
