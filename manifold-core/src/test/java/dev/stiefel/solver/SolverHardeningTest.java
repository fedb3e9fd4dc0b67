package dev.stiefel.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import dev.stiefel.manifold.Manifold;
import dev.stiefel.manifold.Retraction;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.manifold.StiefelRetraction;
import dev.stiefel.problem.ArrayRayleighQuotient;
import dev.stiefel.problem.BrockettProblem;
import dev.stiefel.problem.EuclideanHessian;
import dev.stiefel.problem.Preconditioner;
import dev.stiefel.problem.Problem;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the solvers do with input that could give silent wrong answers or unhelpful errors: a
 * retraction that leaves the manifold, a cost whose squared gradient norm overflows, options
 * that cannot mean anything, a bad preconditioner and absurd trust-region radii.
 */
class SolverHardeningTest {

    private static final int ROWS = 10;
    private static final int COLUMNS = 3;
    /** The scale of the overflow test: gradient norms near 1e154, whose squares overflow. */
    private static final double HUGE = 1e153;
    /** Relative gradient norm the scaled and the unscaled runs must reach. */
    private static final double RELATIVE_GRADIENT = 1e-7;
    /** Columns of the minimiser up to sign: gradient 1e-7 over an eigengap of order 1, with margin. */
    private static final double SOLUTION_TOLERANCE = 1e-5;
    private static final double COST_DIGITS = 1e-12;

    /** {@code R_X(V) = X + V}: first-order accurate, but its points drift off Stiefel. */
    static final StiefelRetraction SUM = new StiefelRetraction() {
        @Override
        public String name() {
            return "SUM";
        }

        @Override
        public <M> Retraction<M> bind(Stiefel<M> stiefel) {
            DenseKernels<M> kernels = stiefel.kernels();
            return new Retraction<>() {
                @Override
                public String name() {
                    return "SUM";
                }

                @Override
                public void retract(M x, M v, M out) {
                    kernels.addScaled(1.0, x, 1.0, v, out);
                }

                @Override
                public void close() {
                }
            };
        }
    };

    static Stream<Arguments> solvers() {
        Function<StoppingCriteria, Solver<DMatrixRMaj>> tr = s -> new TrustRegions<>(
                TrustRegionsOptions.defaults().withStopping(s));
        Function<StoppingCriteria, Solver<DMatrixRMaj>> cg = s -> new ConjugateGradient<>(
                ConjugateGradientOptions.defaults().withStopping(s));
        Function<StoppingCriteria, Solver<DMatrixRMaj>> sd = s -> new SteepestDescent<>(
                SteepestDescentOptions.defaults().withStopping(s));
        Function<StoppingCriteria, Solver<DMatrixRMaj>> lbfgs = s -> new RiemannianLbfgs<>(
                RiemannianLbfgsOptions.defaults().withStopping(s));
        return Stream.of(Arguments.of("trust-regions", tr), Arguments.of("conjugate-gradient", cg),
                Arguments.of("steepest-descent", sd), Arguments.of("rlbfgs", lbfgs));
    }

    private static DMatrixRMaj start(Stiefel<DMatrixRMaj> stiefel, long seed) {
        DMatrixRMaj x = stiefel.allocate();
        Stiefel.onCpu(ROWS, COLUMNS).randomPoint(new Random(seed), x);
        return x;
    }

