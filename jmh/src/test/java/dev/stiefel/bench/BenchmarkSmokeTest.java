package dev.stiefel.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.stiefel.cuda.CudaBackends;
import dev.stiefel.kernel.OpenBlasKernels;
import dev.stiefel.solver.SolverResult;
import dev.stiefel.solver.StopReason;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs every benchmark body once at a tiny size, as JMH would after {@code @Setup}, and checks
 * that each measures what it claims: outputs are points of the manifold, the solvers really
 * converge to the closed form, and the backward methods being compared agree. Times nothing.
 */
class BenchmarkSmokeTest {

    /** A size where every method, the dense backward included, runs in milliseconds. */
    private static final String TINY = "24x5";
    /** Orthonormality of a computed point. */
    private static final double ORTHONORMALITY_TOLERANCE = 1e-12;
    /**
     * Agreement of two solvers or backward methods for the same problem (7). The Hessian's
     * smallest eigenvalue is about delta = 1e-3, so a solver stopped at gradient norm g is
     * about g / delta from the solution.
     */
    private static final double AGREEMENT_TOLERANCE = 1e-7;

    private static void requireBackend(String backend) {
        assumeTrue(!backend.equals(CpuBackends.OPENBLAS) || OpenBlasKernels.isAvailable(),
                "OpenBLAS natives not available here");
    }

    private static double orthonormalityError(DMatrixRMaj x) {
        DMatrixRMaj gram = new DMatrixRMaj(x.numCols, x.numCols);
        CommonOps_DDRM.multTransA(x, x, gram);
        for (int i = 0; i < x.numCols; i++) {
            gram.add(i, i, -1.0);
        }
        return NormOps_DDRM.normF(gram);
    }

    private static double relativeDifference(DMatrixRMaj a, DMatrixRMaj b) {
        DMatrixRMaj difference = new DMatrixRMaj(a.numRows, a.numCols);
        CommonOps_DDRM.subtract(a, b, difference);
        return NormOps_DDRM.normF(difference) / NormOps_DDRM.normF(b);
    }

    @Test
    void sizeParsesPairsAndRejectsMalformedText() {
        assertEquals(new Size(1024, 100), Size.parse("1024x100"));
        assertThrows(IllegalArgumentException.class, () -> Size.parse("1024"));
        assertThrows(IllegalArgumentException.class, () -> Size.parse("axb"));
        assertThrows(IllegalArgumentException.class, () -> Size.parse("10x20"));
    }

