package dev.stiefel.etf;

import dev.stiefel.testkit.TestMatrices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.solver.StopReason;
import dev.stiefel.solver.StoppingCriteria;
import dev.stiefel.solver.TrustRegions;
import dev.stiefel.solver.TrustRegionsOptions;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Riemannian solvers against the closed form (docs/mathematics.md section 2): for d > C trust regions and
 * conjugate gradients reach the polar factor from any start; for d = C the closed form is
 * global while trust regions can stop at a worse stationary point of the other component.
 */
class RiemannianSolverTest {

    /** The trust-region solution equals the closed form to 1e-8. */
    private static final double SOLUTION_TOLERANCE = 1e-8;
    /** Trust regions converge superlinearly here; far fewer outer iterations than this. */
    private static final int ITERATION_BOUND = 200;
    private static final double COST_TOLERANCE = 1e-12;
    private static final double STATIONARY_GRADIENT = 1e-9;
    private static final int SQUARE_STARTS = 20;
    /** Gradient norm about 1e-10 over a smallest Hessian eigenvalue about delta = 1e-3. */
    private static final double CONJUGATE_GRADIENT_TOLERANCE = 1e-6;
    private static final double CONJUGATE_GRADIENT_STATIONARITY = 1e-9;
    /** R-LBFGS stops at this gradient norm. */
    private static final double LBFGS_GRADIENT = 1e-10;
    /** Gradient norm 1e-10 over a smallest Hessian eigenvalue about delta = 1e-3, with margin. */
    private static final double LBFGS_SOLUTION_TOLERANCE = 1e-6;

    private final DenseKernels<DMatrixRMaj> kernels = Kernels.cpu();

    private NearestEtf<DMatrixRMaj> solver(int dimension, int numClasses, EtfSolverMethod method) {
        return new NearestEtf<>(kernels, Stiefel.onCpu(dimension, numClasses), dimension, numClasses,
                EtfOptions.defaults().withMethod(method));
    }

    /**
     * Problem (7) with a Haar-random {@code Uprox}, from the canonical start (when asked) and
     * from {@code randomStarts} Haar starts. The large cases use one start each (random for
     * C = 100, canonical for C = 200) to keep the suite short on two shared cores.
     */
    @ParameterizedTest
    @CsvSource({"10, 512, true, 2, 1", "100, 1024, false, 1, 2", "200, 1024, true, 0, 3"})
    void trustRegionsReachTheClosedFormFromCanonicalAndRandomStarts(int numClasses, int dimension,
            boolean canonicalStart, int randomStarts, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        NearestEtf<DMatrixRMaj> closedForm = solver(dimension, numClasses, EtfSolverMethod.CLOSED_FORM);
        NearestEtf<DMatrixRMaj> trustRegions = solver(dimension, numClasses, EtfSolverMethod.TRUST_REGIONS);
        DMatrixRMaj means = NearestEtfClosedFormTest.normalisedMeans(dimension, numClasses, random);
        DMatrixRMaj proximal = TestMatrices.haarStiefel(dimension, numClasses, random);
        DMatrixRMaj expected = new DMatrixRMaj(dimension, numClasses);
        double expectedCost = closedForm.solve(means, proximal, null, expected).cost();
        DMatrixRMaj solution = new DMatrixRMaj(dimension, numClasses);
        for (int start = canonicalStart ? 0 : 1; start <= randomStarts; start++) {
            DMatrixRMaj startPoint = start == 0 ? closedForm.startPoint(new DMatrixRMaj(dimension, numClasses))
                    : TestMatrices.haarStiefel(dimension, numClasses, random);
            EtfSolveResult result = trustRegions.solve(means, proximal, startPoint, solution);
            assertEquals(EtfSolverMethod.TRUST_REGIONS, result.method());
            assertEquals(StopReason.GRADIENT_NORM, result.stopReason(), () -> "stopped by " + result.stopReason());
            assertTrue(result.iterations() > 0 && result.iterations() < ITERATION_BOUND,
                    () -> "trust-region iterations " + result.iterations());
            double distance = TestMatrices.maxAbsDifference(solution, expected);
            assertTrue(NormOps_DDRM.normF(subtract(solution, expected)) < SOLUTION_TOLERANCE,
                    () -> "distance to the closed form " + distance);
            assertEquals(expectedCost, result.cost(), COST_TOLERANCE);
        }
    }