    /**
     * With {@code R_X(V) = X + V} the iterates leave Stiefel and the cost falls below the true
     * minimum; the solver must say so instead of reporting the point with a step-size stop.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("solvers")
    void retractionLeavingTheManifoldIsReported(String name, Function<StoppingCriteria, Solver<DMatrixRMaj>> factory) {
        Stiefel<DMatrixRMaj> drifting = new Stiefel<>(Kernels.ejml(), ROWS, COLUMNS, SUM);
        BrockettProblem<DMatrixRMaj> problem = BrockettProblem.random(drifting, new Random(3));
        SolverResult<DMatrixRMaj> result;
        try {
            result = factory.apply(StoppingCriteria.defaults()).solve(problem, start(drifting, 4));
        } catch (IllegalArgumentException refused) {
            // the manifold's own argument checks caught the drifted point at the next operation
            assertTrue(refused.getMessage().contains("is not a point of the manifold"), refused::getMessage);
            return;
        }

        IllegalArgumentException offManifold = assertThrows(IllegalArgumentException.class,
                () -> drifting.checkPoint(result.point(), SolverSettings.DEFAULT_POINT_TOLERANCE),
                name + ": the retraction does leave the manifold here");
        assertTrue(offManifold.getMessage().contains("orthonormal"), offManifold.getMessage());
        assertEquals(StopReason.LEFT_MANIFOLD, result.stopReason(), name);
        assertFalse(result.converged());
    }

    /** The same solver with an honest retraction is not flagged (the check is the start point's). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("solvers")
    void retractionStayingOnTheManifoldIsNotFlagged(String name,
            Function<StoppingCriteria, Solver<DMatrixRMaj>> factory) {
        Stiefel<DMatrixRMaj> stiefel = Stiefel.onCpu(ROWS, COLUMNS);
        BrockettProblem<DMatrixRMaj> problem = BrockettProblem.random(stiefel, new Random(3));
        SolverResult<DMatrixRMaj> result = factory.apply(StoppingCriteria.defaults()).solve(problem,
                start(stiefel, 4));
        assertEquals(StopReason.GRADIENT_NORM, result.stopReason(), name);
    }

    /** {@code scale * f} with the derivatives of {@code f} scaled alike. */
    private static Problem<DMatrixRMaj> scaled(BrockettProblem<DMatrixRMaj> problem, double scale) {
        return Problem.of(problem.manifold(), x -> scale * problem.cost(x), (x, out) -> {
            problem.euclideanGradient(x, out);
            CommonOps_DDRM.scale(scale, out);
        }, (x, v, out) -> {
            problem.euclideanHessian().orElseThrow().apply(x, v, out);
            CommonOps_DDRM.scale(scale, out);
        });
    }