    @Test
    void unknownBackendIsRejectedByName() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> CpuBackends.create("mkl"));
        assertTrue(error.getMessage().contains("mkl"), error.getMessage());
    }

    @Test
    void denseBackwardIsSkippedWithItsMemoryEstimateAtPaperSizes() {
        IllegalStateException error = assertThrows(IllegalStateException.class,
                () -> DenseBackwardBudget.requireFits(Size.parse("1024x10")));
        assertTrue(error.getMessage().contains("GiB"), error.getMessage());
        DenseBackwardBudget.requireFits(Size.parse(TINY));
    }

    @ParameterizedTest
    @ValueSource(strings = {CpuBackends.EJML, CpuBackends.OPENBLAS})
    void denseKernelsBenchmarkProducesAPolarFactorAndAQFactor(String backend) {
        requireBackend(backend);
        DenseKernelsBenchmark benchmark = new DenseKernelsBenchmark();
        benchmark.size = TINY;
        benchmark.backend = backend;
        benchmark.setup();
        benchmark.polar();
        benchmark.qrPositive();
        benchmark.svdThin();
        benchmark.gram();
        assertTrue(orthonormalityError(benchmark.polarOut) < ORTHONORMALITY_TOLERANCE);
        assertTrue(orthonormalityError(benchmark.qOut) < ORTHONORMALITY_TOLERANCE);
    }

    @ParameterizedTest
    @ValueSource(strings = {CpuBackends.EJML, CpuBackends.OPENBLAS})
    void everyRetractionBenchmarkLandsOnTheManifold(String backend) {
        requireBackend(backend);
        StiefelRetractionBenchmark benchmark = new StiefelRetractionBenchmark();
        benchmark.size = TINY;
        benchmark.backend = backend;
        benchmark.setup();
        for (Runnable retraction : new Runnable[] {benchmark::retractQr, benchmark::retractPolar,
            benchmark::retractCayley, benchmark::retractExponential}) {
            CommonOps_DDRM.fill(benchmark.out, Double.NaN);
            retraction.run();
            assertTrue(orthonormalityError(benchmark.out) < ORTHONORMALITY_TOLERANCE);
        }
        benchmark.projectToTangent();
        benchmark.transport();
        // a transported vector is tangent at the target: Y^T V + V^T Y = 0
        DMatrixRMaj product = new DMatrixRMaj(benchmark.out.numCols, benchmark.out.numCols);
        CommonOps_DDRM.multTransA(benchmark.target, benchmark.out, product);
        DMatrixRMaj symmetric = new DMatrixRMaj(product.numRows, product.numCols);
        CommonOps_DDRM.transpose(product, symmetric);
        CommonOps_DDRM.addEquals(symmetric, product);
        assertTrue(NormOps_DDRM.normF(symmetric) < ORTHONORMALITY_TOLERANCE);
    }

    @ParameterizedTest
    @ValueSource(strings = {CpuBackends.EJML, CpuBackends.OPENBLAS})
    void solverBenchmarksIterateAsCappedAndConvergeToTheClosedForm(String backend) {
        requireBackend(backend);
        SolverBenchmark benchmark = new SolverBenchmark();
        benchmark.size = TINY;
        benchmark.backend = backend;
        benchmark.setup();
        assertEquals(0, benchmark.trustRegionsStart().iterations());
        assertEquals(0, benchmark.conjugateGradientStart().iterations());
        assertEquals(1, benchmark.trustRegionsIteration().iterations());
        assertEquals(1, benchmark.conjugateGradientIteration().iterations());
        for (SolverResult<DMatrixRMaj> result : java.util.List.of(benchmark.trustRegionsWarmSolve(),
                benchmark.conjugateGradientWarmSolve())) {
            // Near float64's floor the steps can fall below minStepSize = 1e-10 before the gradient
            // norm falls below 1e-12; either way the solve has converged, which the distance checks.
            assertTrue(result.stopReason() == StopReason.GRADIENT_NORM || result.stopReason() == StopReason.STEP_SIZE,
                    result.stopReason() + " after " + result.iterations() + " iterations, gradient norm "
                            + result.gradientNorm());
            assertTrue(relativeDifference(result.point(), benchmark.etf.solution) < AGREEMENT_TOLERANCE,
                    result.stopReason() + ", distance " + relativeDifference(result.point(), benchmark.etf.solution));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {CpuBackends.EJML, CpuBackends.OPENBLAS})
    void nearestEtfForwardAndBackwardMethodsAgree(String backend) {
        requireBackend(backend);
        NearestEtfBenchmark benchmark = new NearestEtfBenchmark();
        NearestEtfBenchmark.Paper paper = new NearestEtfBenchmark.Paper();
        paper.size = TINY;
        paper.backend = backend;
        paper.setup();
        benchmark.forwardClosedForm(paper);
        DMatrixRMaj closedForm = paper.out.copy();
        benchmark.forwardTrustRegions(paper);
        assertTrue(relativeDifference(paper.out, closedForm) < AGREEMENT_TOLERANCE);
        benchmark.forwardConjugateGradient(paper);
        assertTrue(relativeDifference(paper.out, closedForm) < AGREEMENT_TOLERANCE);
        DMatrixRMaj closedFormGradient = benchmark.backwardClosedForm(paper).copy();
        DMatrixRMaj matrixFreeGradient = benchmark.backwardMatrixFree(paper).copy();
        assertTrue(relativeDifference(matrixFreeGradient, closedFormGradient) < AGREEMENT_TOLERANCE);

        NearestEtfBenchmark.Small small = new NearestEtfBenchmark.Small();
        small.denseSize = TINY;
        small.backend = backend;
        small.setup();
        DMatrixRMaj denseGradient = benchmark.backwardDense(small).copy();
        DMatrixRMaj smallClosedForm = benchmark.backwardClosedFormSmall(small).copy();
        DMatrixRMaj smallMatrixFree = benchmark.backwardMatrixFreeSmall(small).copy();
        assertTrue(relativeDifference(denseGradient, smallClosedForm) < AGREEMENT_TOLERANCE);
        assertTrue(relativeDifference(smallMatrixFree, smallClosedForm) < AGREEMENT_TOLERANCE);

        NearestEtfBenchmark.Kronecker kronecker = new NearestEtfBenchmark.Kronecker();
        kronecker.kroneckerSize = TINY;
        kronecker.backend = backend;
        kronecker.setup();
        DMatrixRMaj kroneckerGradient = benchmark.backwardDenseKronecker(kronecker).copy();
        assertTrue(relativeDifference(kroneckerGradient, smallClosedForm) < AGREEMENT_TOLERANCE);
    }

    @ParameterizedTest
    @ValueSource(strings = {TrainingStepBenchmark.STANDARD, TrainingStepBenchmark.FIXED,
        TrainingStepBenchmark.IMPLICIT, TrainingStepBenchmark.IMPLICIT_FORWARD_ONLY})
    void trainingStepOfEachHeadReturnsAFiniteLoss(String head) {
        TrainingStepBenchmark benchmark = new TrainingStepBenchmark();
        benchmark.ufm = "UFM_10";
        benchmark.head = head;
        benchmark.backend = CpuBackends.EJML;
        benchmark.setup();
        double first = benchmark.step();
        double second = benchmark.step();
        assertTrue(Double.isFinite(first) && first > 0, "loss " + first);
        assertTrue(Double.isFinite(second) && second > 0, "loss " + second);
    }

    @Test
    void paperDenseBackwardIsRefusedWithItsMemoryFigureAtCTwoHundred() {
        NearestEtfBenchmark.Kronecker kronecker = new NearestEtfBenchmark.Kronecker();
        kronecker.kroneckerSize = "1024x200";
        kronecker.backend = CpuBackends.EJML;
        IllegalStateException error = assertThrows(IllegalStateException.class, kronecker::setup);
        assertTrue(error.getMessage().contains("GB"), error.getMessage());
    }

    @Test
    void cudaBenchmarkSkipsWithTheLoaderReportWithoutADevice() throws Exception {
        assumeTrue(CudaBackends.load().binding().isEmpty(), "a CUDA device is present: nothing to skip");
        CudaBenchmark.Direct state = new CudaBenchmark.Direct();
        state.size = TINY;
        state.precision = "FLOAT64";
        IllegalStateException error = assertThrows(IllegalStateException.class, state::setup);
        assertTrue(error.getMessage().contains("no CUDA"), error.getMessage());
        state.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"rlbfgs", "trust-regions", "conjugate-gradient"})
    void brockettSolversReachTheKnownMinimum(String solver) {
        BrockettSolversBenchmark benchmark = new BrockettSolversBenchmark();
        benchmark.size = TINY;
        benchmark.solver = solver;
        benchmark.backend = CpuBackends.EJML;
        benchmark.setup();
        SolverResult<DMatrixRMaj> result = benchmark.solve();
        int p = Size.parse(TINY).cols();
        double minimum = 0;
        for (int j = 0; j < p; j++) {
            minimum += (p - j) * (j + 1.0);
        }
        assertEquals(StopReason.GRADIENT_NORM, result.stopReason(), result::summary);
        assertEquals(minimum, result.cost(), 1e-10 * minimum);
        assertTrue(orthonormalityError(result.point()) < ORTHONORMALITY_TOLERANCE);
        benchmark.tearDown();
    }

    /** A retraction from outside the library, found by class name as a user's would be. */
    public static final class NormalisedPolarRetraction implements dev.stiefel.manifold.StiefelRetraction {
        @Override
        public String name() {
            return "NORMALISED_POLAR";
        }

        @Override
        public <M> dev.stiefel.manifold.Retraction<M> bind(dev.stiefel.manifold.Stiefel<M> stiefel) {
            return dev.stiefel.manifold.StiefelRetraction.POLAR.bind(stiefel);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"QR", "POLAR", "CAYLEY", "EXPONENTIAL",
        "dev.stiefel.bench.BenchmarkSmokeTest$NormalisedPolarRetraction"})
    void retractionBenchmarkRunsBuiltInAndUserRetractions(String retraction) {
        RetractionBenchmark benchmark = new RetractionBenchmark();
        benchmark.size = TINY;
        benchmark.backend = CpuBackends.EJML;
        benchmark.retraction = retraction;
        benchmark.setup();
        assertTrue(orthonormalityError(benchmark.retract()) < ORTHONORMALITY_TOLERANCE);
        benchmark.tearDown();
    }

    @Test
    void retractionBenchmarkRejectsUnknownNames() {
        assertThrows(IllegalArgumentException.class, () -> RetractionBenchmark.resolve("householder"));
        assertThrows(IllegalArgumentException.class, () -> RetractionBenchmark.resolve("java.lang.String"));
    }
}