    @Test
    void conjugateGradientsReachTheClosedForm() {
        SplittableRandom random = new SplittableRandom(4);
        int dimension = 64;
        int numClasses = 10;
        NearestEtf<DMatrixRMaj> closedForm = solver(dimension, numClasses, EtfSolverMethod.CLOSED_FORM);
        NearestEtf<DMatrixRMaj> conjugateGradient = solver(dimension, numClasses, EtfSolverMethod.CONJUGATE_GRADIENT);
        DMatrixRMaj means = NearestEtfClosedFormTest.normalisedMeans(dimension, numClasses, random);
        DMatrixRMaj proximal = TestMatrices.haarStiefel(dimension, numClasses, random);
        DMatrixRMaj expected = new DMatrixRMaj(dimension, numClasses);
        closedForm.solve(means, proximal, null, expected);
        DMatrixRMaj solution = closedForm.startPoint(new DMatrixRMaj(dimension, numClasses));
        EtfSolveResult result = conjugateGradient.solve(means, proximal, solution, solution);
        // the line search resolves cost decreases only down to rounding of f ~ 0.1, so CG may stop
        // on the step size near gradient norm 1e-10 rather than at 1e-12
        assertTrue(result.stopReason() == StopReason.GRADIENT_NORM || result.stopReason() == StopReason.STEP_SIZE,
                () -> "stopped by " + result.stopReason());
        assertTrue(result.gradientNorm() < CONJUGATE_GRADIENT_STATIONARITY, () -> result.toString());
        assertTrue(result.iterations() > 0);
        assertTrue(NormOps_DDRM.normF(subtract(solution, expected)) < CONJUGATE_GRADIENT_TOLERANCE);
    }

    /**
     * R-LBFGS on problem (7) (Huang, Absil, Gallivan 2018): gradient norm below 1e-8 and the
     * polar factor of the closed form, to the accuracy that gradient norm over the smallest
     * Hessian eigenvalue (about delta) allows.
     */
    @ParameterizedTest
    @CsvSource({"64, 10, 6", "512, 10, 7", "100, 40, 8"})
    void riemannianLbfgsReachesTheClosedForm(int dimension, int numClasses, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        NearestEtf<DMatrixRMaj> closedForm = solver(dimension, numClasses, EtfSolverMethod.CLOSED_FORM);
        try (NearestEtf<DMatrixRMaj> lbfgs = new NearestEtf<>(kernels, Stiefel.onCpu(dimension, numClasses), dimension,
                numClasses, EtfOptions.defaults().withMethod(EtfSolverMethod.RIEMANNIAN_LBFGS)
                        .withSolverStopping(5000, LBFGS_GRADIENT).withRecordHistory(true))) {
            DMatrixRMaj means = NearestEtfClosedFormTest.normalisedMeans(dimension, numClasses, random);
            DMatrixRMaj proximal = TestMatrices.haarStiefel(dimension, numClasses, random);
            DMatrixRMaj expected = new DMatrixRMaj(dimension, numClasses);
            double expectedCost = closedForm.solve(means, proximal, null, expected).cost();
            DMatrixRMaj solution = new DMatrixRMaj(dimension, numClasses);
            DMatrixRMaj start = TestMatrices.haarStiefel(dimension, numClasses, random);
            EtfSolveResult result = lbfgs.solve(means, proximal, start, solution);
            assertEquals(EtfSolverMethod.RIEMANNIAN_LBFGS, result.method());
            assertEquals(StopReason.GRADIENT_NORM, result.stopReason(), result::summary);
            assertTrue(result.gradientNorm() < 1e-8);
            double distance = NormOps_DDRM.normF(subtract(solution, expected));
            assertTrue(distance < LBFGS_SOLUTION_TOLERANCE, () -> "distance to the closed form " + distance);
            assertEquals(expectedCost, result.cost(), COST_TOLERANCE);
            assertEquals(result.iterations() + 1, result.history().size());
            assertEquals(result.cost(), result.history().cost(result.iterations()), 0.0);
            assertTrue(result.gradientEvaluations() >= result.iterations() && result.elapsedSeconds() > 0);
        }
    }

