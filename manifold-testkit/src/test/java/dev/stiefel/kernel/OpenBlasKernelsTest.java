package dev.stiefel.kernel;

import dev.stiefel.testkit.DenseKernelsContract;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The native backend against the shared contract, plus both regimes of its polar factor. */
class OpenBlasKernelsTest extends DenseKernelsContract<DMatrixRMaj> {

    private static final double TOLERANCE = 1e-12;

    @Override
    protected DenseKernels<DMatrixRMaj> kernels() {
        Assumptions.assumeTrue(OpenBlasKernels.isAvailable(),
                () -> "OpenBLAS natives unavailable: " + OpenBlasKernels.loadFailure());
        return new OpenBlasKernels();
    }

    @Override
    protected double tolerance() {
        return TOLERANCE;
    }

    /**
     * A decomposition limited to fewer threads than the process-wide count leaves that count as
     * it found it.
     */
    @Test
    void decompositionsRestoreTheProcessWideThreadCount() {
        int before = OpenBlasKernels.threads();
        try {
            OpenBlasKernels.setThreads(2);
            OpenBlasKernels backend = new OpenBlasKernels().decompositionThreads(1);
            Random random = new Random(41);
            DMatrixRMaj a = gaussian(30, 20, random);
            DMatrixRMaj symmetric = new DMatrixRMaj(20, 20);
            CommonOps_DDRM.multTransA(a, a, symmetric);
            backend.symmetricEigen(symmetric, new DMatrixRMaj(20, 20), new double[20]);
            backend.svdThin(a, new DMatrixRMaj(30, 20), new double[20], new DMatrixRMaj(20, 20));
            backend.polar(a, new DMatrixRMaj(30, 20));
            assertEquals(2, org.bytedeco.openblas.global.openblas_nolapack.blas_get_num_threads());
            assertThrows(IllegalArgumentException.class, () -> backend.decompositionThreads(0));
        } finally {
            OpenBlasKernels.setThreads(before);
        }
    }

    /**
     * OpenBLAS's multithreaded getrf needs more stack than a default JVM thread has from about
     * n = 160 (without it the JVM dies with SIGSEGV): a 300 x 300 solve with several threads runs
     * on a large-stack thread and equals EJML's.
     */
    @Test
    void largeSolveWithSeveralThreadsMatchesEjml() {
        OpenBlasKernels openBlas = (OpenBlasKernels) kernels();
        int saved = OpenBlasKernels.threads();
        int n = 300;
        java.util.Random random = new java.util.Random(160);
        DMatrixRMaj a = org.ejml.dense.row.RandomMatrices_DDRM.rectangle(n, n, -1, 1, random);
        org.ejml.dense.row.CommonOps_DDRM.addEquals(a, n, org.ejml.dense.row.CommonOps_DDRM.identity(n));
        DMatrixRMaj b = org.ejml.dense.row.RandomMatrices_DDRM.rectangle(n, 4, -1, 1, random);
        DMatrixRMaj expected = new DMatrixRMaj(n, 4);
        DMatrixRMaj actual = new DMatrixRMaj(n, 4);
        new EjmlKernels().solve(a, b, expected);
        try {
            OpenBlasKernels.setThreads(Math.max(2, Runtime.getRuntime().availableProcessors()));
            openBlas.solve(a, b, actual);
        } finally {
            OpenBlasKernels.setThreads(saved);
        }
        assertTrue(org.ejml.dense.row.MatrixFeatures_DDRM.isIdentical(expected, actual, 1e-12),
                "OpenBLAS and EJML solves differ");
    }

