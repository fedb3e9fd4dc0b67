package dev.stiefel.testkit;

import dev.stiefel.kernel.DenseKernels;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The contract every {@link DenseKernels} backend passes: each method is checked against an
 * independent host computation (a triple loop, Gram–Schmidt, textbook Cholesky, a
 * decomposition built from known factors, a closed form, or an identity such as orthonormality).
 *
 * <p>Subclasses provide the backend and its accuracy. For a float64 backend {@link #tolerance()}
 * is about 1e-12; a float32 backend returns about 1e-4 and lowers
 * {@link #largestConditionNumber()}. Errors that grow with conditioning are scaled by the
 * condition number of the input, as the perturbation theory of each problem says.
 *
 * @param <M> the backend's matrix type
 */
public abstract class DenseKernelsContract<M> {

    /** Condition numbers of the inputs of the polar and SVD tests (capped by the backend). */
    private static final double[] CONDITION_NUMBERS = {1.0, 1e3, 1e6};

    protected DenseKernels<M> kernels;
    private final List<M> allocated = new ArrayList<>();

    /** A fresh backend instance. */
    protected abstract DenseKernels<M> kernels();

    /** Relative accuracy expected of well-conditioned operations on matrices of size ~50. */
    protected abstract double tolerance();

    /** Largest condition number at which this backend's precision still gives a meaningful test. */
    protected double largestConditionNumber() {
        return 1e6;
    }

    @BeforeEach
    void createBackend() {
        kernels = kernels();
    }

    @AfterEach
    void freeMatrices() {
        for (M matrix : allocated) {
            kernels.free(matrix);
        }
        allocated.clear();
    }

    // ---- helpers -------------------------------------------------------------------------

    protected M upload(DMatrixRMaj host) {
        M matrix = kernels.fromHost(host);
        allocated.add(matrix);
        return matrix;
    }

    protected M create(int rows, int cols) {
        M matrix = kernels.create(rows, cols);
        allocated.add(matrix);
        return matrix;
    }

    protected DMatrixRMaj download(M matrix) {
        return kernels.toHost(matrix, new DMatrixRMaj(1, 1));
    }

    protected static DMatrixRMaj gaussian(int rows, int cols, Random random) {
        DMatrixRMaj a = new DMatrixRMaj(rows, cols);
        for (int i = 0; i < a.data.length; i++) {
            a.data[i] = random.nextGaussian();
        }
        return a;
    }

    /** Random matrix with orthonormal columns from classical Gram–Schmidt applied twice. */
    protected static DMatrixRMaj randomOrthonormal(int rows, int cols, Random random) {
        return gramSchmidt(gaussian(rows, cols, random), null);
    }

    /** {@code u diag(s) v^T} with random orthonormal u (rows x n) and v (n x n). */
    protected static DMatrixRMaj withSingularValues(DMatrixRMaj u, double[] s, DMatrixRMaj v) {
        DMatrixRMaj us = u.copy();
        for (int i = 0; i < us.numRows; i++) {
            for (int j = 0; j < us.numCols; j++) {
                us.data[i * us.numCols + j] *= s[j];
            }
        }
        DMatrixRMaj a = new DMatrixRMaj(u.numRows, v.numRows);
        CommonOps_DDRM.multTransB(us, v, a);
        return a;
    }

    /** Logarithmically spaced values from largest down to largest / condition. */
    protected static double[] spectrum(int n, double condition) {
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            s[i] = n == 1 ? 1.0 : Math.pow(condition, -(double) i / (n - 1));
        }
        return s;
    }

    /**
     * Gram–Schmidt with reorthogonalisation; writes R (n x n) when {@code r} is not null. The
     * independent reference for QR: its factor has a positive diagonal by construction.
     */
    protected static DMatrixRMaj gramSchmidt(DMatrixRMaj a, DMatrixRMaj r) {
        int rows = a.numRows;
        int cols = a.numCols;
        DMatrixRMaj q = a.copy();
        if (r != null) {
            r.reshape(cols, cols);
            r.zero();
        }
        for (int j = 0; j < cols; j++) {
            for (int pass = 0; pass < 2; pass++) {
                for (int k = 0; k < j; k++) {
                    double projection = 0.0;
                    for (int i = 0; i < rows; i++) {
                        projection += q.get(i, k) * q.get(i, j);
                    }
                    for (int i = 0; i < rows; i++) {
                        q.set(i, j, q.get(i, j) - projection * q.get(i, k));
                    }
                    if (r != null) {
                        r.set(k, j, r.get(k, j) + projection);
                    }
                }
            }
            double norm = 0.0;
            for (int i = 0; i < rows; i++) {
                norm += q.get(i, j) * q.get(i, j);
            }
            norm = Math.sqrt(norm);
            for (int i = 0; i < rows; i++) {
                q.set(i, j, q.get(i, j) / norm);
            }
            if (r != null) {
                r.set(j, j, norm);
            }
        }
        return q;
    }

    /** Reference product by the definition: alpha op(a) op(b) + beta c. */
    protected static DMatrixRMaj referenceGemm(double alpha, DMatrixRMaj a, boolean transposeA,
            DMatrixRMaj b, boolean transposeB, double beta, DMatrixRMaj c) {
        int m = c.numRows;
        int n = c.numCols;
        int k = transposeA ? a.numRows : a.numCols;
        DMatrixRMaj out = new DMatrixRMaj(m, n);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0.0;
                for (int p = 0; p < k; p++) {
                    double left = transposeA ? a.get(p, i) : a.get(i, p);
                    double right = transposeB ? b.get(j, p) : b.get(p, j);
                    sum += left * right;
                }
                out.set(i, j, alpha * sum + (beta == 0.0 ? 0.0 : beta * c.get(i, j)));
            }
        }
        return out;
    }

    protected static double maxAbsDifference(DMatrixRMaj a, DMatrixRMaj b) {
        assertEquals(a.numRows, b.numRows, "rows");
        assertEquals(a.numCols, b.numCols, "cols");
        double largest = 0.0;
        for (int i = 0; i < a.getNumElements(); i++) {
            largest = Math.max(largest, Math.abs(a.data[i] - b.data[i]));
        }
        return largest;
    }

    protected static void assertClose(DMatrixRMaj expected, DMatrixRMaj actual, double tolerance, String what) {
        double difference = maxAbsDifference(expected, actual);
        assertTrue(difference <= tolerance, what + ": max |difference| " + difference + " > " + tolerance);
    }

    /** max |q^T q - I|. */
    protected static double orthonormalityError(DMatrixRMaj q) {
        DMatrixRMaj gram = new DMatrixRMaj(q.numCols, q.numCols);
        CommonOps_DDRM.multTransA(q, q, gram);
        DMatrixRMaj identity = CommonOps_DDRM.identity(q.numCols);
        return maxAbsDifference(identity, gram);
    }

    private static DMatrixRMaj product(DMatrixRMaj a, DMatrixRMaj b) {
        DMatrixRMaj out = new DMatrixRMaj(a.numRows, b.numCols);
        CommonOps_DDRM.mult(a, b, out);
        return out;
    }

    private static DMatrixRMaj nanMatrix(int rows, int cols) {
        DMatrixRMaj a = new DMatrixRMaj(rows, cols);
        CommonOps_DDRM.fill(a, Double.NaN);
        return a;
    }

    static Stream<Arguments> tallShapes() {
        return Stream.of(Arguments.of(1, 1), Arguments.of(7, 1), Arguments.of(6, 6),
                Arguments.of(40, 13), Arguments.of(64, 50));
    }

    // ---- storage -------------------------------------------------------------------------

    @Test
    void storageRoundTripsAndReportsShape() {
        Random random = new Random(11);
        DMatrixRMaj host = gaussian(5, 3, random);
        M a = upload(host);
        assertEquals(5, kernels.rows(a));
        assertEquals(3, kernels.cols(a));
        assertEquals(host.get(4, 2), kernels.get(a, 4, 2), 0.0);
        assertClose(host, download(a), 0.0, "fromHost then toHost");

        M b = create(5, 3);
        assertClose(new DMatrixRMaj(5, 3), download(b), 0.0, "create gives zeros");
        kernels.copyFromHost(host, b);
        assertClose(host, download(b), 0.0, "copyFromHost");
        M c = create(5, 3);
        kernels.copy(a, c);
        assertClose(host, download(c), 0.0, "copy");
        kernels.zero(c);
        assertEquals(0.0, kernels.normF(c), 0.0);
        assertThrows(IllegalArgumentException.class, () -> kernels.copy(a, create(3, 5)));
        assertThrows(IllegalArgumentException.class, () -> kernels.copyFromHost(host, create(5, 4)));
        assertThrows(IllegalArgumentException.class, () -> kernels.create(-1, 2));
    }

    @ParameterizedTest
    @MethodSource("identityShapes")
    void setIdentityPutsOnesOnTheMainDiagonal(int rows, int cols) {
        M a = upload(gaussian(rows, cols, new Random(3)));
        kernels.setIdentity(a);
        DMatrixRMaj expected = new DMatrixRMaj(rows, cols);
        for (int i = 0; i < Math.min(rows, cols); i++) {
            expected.set(i, i, 1.0);
        }
        assertClose(expected, download(a), 0.0, "setIdentity");
    }

    static Stream<Arguments> identityShapes() {
        return Stream.of(Arguments.of(1, 1), Arguments.of(5, 3), Arguments.of(3, 5),
                Arguments.of(4, 4), Arguments.of(0, 0));
    }

    // ---- level 1 -------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void levelOneOperationsMatchTheirDefinitions(long seed) {
        Random random = new Random(seed);
        int rows = 6;
        int cols = 4;
        DMatrixRMaj x = gaussian(rows, cols, random);
        DMatrixRMaj y = gaussian(rows, cols, random);
        double tolerance = tolerance() * 10;

        M dx = upload(x);
        kernels.scale(-2.5, dx);
        DMatrixRMaj scaled = x.copy();
        CommonOps_DDRM.scale(-2.5, scaled);
        assertClose(scaled, download(dx), tolerance, "scale");

        M sum = create(rows, cols);
        kernels.addScaled(0.5, upload(x), -3.0, upload(y), sum);
        DMatrixRMaj expectedSum = new DMatrixRMaj(rows, cols);
        for (int i = 0; i < x.data.length; i++) {
            expectedSum.data[i] = 0.5 * x.data[i] - 3.0 * y.data[i];
        }
        assertClose(expectedSum, download(sum), tolerance, "addScaled");
        M aliased = upload(x);
        kernels.addScaled(0.5, aliased, -3.0, upload(y), aliased);
        assertClose(expectedSum, download(aliased), tolerance, "addScaled with out aliasing x");

        double expectedDot = 0.0;
        double expectedSquares = 0.0;
        for (int i = 0; i < x.data.length; i++) {
            expectedDot += x.data[i] * y.data[i];
            expectedSquares += x.data[i] * x.data[i];
        }
        assertEquals(expectedDot, kernels.dot(upload(x), upload(y)), tolerance * Math.sqrt(expectedSquares) * 10);
        assertEquals(Math.sqrt(expectedSquares), kernels.normF(upload(x)), tolerance * Math.sqrt(expectedSquares));

        M transposed = create(cols, rows);
        kernels.transpose(upload(x), transposed);
        DMatrixRMaj expectedTranspose = new DMatrixRMaj(cols, rows);
        CommonOps_DDRM.transpose(x, expectedTranspose);
        assertClose(expectedTranspose, download(transposed), 0.0, "transpose");

        double[] columnScales = {2.0, -1.0, 0.0, 0.25};
        M columns = upload(x);
        kernels.scaleColumns(columns, columnScales, columns);
        DMatrixRMaj expectedColumns = x.copy();
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                expectedColumns.set(i, j, x.get(i, j) * columnScales[j]);
            }
        }
        assertClose(expectedColumns, download(columns), tolerance, "scaleColumns in place");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 5})
    void symmetricSkewAndIdentityShiftsMatchDefinitions(int n) {
        Random random = new Random(40 + n);
        DMatrixRMaj a = gaussian(n, n, random);
        DMatrixRMaj symmetric = new DMatrixRMaj(n, n);
        DMatrixRMaj skew = new DMatrixRMaj(n, n);
        DMatrixRMaj shifted = a.copy();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                symmetric.set(i, j, 0.5 * (a.get(i, j) + a.get(j, i)));
                skew.set(i, j, 0.5 * (a.get(i, j) - a.get(j, i)));
            }
            shifted.set(i, i, a.get(i, i) + 1.75);
        }
        M inPlace = upload(a);
        kernels.symmetricPart(inPlace, inPlace);
        assertClose(symmetric, download(inPlace), tolerance(), "symmetricPart in place");
        M skewOut = create(n, n);
        kernels.skewPart(upload(a), skewOut);
        assertClose(skew, download(skewOut), tolerance(), "skewPart");
        M skewInPlace = upload(a);
        kernels.skewPart(skewInPlace, skewInPlace);
        assertClose(skew, download(skewInPlace), tolerance(), "skewPart in place");
        M shiftOut = upload(a);
        kernels.addIdentity(shiftOut, 1.75, shiftOut);
        assertClose(shifted, download(shiftOut), tolerance() * 10, "addIdentity in place");
        assertThrows(IllegalArgumentException.class, () -> kernels.symmetricPart(create(2, 3), create(2, 3)));
        assertThrows(IllegalArgumentException.class, () -> kernels.addIdentity(create(3, 2), 1.0, create(3, 2)));
    }

    @Test
    void allFiniteDetectsNanAndInfinity() {
        DMatrixRMaj a = gaussian(4, 3, new Random(5));
        assertTrue(kernels.allFinite(upload(a)));
        a.set(2, 1, Double.NaN);
        assertFalse(kernels.allFinite(upload(a)));
        a.set(2, 1, Double.NEGATIVE_INFINITY);
        assertFalse(kernels.allFinite(upload(a)));
        assertTrue(kernels.allFinite(create(0, 0)));
    }

    @Test
    void levelOneRejectsShapeMismatch() {
        assertThrows(IllegalArgumentException.class, () -> kernels.addScaled(1, create(2, 3), 1, create(3, 2), create(2, 3)));
        assertThrows(IllegalArgumentException.class, () -> kernels.dot(create(2, 3), create(2, 2)));
        assertThrows(IllegalArgumentException.class, () -> kernels.transpose(create(2, 3), create(2, 3)));
        assertThrows(IllegalArgumentException.class, () -> kernels.scaleColumns(create(2, 3), new double[2], create(2, 3)));
    }

    // ---- gemm ----------------------------------------------------------------------------

    static Stream<Arguments> gemmCases() {
        List<Arguments> cases = new ArrayList<>();
        int[][] shapes = {{7, 5, 4}, {1, 1, 1}, {6, 1, 1}, {1, 8, 1}, {9, 1, 7}, {9, 13, 1}, {1, 13, 9}, {20, 17, 33},
            {5, 0, 3}};
        double[] betas = {0.0, 1.0, -0.7};
        long seed = 100;
        for (int[] shape : shapes) {
            for (boolean transposeA : new boolean[] {false, true}) {
                for (boolean transposeB : new boolean[] {false, true}) {
                    for (double beta : betas) {
                        cases.add(Arguments.of(shape[0], shape[1], shape[2], transposeA, transposeB, beta, seed++));
                    }
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest
    @MethodSource("gemmCases")
    void gemmMatchesTheDefinition(int m, int k, int n, boolean transposeA, boolean transposeB,
            double beta, long seed) {
        Random random = new Random(seed);
        DMatrixRMaj a = transposeA ? gaussian(k, m, random) : gaussian(m, k, random);
        DMatrixRMaj b = transposeB ? gaussian(n, k, random) : gaussian(k, n, random);
        // beta = 0 must ignore the old contents of c, NaN included.
        DMatrixRMaj c = beta == 0.0 ? nanMatrix(m, n) : gaussian(m, n, random);
        double alpha = 1.3;
        DMatrixRMaj expected = referenceGemm(alpha, a, transposeA, b, transposeB, beta, c);
        M dc = upload(c);
        kernels.gemm(alpha, upload(a), transposeA, upload(b), transposeB, beta, dc);
        assertClose(expected, download(dc), tolerance() * Math.max(1, k) * 4, "gemm");
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"1, 1, 1", "7, 3, 2", "3, 7, 3", "64, 40, 4", "0, 5, 5"})
    void gramIsTheTransposeProduct(int m, int n, long seed) {
        DMatrixRMaj a = gaussian(m, n, new Random(seed));
        DMatrixRMaj expected = referenceGemm(1.0, a, true, a, false, 0.0, new DMatrixRMaj(n, n));
        M out = upload(nanMatrix(n, n));
        kernels.gram(upload(a), out);
        DMatrixRMaj actual = download(out);
        assertClose(expected, actual, tolerance() * Math.max(1, m) * 4, "gram");
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i; j++) {
                assertEquals(actual.get(j, i), actual.get(i, j), 0.0, "gram is symmetric");
            }
        }
    }

    @Test
    void gemmRejectsBadShapesAndAliasing() {
        M a = create(3, 4);
        M square = create(3, 3);
        assertThrows(IllegalArgumentException.class, () -> kernels.gemm(1, a, false, a, false, 0, create(3, 4)));
        assertThrows(IllegalArgumentException.class, () -> kernels.gemm(1, a, false, a, true, 0, create(3, 4)));
        assertThrows(IllegalArgumentException.class, () -> kernels.gemm(1, square, false, square, false, 0, square));
    }

    // ---- QR ------------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("tallShapes")
    void qrPositiveReconstructsAndMatchesGramSchmidt(int rows, int cols) {
        Random random = new Random(rows * 31L + cols);
        DMatrixRMaj a = gaussian(rows, cols, random);
        M q = create(rows, cols);
        M r = create(cols, cols);
        kernels.qrPositive(upload(a), q, r);
        DMatrixRMaj hostQ = download(q);
        DMatrixRMaj hostR = download(r);
        double scale = NormOps_DDRM.normF(a);
        assertClose(a, product(hostQ, hostR), tolerance() * scale, "q r = a");
        assertTrue(orthonormalityError(hostQ) <= tolerance(), "q^T q = I: " + orthonormalityError(hostQ));
        for (int i = 0; i < cols; i++) {
            assertTrue(hostR.get(i, i) > 0, "positive diagonal of r");
            for (int j = 0; j < i; j++) {
                assertEquals(0.0, hostR.get(i, j), 0.0, "r is upper triangular");
            }
        }
        DMatrixRMaj referenceR = new DMatrixRMaj(cols, cols);
        DMatrixRMaj referenceQ = gramSchmidt(a, referenceR);
        // Gaussian matrices of these shapes have condition numbers below ~100.
        assertClose(referenceQ, hostQ, tolerance() * 100, "q equals the Gram-Schmidt factor");
        assertClose(referenceR, hostR, tolerance() * 100 * scale, "r equals the Gram-Schmidt factor");

        M qOnly = create(rows, cols);
        kernels.qrPositive(upload(a), qOnly, null);
        assertClose(hostQ, download(qOnly), tolerance(), "q without r");
    }

    @Test
    void qrPositiveRejectsRankDeficiencyWideShapesAndNan() {
        Random random = new Random(9);
        DMatrixRMaj a = gaussian(8, 3, random);
        for (int i = 0; i < 8; i++) {
            a.set(i, 2, a.get(i, 0) - 2 * a.get(i, 1));
        }
        assertThrows(ArithmeticException.class, () -> kernels.qrPositive(upload(a), create(8, 3), create(3, 3)));
        assertThrows(ArithmeticException.class, () -> kernels.qrPositive(create(5, 2), create(5, 2), null));
        assertThrows(IllegalArgumentException.class, () -> kernels.qrPositive(create(2, 5), create(2, 5), null));
        assertThrows(IllegalArgumentException.class, () -> kernels.qrPositive(create(5, 2), create(5, 3), null));
        assertThrows(IllegalArgumentException.class, () -> kernels.qrPositive(create(5, 2), create(5, 2), create(3, 3)));
        DMatrixRMaj withNan = gaussian(5, 2, random);
        withNan.set(3, 1, Double.NaN);
        assertThrows(IllegalArgumentException.class, () -> kernels.qrPositive(upload(withNan), create(5, 2), null));
    }

    // ---- polar ---------------------------------------------------------------------------

    static Stream<Arguments> polarCases() {
        List<Arguments> cases = new ArrayList<>();
        int[][] shapes = {{1, 1}, {9, 1}, {8, 8}, {60, 20}, {120, 100}};
        long seed = 500;
        for (int[] shape : shapes) {
            for (double condition : CONDITION_NUMBERS) {
                cases.add(Arguments.of(shape[0], shape[1], condition, seed++));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest
    @MethodSource("polarCases")
    void polarMatchesTheSvdDefinitionAndIsOrthonormal(int rows, int cols, double condition, long seed) {
        if (condition > largestConditionNumber()) {
            return;
        }
        Random random = new Random(seed);
        DMatrixRMaj u = randomOrthonormal(rows, cols, random);
        DMatrixRMaj v = randomOrthonormal(cols, cols, random);
        double[] s = spectrum(cols, condition);
        for (int i = 0; i < cols; i++) {
            s[i] *= 3.0;
        }
        DMatrixRMaj a = withSingularValues(u, s, v);
        DMatrixRMaj expected = new DMatrixRMaj(rows, cols);
        CommonOps_DDRM.multTransB(u, v, expected);

        M out = create(rows, cols);
        kernels.polar(upload(a), out);
        DMatrixRMaj q = download(out);
        // The polar factor's sensitivity to a perturbation of a is 1 / sigma_min (Higham 2008, Thm 8.9).
        assertClose(expected, q, tolerance() * condition * 10, "polar = u v^T");
        assertTrue(orthonormalityError(q) <= tolerance(), "q^T q = I: " + orthonormalityError(q));

        // q^T a = v diag(s) v^T: symmetric positive definite with eigenvalues s.
        DMatrixRMaj h = new DMatrixRMaj(cols, cols);
        CommonOps_DDRM.multTransA(q, a, h);
        DMatrixRMaj ht = new DMatrixRMaj(cols, cols);
        CommonOps_DDRM.transpose(h, ht);
        assertClose(h, ht, tolerance() * 3.0 * 10, "q^T a is symmetric");
        DMatrixRMaj expectedH = withSingularValues(v, s, v);
        assertClose(expectedH, h, tolerance() * 3.0 * 10, "q^T a = v diag(s) v^T (positive definite)");

        M aliased = upload(a);
        kernels.polar(aliased, aliased);
        assertClose(q, download(aliased), tolerance() * condition, "polar with out aliasing a");
    }

    @Test
    void polarRejectsRankDeficiencyWideShapesAndNan() {
        Random random = new Random(13);
        DMatrixRMaj a = gaussian(10, 4, random);
        for (int i = 0; i < 10; i++) {
            a.set(i, 3, a.get(i, 1));
        }
        assertThrows(ArithmeticException.class, () -> kernels.polar(upload(a), create(10, 4)));
        assertThrows(ArithmeticException.class, () -> kernels.polar(create(6, 3), create(6, 3)));
        assertThrows(IllegalArgumentException.class, () -> kernels.polar(create(3, 6), create(3, 6)));
        assertThrows(IllegalArgumentException.class, () -> kernels.polar(create(6, 3), create(6, 2)));
        DMatrixRMaj infinite = gaussian(6, 3, random);
        infinite.set(0, 0, Double.POSITIVE_INFINITY);
        assertThrows(IllegalArgumentException.class, () -> kernels.polar(upload(infinite), create(6, 3)));
    }

    // ---- symmetric eigen and SVD ---------------------------------------------------------

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 7, 40})
    void symmetricEigenReconstructsTheSymmetricPart(int n) {
        Random random = new Random(70 + n);
        DMatrixRMaj a = gaussian(n, n, random);
        DMatrixRMaj symmetric = new DMatrixRMaj(n, n);
        CommonOps_DDRM.add(0.5, a, 0.5, CommonOps_DDRM.transpose(a, null), symmetric);
        M vectors = create(n, n);
        double[] values = new double[n];
        kernels.symmetricEigen(upload(a), vectors, values);
        DMatrixRMaj v = download(vectors);
        assertTrue(orthonormalityError(v) <= tolerance() * 10, "v^T v = I: " + orthonormalityError(v));
        for (int i = 1; i < n; i++) {
            assertTrue(values[i - 1] <= values[i], "ascending eigenvalues");
        }
        DMatrixRMaj reconstructed = withSingularValues(v, values, v);
        double scale = NormOps_DDRM.normF(symmetric);
        assertClose(symmetric, reconstructed, tolerance() * 10 * scale, "v diag(values) v^T = (a + a^T) / 2");
    }

    @Test
    void symmetricEigenOfAKnownSpectrum() {
        Random random = new Random(77);
        int n = 12;
        DMatrixRMaj basis = randomOrthonormal(n, n, random);
        double[] known = new double[n];
        for (int i = 0; i < n; i++) {
            known[i] = (i - 4) * 1.5;
        }
        DMatrixRMaj a = withSingularValues(basis, known, basis);
        M vectors = create(n, n);
        double[] values = new double[n];
        kernels.symmetricEigen(upload(a), vectors, values);
        for (int i = 0; i < n; i++) {
            assertEquals(known[i], values[i], tolerance() * 100, "eigenvalue " + i);
        }
        assertThrows(IllegalArgumentException.class, () -> kernels.symmetricEigen(create(3, 2), create(3, 3), new double[3]));
        assertThrows(IllegalArgumentException.class, () -> kernels.symmetricEigen(create(3, 3), create(3, 3), new double[2]));
        DMatrixRMaj withNan = gaussian(3, 3, random);
        withNan.set(1, 2, Double.NaN);
        assertThrows(IllegalArgumentException.class, () -> kernels.symmetricEigen(upload(withNan), create(3, 3), new double[3]));
    }

    @ParameterizedTest
    @MethodSource("tallShapes")
    void svdThinReconstructsWithKnownSingularValues(int rows, int cols) {
        Random random = new Random(rows * 7L + cols);
        DMatrixRMaj u0 = randomOrthonormal(rows, cols, random);
        DMatrixRMaj v0 = randomOrthonormal(cols, cols, random);
        double[] known = spectrum(cols, Math.min(1e3, largestConditionNumber()));
        for (int i = 0; i < cols; i++) {
            known[i] *= 2.0;
        }
        DMatrixRMaj a = withSingularValues(u0, known, v0);
        M u = create(rows, cols);
        M v = create(cols, cols);
        double[] s = new double[cols];
        kernels.svdThin(upload(a), u, s, v);
        DMatrixRMaj hostU = download(u);
        DMatrixRMaj hostV = download(v);
        for (int i = 0; i < cols; i++) {
            assertEquals(known[i], s[i], tolerance() * 2.0 * 10, "singular value " + i);
        }
        assertTrue(orthonormalityError(hostU) <= tolerance() * 10, "u^T u = I");
        assertTrue(orthonormalityError(hostV) <= tolerance() * 10, "v^T v = I");
        assertClose(a, withSingularValues(hostU, s, hostV), tolerance() * 10 * 2.0, "u diag(s) v^T = a");
        assertThrows(IllegalArgumentException.class, () -> kernels.svdThin(create(2, 3), create(2, 3), new double[3], create(3, 3)));
    }

    // ---- Cholesky and solve --------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 9, 30})
    void choleskyMatchesTheTextbookFactorAndReadsOnlyTheLowerTriangle(int n) {
        Random random = new Random(90 + n);
        DMatrixRMaj a = gaussianGramPlusShift(n, n, random);
        DMatrixRMaj reference = new DMatrixRMaj(n, n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double sum = a.get(i, j);
                for (int k = 0; k < j; k++) {
                    sum -= reference.get(i, k) * reference.get(j, k);
                }
                reference.set(i, j, i == j ? Math.sqrt(sum) : sum / reference.get(j, j));
            }
        }
        DMatrixRMaj garbageAbove = withGarbageAbove(a, random);
        M lower = create(n, n);
        kernels.cholesky(upload(garbageAbove), lower);
        DMatrixRMaj l = download(lower);
        double scale = Math.sqrt(NormOps_DDRM.normF(a));
        assertClose(reference, l, tolerance() * 10 * scale, "cholesky factor");
        DMatrixRMaj llt = new DMatrixRMaj(n, n);
        CommonOps_DDRM.multTransB(l, l, llt);
        assertClose(a, llt, tolerance() * 10 * NormOps_DDRM.normF(a), "l l^T = a");
    }

    /** {@code b b^T + shift I} with b an n x n Gaussian matrix: symmetric positive definite. */
    private static DMatrixRMaj gaussianGramPlusShift(int n, double shift, Random random) {
        DMatrixRMaj b = gaussian(n, n, random);
        DMatrixRMaj a = new DMatrixRMaj(n, n);
        CommonOps_DDRM.multTransB(b, b, a);
        for (int i = 0; i < n; i++) {
            a.add(i, i, shift);
        }
        return a;
    }

    /** A copy of {@code a} with large random entries above the diagonal, which must not be read. */
    private static DMatrixRMaj withGarbageAbove(DMatrixRMaj a, Random random) {
        DMatrixRMaj garbageAbove = a.copy();
        for (int i = 0; i < a.numRows; i++) {
            for (int j = i + 1; j < a.numCols; j++) {
                garbageAbove.set(i, j, 1e3 * random.nextGaussian());
            }
        }
        return garbageAbove;
    }

    @Test
    void choleskyRejectsIndefiniteAndSingularMatrices() {
        DMatrixRMaj indefinite = new DMatrixRMaj(new double[][] {{1, 2}, {2, 1}});
        assertThrows(ArithmeticException.class, () -> kernels.cholesky(upload(indefinite), create(2, 2)));
        DMatrixRMaj singular = new DMatrixRMaj(new double[][] {{1, 1, 0}, {1, 1, 0}, {0, 0, 2}});
        assertThrows(ArithmeticException.class, () -> kernels.cholesky(upload(singular), create(3, 3)));
        assertThrows(ArithmeticException.class, () -> kernels.cholesky(create(3, 3), create(3, 3)));
        assertThrows(IllegalArgumentException.class, () -> kernels.cholesky(create(3, 2), create(3, 2)));
        assertThrows(IllegalArgumentException.class, () -> kernels.cholesky(create(3, 3), create(2, 2)));
        DMatrixRMaj withNan = CommonOps_DDRM.identity(3);
        withNan.set(2, 1, Double.NaN);
        assertThrows(IllegalArgumentException.class, () -> kernels.cholesky(upload(withNan), create(3, 3)));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 9, 30})
    void inversePositiveDefiniteAgreesWithTheLuSolveAndReadsOnlyTheLowerTriangle(int n) {
        Random random = new Random(190 + n);
        DMatrixRMaj a = gaussianGramPlusShift(n, 0.1 * n, random);
        DMatrixRMaj garbageAbove = withGarbageAbove(a, random);
        M inverse = create(n, n);
        kernels.inversePositiveDefinite(upload(garbageAbove), inverse);
        DMatrixRMaj x = download(inverse);
        // the independent route: LU with partial pivoting against the identity
        M identity = create(n, n);
        kernels.setIdentity(identity);
        M solved = create(n, n);
        kernels.solve(upload(a), identity, solved);
        DMatrixRMaj reference = download(solved);
        double scale = NormOps_DDRM.normF(reference);
        double condition = NormOps_DDRM.normF(a) * scale;
        assertClose(reference, x, tolerance() * 10 * condition * scale, "inverse against the LU solve");
        DMatrixRMaj transposed = CommonOps_DDRM.transpose(x, null);
        assertClose(x, transposed, tolerance() * 10 * scale, "inverse is symmetric");
        DMatrixRMaj product = new DMatrixRMaj(n, n);
        CommonOps_DDRM.mult(a, x, product);
        assertClose(CommonOps_DDRM.identity(n), product, tolerance() * 10 * condition, "a a^-1 = I");
    }

    @Test
    void inversePositiveDefiniteRejectsIndefiniteMatricesAndWrongShapes() {
        DMatrixRMaj indefinite = new DMatrixRMaj(new double[][] {{1, 2}, {2, 1}});
        assertThrows(ArithmeticException.class, () -> kernels.inversePositiveDefinite(upload(indefinite), create(2, 2)));
        DMatrixRMaj singular = new DMatrixRMaj(new double[][] {{1, 1, 0}, {1, 1, 0}, {0, 0, 2}});
        assertThrows(ArithmeticException.class, () -> kernels.inversePositiveDefinite(upload(singular), create(3, 3)));
        assertThrows(IllegalArgumentException.class, () -> kernels.inversePositiveDefinite(create(3, 2), create(3, 2)));
        assertThrows(IllegalArgumentException.class,
                () -> kernels.inversePositiveDefinite(upload(CommonOps_DDRM.identity(3)), create(2, 2)));
        DMatrixRMaj withNan = CommonOps_DDRM.identity(3);
        withNan.set(2, 1, Double.NaN);
        assertThrows(IllegalArgumentException.class, () -> kernels.inversePositiveDefinite(upload(withNan), create(3, 3)));
    }

    @ParameterizedTest
    @MethodSource("solveShapes")
    void solveLeavesASmallResidual(int n, int rightHandSides) {
        Random random = new Random(n * 13L + rightHandSides);
        DMatrixRMaj a = gaussian(n, n, random);
        for (int i = 0; i < n; i++) {
            a.add(i, i, 2.0 * Math.sqrt(n));
        }
        DMatrixRMaj b = gaussian(n, rightHandSides, random);
        M x = create(n, rightHandSides);
        kernels.solve(upload(a), upload(b), x);
        DMatrixRMaj hostX = download(x);
        DMatrixRMaj residual = product(a, hostX);
        CommonOps_DDRM.subtractEquals(residual, b);
        double bound = tolerance() * 10 * NormOps_DDRM.normF(a) * NormOps_DDRM.normF(hostX);
        assertTrue(NormOps_DDRM.normF(residual) <= bound, "||a x - b|| = " + NormOps_DDRM.normF(residual));

        M aliased = upload(b);
        kernels.solve(upload(a), aliased, aliased);
        assertClose(hostX, download(aliased), tolerance() * 10 * NormOps_DDRM.normF(hostX), "x aliasing b");
    }

    static Stream<Arguments> solveShapes() {
        return Stream.of(Arguments.of(1, 1), Arguments.of(5, 1), Arguments.of(8, 3), Arguments.of(40, 40));
    }

    @Test
    void solveRejectsSingularMatricesAndBadShapes() {
        DMatrixRMaj singular = new DMatrixRMaj(new double[][] {{1, 2, 3}, {4, 5, 6}, {7, 8, 9}});
        assertThrows(ArithmeticException.class, () -> kernels.solve(upload(singular), create(3, 1), create(3, 1)));
        assertThrows(ArithmeticException.class, () -> kernels.solve(create(2, 2), create(2, 1), create(2, 1)));
        assertThrows(IllegalArgumentException.class, () -> kernels.solve(create(3, 2), create(3, 1), create(2, 1)));
        assertThrows(IllegalArgumentException.class, () -> kernels.solve(create(3, 3), create(2, 1), create(3, 1)));
        assertThrows(IllegalArgumentException.class, () -> kernels.solve(create(3, 3), create(3, 2), create(3, 1)));
        DMatrixRMaj withNan = CommonOps_DDRM.identity(3);
        withNan.set(0, 2, Double.NaN);
        assertThrows(IllegalArgumentException.class, () -> kernels.solve(upload(withNan), create(3, 1), create(3, 1)));
    }

    // ---- expm ----------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(doubles = {0.01, 1.0, 8.0, 60.0})
    void expmOfASymmetricMatrixMatchesTheEigenFormula(double spread) {
        Random random = new Random((long) (spread * 100));
        int n = 10;
        DMatrixRMaj basis = randomOrthonormal(n, n, random);
        double[] values = new double[n];
        double[] exponentials = new double[n];
        double largest = 0.0;
        for (int i = 0; i < n; i++) {
            values[i] = spread * (2.0 * random.nextDouble() - 1.0);
            exponentials[i] = Math.exp(values[i]);
            largest = Math.max(largest, exponentials[i]);
        }
        DMatrixRMaj a = withSingularValues(basis, values, basis);
        DMatrixRMaj expected = withSingularValues(basis, exponentials, basis);
        M out = create(n, n);
        kernels.expm(upload(a), out);
        // Forward error of exp grows like ||A|| times the backward error (Higham 2008, Sec. 10.2).
        double bound = tolerance() * 10 * largest * Math.max(1.0, spread);
        assertClose(expected, download(out), bound, "expm(sym) = v diag(exp(values)) v^T");
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 5, 16})
    void expmOfASkewMatrixIsARotationAndExpOfMinusAIsItsInverse(int n) {
        Random random = new Random(200 + n);
        DMatrixRMaj skew = gaussian(n, n, random);
        DMatrixRMaj skewT = CommonOps_DDRM.transpose(skew, null);
        CommonOps_DDRM.subtractEquals(skew, skewT);
        M rotation = create(n, n);
        kernels.expm(upload(skew), rotation);
        DMatrixRMaj r = download(rotation);
        assertTrue(orthonormalityError(r) <= tolerance() * 100, "exp(skew) orthogonal: " + orthonormalityError(r));
        assertEquals(1.0, CommonOps_DDRM.det(r), tolerance() * 100, "det exp(skew) = 1");

        DMatrixRMaj general = gaussian(n, n, random);
        DMatrixRMaj negated = general.copy();
        CommonOps_DDRM.scale(-1.0, negated);
        M plus = upload(general);
        kernels.expm(plus, plus);
        M minus = create(n, n);
        kernels.expm(upload(negated), minus);
        DMatrixRMaj identity = CommonOps_DDRM.identity(n);
        DMatrixRMaj plusHost = download(plus);
        DMatrixRMaj minusHost = download(minus);
        double conditioning = NormOps_DDRM.normF(plusHost) * NormOps_DDRM.normF(minusHost);
        assertClose(identity, product(plusHost, minusHost), tolerance() * 100 * conditioning, "exp(a) exp(-a) = I");
    }

    @Test
    void expmMatchesClosedForms() {
        double angle = 2.3;
        DMatrixRMaj generator = new DMatrixRMaj(new double[][] {{0, -angle}, {angle, 0}});
        M rotation = create(2, 2);
        kernels.expm(upload(generator), rotation);
        DMatrixRMaj expectedRotation = new DMatrixRMaj(new double[][] {
            {Math.cos(angle), -Math.sin(angle)}, {Math.sin(angle), Math.cos(angle)}});
        assertClose(expectedRotation, download(rotation), tolerance() * 10, "rotation");

        DMatrixRMaj nilpotent = new DMatrixRMaj(new double[][] {{0, 3, -2}, {0, 0, 5}, {0, 0, 0}});
        DMatrixRMaj expectedNilpotent = new DMatrixRMaj(new double[][] {{1, 3, -2 + 7.5}, {0, 1, 5}, {0, 0, 1}});
        M out = create(3, 3);
        kernels.expm(upload(nilpotent), out);
        assertClose(expectedNilpotent, download(out), tolerance() * 100, "I + N + N^2 / 2");

        M scalar = create(1, 1);
        kernels.expm(upload(new DMatrixRMaj(new double[][] {{-3.7}})), scalar);
        assertEquals(Math.exp(-3.7), kernels.get(scalar, 0, 0), tolerance() * Math.exp(-3.7));

        assertThrows(IllegalArgumentException.class, () -> kernels.expm(create(2, 3), create(2, 3)));
        DMatrixRMaj withNan = new DMatrixRMaj(2, 2);
        withNan.set(1, 0, Double.NaN);
        assertThrows(IllegalArgumentException.class, () -> kernels.expm(upload(withNan), create(2, 2)));
    }

    // ---- zero-size shapes ----------------------------------------------------------------

    @Test
    void zeroSizeShapesAreHandled() {
        M empty = create(0, 0);
        M tallEmpty = create(4, 0);
        kernels.gemm(1.0, create(3, 0), false, create(0, 2), false, 0.0, create(3, 2));
        M c = upload(gaussian(3, 2, new Random(1)));
        kernels.gemm(1.0, create(3, 0), false, create(0, 2), false, 0.0, c);
        assertEquals(0.0, kernels.normF(c), 0.0, "empty inner dimension with beta = 0 gives zero");
        kernels.gemm(1.0, empty, false, empty, false, 0.0, create(0, 0));
        kernels.qrPositive(tallEmpty, create(4, 0), create(0, 0));
        kernels.polar(tallEmpty, create(4, 0));
        kernels.svdThin(tallEmpty, create(4, 0), new double[0], create(0, 0));
        kernels.symmetricEigen(empty, create(0, 0), new double[0]);
        kernels.cholesky(empty, create(0, 0));
        kernels.solve(empty, create(0, 3), create(0, 3));
        kernels.expm(empty, create(0, 0));
        assertEquals(0.0, kernels.normF(empty), 0.0);
        assertEquals(0.0, kernels.dot(tallEmpty, tallEmpty), 0.0);
    }
}