    /**
     * A Brockett cost times 1e153 has gradient norms near 1e154: every number is finite, only
     * squared norms and slopes overflow. Each solver reaches the same minimiser as on the
     * unscaled cost, with the cost and gradient norm scaled by 1e153.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("solvers")
    void costScaledBy1e153ReachesTheUnscaledMinimiser(String name,
            Function<StoppingCriteria, Solver<DMatrixRMaj>> factory) {
        Stiefel<DMatrixRMaj> stiefel = Stiefel.onCpu(ROWS, COLUMNS);
        BrockettProblem<DMatrixRMaj> problem = BrockettProblem.random(stiefel, new Random(3));
        DMatrixRMaj start = start(stiefel, 4);
        SolverResult<DMatrixRMaj> plain = factory.apply(StoppingCriteria.defaults()
                .withMinGradientNorm(RELATIVE_GRADIENT).withMaxIterations(20_000)).solve(problem, start);
        assertEquals(StopReason.GRADIENT_NORM, plain.stopReason(), name + " unscaled");

        Problem<DMatrixRMaj> huge = scaled(problem, HUGE);
        SolverResult<DMatrixRMaj> result = factory.apply(StoppingCriteria.defaults()
                .withMinGradientNorm(RELATIVE_GRADIENT * HUGE).withMaxIterations(20_000)).solve(huge, start);

        assertTrue(result.history().gradientNorm(0) > 1e153 && Double.isFinite(result.history().gradientNorm(0)),
                name + ": gradient norm at the start " + result.history().gradientNorm(0));
        assertEquals(StopReason.GRADIENT_NORM, result.stopReason(), name + ": " + result.summary());
        assertTrue(result.gradientNorm() < RELATIVE_GRADIENT * HUGE);
        assertEquals(HUGE * problem.cost(result.point()), result.cost(), COST_DIGITS * Math.abs(result.cost()),
                name + ": the reported cost is the scaled cost of the reported point");
        assertEquals(plain.cost() * HUGE, result.cost(), COST_DIGITS * Math.abs(result.cost()), name);
        double distance = 0;
        for (int j = 0; j < COLUMNS; j++) {
            double plus = 0;
            double minus = 0;
            for (int i = 0; i < ROWS; i++) {
                plus += Math.pow(result.point().get(i, j) - plain.point().get(i, j), 2);
                minus += Math.pow(result.point().get(i, j) + plain.point().get(i, j), 2);
            }
            distance = Math.max(distance, Math.sqrt(Math.min(plus, minus)));
        }
        assertTrue(distance < SOLUTION_TOLERANCE, name + ": distance to the unscaled minimiser " + distance);
    }

    @Test
    void pointToleranceOfOneOrMoreIsRejected() {
        for (double bad : new double[] {Double.POSITIVE_INFINITY, 1.0, 5.0, Double.NaN, 0.0}) {
            List<Runnable> constructions = List.of(() -> TrustRegionsOptions.defaults().withPointTolerance(bad),
                    () -> ConjugateGradientOptions.defaults().withPointTolerance(bad),
                    () -> SteepestDescentOptions.defaults().withPointTolerance(bad),
                    () -> RiemannianLbfgsOptions.defaults().withPointTolerance(bad),
                    () -> SolverSettings.defaults().withPointTolerance(bad));
            for (Runnable construction : constructions) {
                IllegalArgumentException error = assertThrows(IllegalArgumentException.class, construction::run,
                        "pointTolerance " + bad);
                assertTrue(error.getMessage().contains("pointTolerance must be in (0, 1)"), error.getMessage());
            }
        }
        // Below one the zero vector, which the infinite tolerance let through, is rejected.
        ArrayRayleighQuotient problem = new ArrayRayleighQuotient(SphereSolversTest.randomSymmetric(4,
                new Random(1)), false, true);
        Solver<double[]> loose = new TrustRegions<>(TrustRegionsOptions.defaults().withPointTolerance(0.999));
        assertThrows(IllegalArgumentException.class, () -> loose.solve(problem, new double[4]));
    }

    @Test
    void lbfgsMemoryBeyondTheCapIsRejected() {
        for (int bad : new int[] {RiemannianLbfgsOptions.MAX_MEMORY + 1, 100_000, Integer.MAX_VALUE, -1}) {
            IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                    () -> RiemannianLbfgsOptions.defaults().withMemory(bad));
            assertTrue(error.getMessage().contains("memory must be in [0, " + RiemannianLbfgsOptions.MAX_MEMORY + "]"),
                    error.getMessage());
        }
    }

    /**
     * On a manifold of dimension d at most d pairs are stored: the largest memory the options
     * accept runs exactly as memory d (same trace, bit for bit) instead of allocating
     * {@code 2 * MAX_MEMORY} tangent vectors.
     */
    @Test
    void lbfgsMemoryBeyondTheDimensionRunsAsMemoryEqualToTheDimension() {
        int n = 8;
        ArrayRayleighQuotient problem = new ArrayRayleighQuotient(SphereSolversTest.randomSymmetric(n,
                new Random(2)), false, true);
        int dimension = problem.manifold().dimension();
        double[] start = problem.manifold().allocate();
        problem.manifold().randomPoint(new Random(3), start);
        StoppingCriteria stopping = StoppingCriteria.defaults().withMinGradientNorm(1e-12).withMaxIterations(200);
        RiemannianLbfgs<double[]> huge = new RiemannianLbfgs<>(RiemannianLbfgsOptions.defaults()
                .withStopping(stopping).withMemory(RiemannianLbfgsOptions.MAX_MEMORY));
        RiemannianLbfgs<double[]> exact = new RiemannianLbfgs<>(RiemannianLbfgsOptions.defaults()
                .withStopping(stopping).withMemory(dimension));
        RiemannianLbfgs<double[]> smaller = new RiemannianLbfgs<>(RiemannianLbfgsOptions.defaults()
                .withStopping(stopping).withMemory(dimension - 4));
        double[] hugeCosts = huge.solve(problem, start).history().costs();
        double[] exactCosts = exact.solve(problem, start).history().costs();
        double[] smallerCosts = smaller.solve(problem, start).history().costs();
        assertEquals(dimension, huge.memoryCapacity());
        assertTrue(hugeCosts.length > dimension + 2, "the run stores more pairs than the dimension");
        assertTrue(java.util.Arrays.equals(exactCosts, hugeCosts), "memory " + RiemannianLbfgsOptions.MAX_MEMORY
                + " and memory " + dimension + " run alike");
        assertFalse(java.util.Arrays.equals(exactCosts, smallerCosts), "a smaller memory does change the run");
    }

    /** {@code x^T D x / 2 - b^T x} on R^n with a preconditioner that returns what it is given. */
    private static final class BadPreconditioner implements Problem<DMatrixRMaj> {
        private final dev.stiefel.manifold.Euclidean<DMatrixRMaj> space = dev.stiefel.manifold.Euclidean.onCpu(6, 1);
        private final double output;