    @Test
    void threadSettingsAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> OpenBlasKernels.setThreads(0));
        String saved = System.getProperty(OpenBlasKernels.THREADS_PROPERTY);
        try {
            for (String bad : new String[] {"many", "0", "-2"}) {
                System.setProperty(OpenBlasKernels.THREADS_PROPERTY, bad);
                IllegalArgumentException error = assertThrows(IllegalArgumentException.class, OpenBlasKernels::new);
                assertTrue(error.getMessage().contains(OpenBlasKernels.THREADS_PROPERTY + "=" + bad), error.getMessage());
                assertTrue(error.getMessage().contains("positive integer"), error.getMessage());
            }
        } finally {
            if (saved == null) {
                System.clearProperty(OpenBlasKernels.THREADS_PROPERTY);
            } else {
                System.setProperty(OpenBlasKernels.THREADS_PROPERTY, saved);
            }
        }
        assertTrue(OpenBlasKernels.threads() >= 1);
    }

    @Test
    void decompositionThreadPropertyIsValidatedAndApplied() {
        String name = OpenBlasKernels.DECOMPOSITION_THREADS_PROPERTY;
        String saved = System.getProperty(name);
        int before = OpenBlasKernels.threads();
        try {
            for (String bad : new String[] {"many", "0", "-1"}) {
                System.setProperty(name, bad);
                IllegalArgumentException error = assertThrows(IllegalArgumentException.class, OpenBlasKernels::new);
                assertTrue(error.getMessage().contains(name + "=" + bad), error.getMessage());
            }
            // applied: with 2 process-wide threads a decomposition limited to 1 restores 2 afterwards
            System.setProperty(name, "1");
            OpenBlasKernels.setThreads(2);
            try (OpenBlasKernels backend = new OpenBlasKernels()) {
                DMatrixRMaj a = gaussian(30, 20, new Random(5));
                DMatrixRMaj expected = new DMatrixRMaj(30, 20);
                Kernels.ejml().polar(a, expected);
                DMatrixRMaj q = new DMatrixRMaj(30, 20);
                backend.polar(a, q);
                assertTrue(org.ejml.dense.row.MatrixFeatures_DDRM.isIdentical(expected, q, 1e-12));
                assertEquals(2, org.bytedeco.openblas.global.openblas_nolapack.blas_get_num_threads());
            }
        } finally {
            OpenBlasKernels.setThreads(before);
            if (saved == null) {
                System.clearProperty(name);
            } else {
                System.setProperty(name, saved);
            }
        }
    }

    /**
     * Each regime of {@link OpenBlasKernels#polar} against the exact factor {@code u v^T} of
     * {@code a = u diag(s) v^T}: the eigen route up to cond 1e5 (where squaring the condition
     * number would cost orthonormality without the refinement), the SVD route beyond.
     */
    @ParameterizedTest
    @CsvSource({
        "80, 60, 1.0, EIGEN", "80, 60, 1e2, EIGEN", "80, 60, 1e4, EIGEN", "80, 60, 9e4, EIGEN",
        "80, 60, 1e6, SVD", "80, 60, 1e9, SVD", "50, 50, 1e3, EIGEN", "50, 50, 1e7, SVD"})
    void polarTakesTheExpectedRouteAndStaysAccurate(int rows, int cols, double condition,
            OpenBlasKernels.PolarRoute route) {
        Random random = new Random(Double.doubleToLongBits(condition) ^ rows);
        DMatrixRMaj u = randomOrthonormal(rows, cols, random);
        DMatrixRMaj v = randomOrthonormal(cols, cols, random);
        DMatrixRMaj a = withSingularValues(u, spectrum(cols, condition), v);
        DMatrixRMaj expected = new DMatrixRMaj(rows, cols);
        CommonOps_DDRM.multTransB(u, v, expected);

        OpenBlasKernels openBlas = (OpenBlasKernels) kernels;
        DMatrixRMaj q = new DMatrixRMaj(rows, cols);
        openBlas.polar(a, q);
        assertEquals(route, openBlas.lastPolarRoute());
        assertTrue(orthonormalityError(q) <= TOLERANCE, "q^T q = I: " + orthonormalityError(q));
        double difference = maxAbsDifference(expected, q);
        assertTrue(difference <= TOLERANCE * condition * 10, "|q - u v^T| = " + difference);
        if (route == OpenBlasKernels.PolarRoute.EIGEN && condition >= 1e4) {
            assertTrue(openBlas.lastRefinementSteps() >= 1,
                    "the eigen route needs refinement at cond " + condition);
        }
    }

    /**
     * The eigen route ends as orthonormal as rounding allows, whether or not it refined and
     * whether or not it re-checked after the step (the re-check is skipped when the step
     * provably left only rounding): {@code q^T q}, recomputed in EJML, is the identity to
     * twice the refinement's own threshold {@code 8 sqrt(m) eps} (the recomputation adds its
     * own rounding of that order).
     */
    @ParameterizedTest
    @CsvSource({"80, 60, 1.0", "80, 60, 3e2", "80, 60, 1e4", "80, 60, 9e4", "300, 200, 1e3", "300, 200, 5e4",
        "257, 256, 2e4", "1000, 12, 9e4"})
    void eigenRouteEndsOrthonormalToRounding(int rows, int cols, double condition) {
        Random random = new Random(Double.doubleToLongBits(condition) + 31L * rows + cols);
        DMatrixRMaj u = randomOrthonormal(rows, cols, random);
        DMatrixRMaj v = randomOrthonormal(cols, cols, random);
        DMatrixRMaj a = withSingularValues(u, spectrum(cols, condition), v);
        OpenBlasKernels openBlas = (OpenBlasKernels) kernels;
        DMatrixRMaj q = new DMatrixRMaj(rows, cols);
        openBlas.polar(a, q);
        assertEquals(OpenBlasKernels.PolarRoute.EIGEN, openBlas.lastPolarRoute());
        double threshold = 16.0 * Math.sqrt(rows) * Math.ulp(1.0);
        assertTrue(orthonormalityError(q) <= threshold, "q^T q - I = " + orthonormalityError(q) + " after "
                + openBlas.lastRefinementSteps() + " steps, threshold " + threshold);
    }

    /**
     * Without refinement the eigen route is the plain one: no steps, the exact factor only up
     * to {@code eps cond^2}, and an orthonormality error that grows like {@code eps cond^2}
     * (so the default, refined route is what keeps it at rounding level).
     */
    @ParameterizedTest
    @CsvSource({"80, 60, 1.0", "80, 60, 1e4", "300, 200, 5e4"})
    void unrefinedPolarIsThePlainEigenRoute(int rows, int cols, double condition) {
        Random random = new Random(Double.doubleToLongBits(condition) + 7L * rows + cols);
        DMatrixRMaj u = randomOrthonormal(rows, cols, random);
        DMatrixRMaj v = randomOrthonormal(cols, cols, random);
        DMatrixRMaj a = withSingularValues(u, spectrum(cols, condition), v);
        DMatrixRMaj expected = new DMatrixRMaj(rows, cols);
        CommonOps_DDRM.multTransB(u, v, expected);
        OpenBlasKernels plain = new OpenBlasKernels().refinePolar(false);
        OpenBlasKernels refined = new OpenBlasKernels();
        assertTrue(refined.refinesPolar() && !plain.refinesPolar());
        DMatrixRMaj q = new DMatrixRMaj(rows, cols);
        plain.polar(a, q);
        assertEquals(OpenBlasKernels.PolarRoute.EIGEN, plain.lastPolarRoute());
        assertEquals(0, plain.lastRefinementSteps());
        assertTrue(maxAbsDifference(expected, q) <= 1e-12 * condition * condition,
                "|q - u v^T| = " + maxAbsDifference(expected, q));
        DMatrixRMaj qRefined = new DMatrixRMaj(rows, cols);
        refined.polar(a, qRefined);
        double threshold = 16.0 * Math.sqrt(rows) * Math.ulp(1.0);
        assertTrue(orthonormalityError(qRefined) <= threshold);
        if (condition >= 1e4) {
            assertTrue(orthonormalityError(q) > 100 * threshold,
                    "unrefined orthonormality error " + orthonormalityError(q) + " should show eps cond^2");
        }
    }

    /**
     * Entries whose squares overflow (1e200) are finite input: the Gram matrix overflows, so
     * the SVD route (which scales) answers, with the factor of the unscaled matrix. A NaN or an
     * infinity is rejected with its position.
     */
    @ParameterizedTest
    @CsvSource({"30, 20, 1e200", "30, 20, 1e-200", "12, 12, 1e180"})
    void polarIsScaleInvariantAtExtremeScales(int rows, int cols, double scale) {
        DMatrixRMaj a = gaussian(rows, cols, new Random(rows * 131L + cols));
        OpenBlasKernels openBlas = (OpenBlasKernels) kernels;
        DMatrixRMaj expected = new DMatrixRMaj(rows, cols);
        openBlas.polar(a, expected);
        DMatrixRMaj scaled = a.copy();
        CommonOps_DDRM.scale(scale, scaled);
        DMatrixRMaj q = new DMatrixRMaj(rows, cols);
        openBlas.polar(scaled, q);
        assertTrue(maxAbsDifference(expected, q) <= 1e-12, "|polar(s a) - polar(a)| = " + maxAbsDifference(expected, q));
        assertTrue(orthonormalityError(q) <= TOLERANCE);
    }

    @ParameterizedTest
    @CsvSource({"NaN, 3, 4", "Infinity, 0, 0", "-Infinity, 29, 19"})
    void polarNamesTheNonFiniteEntry(double bad, int row, int col) {
        DMatrixRMaj a = gaussian(30, 20, new Random(5));
        a.set(row, col, bad);
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> kernels.polar(a, new DMatrixRMaj(30, 20)));
        assertTrue(error.getMessage().contains("entry (" + row + ", " + col + ")"), error.getMessage());
    }

    /**
     * A seeded sweep over 200 random shapes and spectra (condition 1 to 1e5, clustered and
     * spread singular values): whenever the eigen route answers, with or without a step and
     * whether or not the re-check was skipped, {@code q^T q} recomputed in EJML is the
     * identity to {@code 16 sqrt(m) eps}.
     */
    @Test
    void eigenRouteOrthonormalityHoldsOverRandomSpectra() {
        Random random = new Random(20261122L);
        OpenBlasKernels openBlas = (OpenBlasKernels) kernels;
        int eigenCases = 0;
        for (int trial = 0; trial < 200; trial++) {
            int cols = 2 + random.nextInt(60);
            int rows = cols + random.nextInt(80);
            double condition = Math.pow(10, 5 * random.nextDouble());
            double[] s = spectrum(cols, condition);
            for (int j = 1; j < cols - 1; j++) {
                if (random.nextBoolean()) {
                    s[j] = Math.pow(condition, -random.nextDouble());
                }
            }
            DMatrixRMaj a = withSingularValues(randomOrthonormal(rows, cols, random), s,
                    randomOrthonormal(cols, cols, random));
            DMatrixRMaj q = new DMatrixRMaj(rows, cols);
            openBlas.polar(a, q);
            if (openBlas.lastPolarRoute() != OpenBlasKernels.PolarRoute.EIGEN) {
                continue;
            }
            eigenCases++;
            double threshold = 16.0 * Math.sqrt(rows) * Math.ulp(1.0);
            double error = orthonormalityError(q);
            int trialNumber = trial;
            assertTrue(error <= threshold, () -> "trial " + trialNumber + " (" + rows + " x " + cols + ", cond "
                    + condition + ", " + openBlas.lastRefinementSteps() + " steps): q^T q - I = " + error);
        }
        assertTrue(eigenCases >= 150, "the sweep should exercise the eigen route: " + eigenCases + " of 200");
    }

    /** JavaCPP's allocator, or an {@link OutOfMemoryError} while {@code failing} is set, as a huge request gives. */
    private static final class FailingAllocator implements OpenBlasKernels.NativeAllocator {

        boolean failing;
        boolean nativesMissing;
        int allocations;

        @Override
        public org.bytedeco.javacpp.DoublePointer doubles(long length) {
            check(length);
            return new org.bytedeco.javacpp.DoublePointer(length);
        }

        @Override
        public org.bytedeco.javacpp.IntPointer ints(long length) {
            check(length);
            return new org.bytedeco.javacpp.IntPointer(length);
        }

        private void check(long length) {
            if (nativesMissing) {
                throw new RuntimeException("No native JavaCPP library in memory. (Has Loader.load() been called?)");
            }
            if (failing) {
                throw new OutOfMemoryError("simulated: cannot allocate " + length + " native doubles");
            }
            allocations++;
        }
    }

    /**
     * A failed allocation while growing a native workspace leaves the kernels usable: the field
     * never holds a buffer already released (a later call would write into freed memory).
     */
    @Test
    void aFailedNativeAllocationLeavesTheKernelsUsable() {
        kernels();
        FailingAllocator allocator = new FailingAllocator();
        OpenBlasKernels openBlas = new OpenBlasKernels(null, allocator);
        DenseKernels<DMatrixRMaj> reference = new EjmlKernels();
        java.util.Random random = new java.util.Random(4);
        DMatrixRMaj smallA = org.ejml.dense.row.RandomMatrices_DDRM.rectangle(6, 5, -1, 1, random);
        DMatrixRMaj smallB = org.ejml.dense.row.RandomMatrices_DDRM.rectangle(5, 4, -1, 1, random);
        DMatrixRMaj largeA = org.ejml.dense.row.RandomMatrices_DDRM.rectangle(40, 30, -1, 1, random);
        DMatrixRMaj largeB = org.ejml.dense.row.RandomMatrices_DDRM.rectangle(30, 20, -1, 1, random);
        DMatrixRMaj smallProduct = new DMatrixRMaj(6, 4);
        DMatrixRMaj largeProduct = new DMatrixRMaj(40, 20);
        DMatrixRMaj largePolar = new DMatrixRMaj(40, 30);
        openBlas.gemm(1.0, smallA, false, smallB, false, 0.0, smallProduct);
        openBlas.polar(smallA, new DMatrixRMaj(6, 5));

        allocator.failing = true;
        assertThrows(OutOfMemoryError.class, () -> openBlas.gemm(1.0, largeA, false, largeB, false, 0.0, largeProduct));
        assertThrows(OutOfMemoryError.class, () -> openBlas.polar(largeA, largePolar));
        allocator.failing = false;

        // the small problem runs on the buffers kept, the large one grows them now
        DMatrixRMaj expected = new DMatrixRMaj(6, 4);
        reference.gemm(1.0, smallA, false, smallB, false, 0.0, expected);
        openBlas.gemm(1.0, smallA, false, smallB, false, 0.0, smallProduct);
        assertTrue(org.ejml.dense.row.MatrixFeatures_DDRM.isIdentical(expected, smallProduct, TOLERANCE));
        DMatrixRMaj expectedLarge = new DMatrixRMaj(40, 20);
        reference.gemm(1.0, largeA, false, largeB, false, 0.0, expectedLarge);
        openBlas.gemm(1.0, largeA, false, largeB, false, 0.0, largeProduct);
        assertTrue(org.ejml.dense.row.MatrixFeatures_DDRM.isIdentical(expectedLarge, largeProduct, TOLERANCE));
        DMatrixRMaj expectedPolar = new DMatrixRMaj(40, 30);
        reference.polar(largeA, expectedPolar);
        openBlas.polar(largeA, largePolar);
        assertTrue(org.ejml.dense.row.MatrixFeatures_DDRM.isIdentical(expectedPolar, largePolar, TOLERANCE));
    }

    /**
     * Where the natives do not load, JavaCPP throws "No native JavaCPP library in memory" on the
     * first native allocation: the constructor must report the load failure before allocating.
     */
    @Test
    void aLoadFailureIsReportedBeforeAnyNativeAllocation() {
        FailingAllocator allocator = new FailingAllocator();
        allocator.nativesMissing = true;
        UnsatisfiedLinkError failure = new UnsatisfiedLinkError("no jniopenblas in java.library.path");
        UnsupportedOperationException error = assertThrows(UnsupportedOperationException.class,
                () -> new OpenBlasKernels(failure, allocator));
        assertSame(failure, error.getCause());
        assertTrue(error.getMessage().contains("OpenBLAS natives failed to load"), error.getMessage());
        assertEquals(0, allocator.allocations);
    }
}