    @Test
    void closedFormResultsSayExactAndCarryNoHistory() {
        SplittableRandom random = new SplittableRandom(9);
        NearestEtf<DMatrixRMaj> closedForm = solver(20, 5, EtfSolverMethod.CLOSED_FORM);
        DMatrixRMaj solution = new DMatrixRMaj(20, 5);
        EtfSolveResult result = closedForm.solve(NearestEtfClosedFormTest.normalisedMeans(20, 5, random),
                TestMatrices.haarStiefel(20, 5, random), null, solution);
        assertEquals(StopReason.EXACT, result.stopReason());
        assertTrue(result.converged());
        assertEquals(0, result.iterations());
        assertEquals(0, result.history().size());
        assertEquals(1, result.costEvaluations());
        assertEquals(0, result.gradientEvaluations() + result.hessianEvaluations());
        assertTrue(result.elapsedSeconds() >= 0);
        assertTrue(result.summary().startsWith("CLOSED_FORM: EXACT"), result.summary());
    }

    /**
     * A solver given to the constructor (here trust regions with a finite-difference Hessian, a
     * configuration no {@link EtfSolverMethod} builds) runs in place of the options' method,
     * reaches the closed form, reports {@link EtfSolverMethod#GIVEN_SOLVER}, and is closed with
     * the NearestEtf.
     */
    @Test
    void givenSolverRunsInPlaceOfTheOptionsMethod() {
        SplittableRandom random = new SplittableRandom(13);
        int dimension = 48;
        int numClasses = 6;
        NearestEtf<DMatrixRMaj> closedForm = solver(dimension, numClasses, EtfSolverMethod.CLOSED_FORM);
        TrustRegions<DMatrixRMaj> given = new TrustRegions<>(TrustRegionsOptions.defaults()
                .withFiniteDifferenceHessian(true).withStopping(StoppingCriteria.defaults().withMinGradientNorm(1e-11))
                .withRecordHistory(true));
        NearestEtf<DMatrixRMaj> withGiven = new NearestEtf<>(kernels, Stiefel.onCpu(dimension, numClasses), dimension,
                numClasses, EtfOptions.defaults(), given);
        DMatrixRMaj means = NearestEtfClosedFormTest.normalisedMeans(dimension, numClasses, random);
        DMatrixRMaj proximal = TestMatrices.haarStiefel(dimension, numClasses, random);
        DMatrixRMaj expected = new DMatrixRMaj(dimension, numClasses);
        double expectedCost = closedForm.solve(means, proximal, null, expected).cost();
        DMatrixRMaj solution = new DMatrixRMaj(dimension, numClasses);

        EtfSolveResult result = withGiven.solve(means, proximal, TestMatrices.haarStiefel(dimension, numClasses,
                random), solution);

        assertEquals(EtfSolverMethod.GIVEN_SOLVER, result.method());
        assertEquals(StopReason.GRADIENT_NORM, result.stopReason(), result::summary);
        assertTrue(result.history().size() > 1, "the given solver's own options (a history) apply");
        assertTrue(result.gradientEvaluations() > result.iterations() + 1,
                "finite-difference Hessian products cost gradients: " + result.summary());
        assertTrue(NormOps_DDRM.normF(subtract(solution, expected)) < SOLUTION_TOLERANCE);
        assertEquals(expectedCost, result.cost(), COST_TOLERANCE);
        withGiven.close();
        IllegalStateException closed = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> given.solve(withGiven.problem(), expected));
        assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
    }

    @Test
    void givenSolverIsNoMethodTheOptionsCanBuild() {
        IllegalArgumentException error = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> solver(12, 4, EtfSolverMethod.GIVEN_SOLVER));
        assertTrue(error.getMessage().contains("NearestEtf constructor"), error.getMessage());
        NearestEtf<DMatrixRMaj> closedForm = new NearestEtf<>(kernels, Stiefel.onCpu(12, 4), 12, 4,
                EtfOptions.defaults().withMethod(EtfSolverMethod.TRUST_REGIONS), null);
        SplittableRandom random = new SplittableRandom(14);
        EtfSolveResult result = closedForm.solve(NearestEtfClosedFormTest.normalisedMeans(12, 4, random),
                TestMatrices.haarStiefel(12, 4, random), null, new DMatrixRMaj(12, 4));
        assertEquals(EtfSolverMethod.CLOSED_FORM, result.method(), "a null solver is the closed form");
    }

    @Test
    void closedSolversRefuseToWork() {
        NearestEtf<DMatrixRMaj> trustRegions = solver(12, 4, EtfSolverMethod.TRUST_REGIONS);
        trustRegions.close();
        trustRegions.close();
        SplittableRandom random = new SplittableRandom(10);
        DMatrixRMaj point = TestMatrices.haarStiefel(12, 4, random);
        IllegalStateException error = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> trustRegions.solve(NearestEtfClosedFormTest.normalisedMeans(12, 4, random), point, point,
                        new DMatrixRMaj(12, 4)));
        assertTrue(error.getMessage().contains("closed"), error.getMessage());
    }

    @Test
    void unregularisedTrustRegionsGiveTheClosedFormClassifier() {
        SplittableRandom random = new SplittableRandom(5);
        int dimension = 40;
        int numClasses = 8;
        NearestEtf<DMatrixRMaj> closedForm = solver(dimension, numClasses, EtfSolverMethod.CLOSED_FORM);
        NearestEtf<DMatrixRMaj> trustRegions = solver(dimension, numClasses, EtfSolverMethod.TRUST_REGIONS);
        DMatrixRMaj means = NearestEtfClosedFormTest.normalisedMeans(dimension, numClasses, random);
        DMatrixRMaj start = TestMatrices.haarStiefel(dimension, numClasses, random);
        DMatrixRMaj expected = new DMatrixRMaj(dimension, numClasses);
        closedForm.solveUnregularised(means, start, expected);
        DMatrixRMaj solution = new DMatrixRMaj(dimension, numClasses);
        EtfSolveResult result = trustRegions.solveUnregularised(means, start, solution);
        assertEquals(StopReason.GRADIENT_NORM, result.stopReason());
        DMatrixRMaj centring = SimplexEtf.centring(numClasses, new DMatrixRMaj(1, 1));
        DMatrixRMaj expectedClassifier = new DMatrixRMaj(dimension, numClasses);
        DMatrixRMaj classifier = new DMatrixRMaj(dimension, numClasses);
        CommonOps_DDRM.mult(expected, centring, expectedClassifier);
        CommonOps_DDRM.mult(solution, centring, classifier);
        // (6) is degenerate along U 1 only; its classifier is unique (Hessian singular there, hence the looser bound)
        assertTrue(NormOps_DDRM.normF(subtract(classifier, expectedClassifier)) < 1e-6);
    }

    /**
     * d = C: St(C, C) = O(C) has two components (det = +1, -1) and a retraction never leaves
     * the start's component. The closed form is global: its cost is at most every trust-region
     * result; starts of the other determinant sign end at a strictly worse stationary point.
     */
    @ParameterizedTest
    @CsvSource({"5, 11", "10, 12"})
    void squareCaseClosedFormIsGlobalAndTrustRegionsCanStopAtAWorseStationaryPoint(int numClasses, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        NearestEtf<DMatrixRMaj> closedForm = solver(numClasses, numClasses, EtfSolverMethod.CLOSED_FORM);
        NearestEtf<DMatrixRMaj> trustRegions = solver(numClasses, numClasses, EtfSolverMethod.TRUST_REGIONS);
        DMatrixRMaj means = NearestEtfClosedFormTest.normalisedMeans(numClasses, numClasses, random);
        DMatrixRMaj proximal = TestMatrices.haarStiefel(numClasses, numClasses, random);
        DMatrixRMaj global = new DMatrixRMaj(numClasses, numClasses);
        double globalCost = closedForm.solve(means, proximal, null, global).cost();
        double globalSign = Math.signum(CommonOps_DDRM.det(global));
        DMatrixRMaj solution = new DMatrixRMaj(numClasses, numClasses);
        int worse = 0;
        for (int start = 0; start < SQUARE_STARTS; start++) {
            DMatrixRMaj startPoint = TestMatrices.haarStiefel(numClasses, numClasses, random);
            double startSign = Math.signum(CommonOps_DDRM.det(startPoint));
            EtfSolveResult result = trustRegions.solve(means, proximal, startPoint, solution);
            assertTrue(result.gradientNorm() < STATIONARY_GRADIENT, () -> "not stationary: " + result);
            assertTrue(globalCost <= result.cost() + COST_TOLERANCE);
            assertEquals(startSign, Math.signum(CommonOps_DDRM.det(solution)), 0.0);
            if (startSign == globalSign) {
                assertTrue(NormOps_DDRM.normF(subtract(solution, global)) < SOLUTION_TOLERANCE);
            } else {
                assertTrue(result.cost() > globalCost + 1e-6, () -> "expected a worse local optimum: " + result);
                worse++;
            }
        }
        assertTrue(worse > 0, "some seeded start of the other component");
    }

    private static DMatrixRMaj subtract(DMatrixRMaj a, DMatrixRMaj b) {
        DMatrixRMaj out = new DMatrixRMaj(a.numRows, a.numCols);
        CommonOps_DDRM.subtract(a, b, out);
        return out;
    }
}