        BadPreconditioner(double output) {
            this.output = output;
        }

        @Override
        public Manifold<DMatrixRMaj> manifold() {
            return space;
        }

        @Override
        public double cost(DMatrixRMaj x) {
            double sum = 0;
            for (int i = 0; i < 6; i++) {
                sum += 0.5 * (i + 1) * x.get(i, 0) * x.get(i, 0) - x.get(i, 0);
            }
            return sum;
        }

        @Override
        public void euclideanGradient(DMatrixRMaj x, DMatrixRMaj out) {
            for (int i = 0; i < 6; i++) {
                out.set(i, 0, (i + 1) * x.get(i, 0) - 1);
            }
        }

        @Override
        public Optional<EuclideanHessian<DMatrixRMaj>> euclideanHessian() {
            return Optional.of(this::hessian);
        }

        private void hessian(DMatrixRMaj x, DMatrixRMaj v, DMatrixRMaj out) {
            for (int i = 0; i < 6; i++) {
                out.set(i, 0, (i + 1) * v.get(i, 0));
            }
        }

        /** NaN everywhere, or {@code output * v} (negative: not positive definite). */
        @Override
        public Optional<Preconditioner<DMatrixRMaj>> preconditioner() {
            return Optional.of(this::precondition);
        }

        private void precondition(DMatrixRMaj x, DMatrixRMaj v, DMatrixRMaj out) {
            for (int i = 0; i < 6; i++) {
                out.set(i, 0, Double.isNaN(output) ? Double.NaN : output * v.get(i, 0));
            }
        }
    }

    @Test
    void badPreconditionerIsNamed() {
        for (double output : new double[] {Double.NaN, -1.0}) {
            BadPreconditioner problem = new BadPreconditioner(output);
            for (Solver<DMatrixRMaj> solver : List.<Solver<DMatrixRMaj>>of(new TrustRegions<>(),
                    new ConjugateGradient<>())) {
                IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                        () -> solver.solve(problem, problem.manifold().allocate()), solver + ", output " + output);
                assertTrue(error.getMessage().contains("preconditioner"), error.getMessage());
                assertTrue(error.getMessage().contains("positive-definite"), error.getMessage());
            }
        }
    }

    @Test
    void trustRadiusMustBeFinitePositiveAndBounded() {
        TrustRegionsOptions defaults = TrustRegionsOptions.defaults();
        for (double bad : new double[] {1e300, TrustRegionsOptions.MAX_RADIUS * 2, 0, -1, Double.POSITIVE_INFINITY}) {
            IllegalArgumentException initial = assertThrows(IllegalArgumentException.class,
                    () -> defaults.withInitialRadius(bad));
            assertTrue(initial.getMessage().contains("initialRadius"), initial.getMessage());
            IllegalArgumentException maximal = assertThrows(IllegalArgumentException.class,
                    () -> defaults.withMaximalRadius(bad));
            assertTrue(maximal.getMessage().contains("maximalRadius"), maximal.getMessage());
        }
        IllegalArgumentException order = assertThrows(IllegalArgumentException.class,
                () -> defaults.withMaximalRadius(1).withInitialRadius(2));
        assertTrue(order.getMessage().contains("must not exceed"), order.getMessage());

        // The default maximal radius is the manifold's typical distance, known at solve time only.
        Stiefel<DMatrixRMaj> stiefel = Stiefel.onCpu(ROWS, COLUMNS);
        BrockettProblem<DMatrixRMaj> problem = BrockettProblem.random(stiefel, new Random(3));
        TrustRegions<DMatrixRMaj> solver = new TrustRegions<>(defaults.withInitialRadius(100));
        IllegalArgumentException atSolve = assertThrows(IllegalArgumentException.class,
                () -> solver.solve(problem, start(stiefel, 4)));
        assertTrue(atSolve.getMessage().contains("initialRadius 100.0 must not exceed"), atSolve.getMessage());
        assertTrue(atSolve.getMessage().contains("typicalDistance"), atSolve.getMessage());
        assertEquals(StopReason.GRADIENT_NORM,
                new TrustRegions<DMatrixRMaj>(defaults.withInitialRadius(1)).solve(problem, start(stiefel, 4))
                        .stopReason());
    }
}
