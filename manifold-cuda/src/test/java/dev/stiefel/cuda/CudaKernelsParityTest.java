package dev.stiefel.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every device operation against the CPU reference ({@code EjmlKernels}) on the same inputs, at
 * the paper's shapes: relative Frobenius error at most 1e-10 in float64 and 1e-4 in float32.
 * Inputs of the decompositions have known, well-separated spectra so that factors are unique
 * up to the signs this test aligns. Skipped without a CUDA device.
 */
class CudaKernelsParityTest {

    private static final double FLOAT64_TOLERANCE = 1e-10;
    private static final double FLOAT32_TOLERANCE = 1e-4;

    private final DenseKernels<DMatrixRMaj> cpu = Kernels.ejml();
    private CudaKernels device;
    private final List<CudaMatrix> allocated = new ArrayList<>();

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        int[][] shapes = {{512, 10}, {1024, 100}, {33, 33}};
        for (CudaPrecision precision : CudaPrecision.values()) {
            for (int[] shape : shapes) {
                cases.add(Arguments.of(precision, shape[0], shape[1]));
            }
        }
        return cases.stream();
    }

    @AfterEach
    void release() {
        for (CudaMatrix matrix : allocated) {
            device.free(matrix);
        }
        allocated.clear();
        if (device != null) {
            device.close();
        }
    }

    private void open(CudaPrecision precision) {
        device = new CudaKernels(CudaTestSupport.binding(), precision);
    }

    private static double tolerance(CudaPrecision precision) {
        return precision == CudaPrecision.FLOAT64 ? FLOAT64_TOLERANCE : FLOAT32_TOLERANCE;
    }

    private CudaMatrix up(DMatrixRMaj host) {
        CudaMatrix matrix = device.fromHost(host);
        allocated.add(matrix);
        return matrix;
    }

    private CudaMatrix make(int rows, int cols) {
        CudaMatrix matrix = device.create(rows, cols);
        allocated.add(matrix);
        return matrix;
    }

    private DMatrixRMaj down(CudaMatrix matrix) {
        return device.toHost(matrix, new DMatrixRMaj(1, 1));
    }

    private DMatrixRMaj gaussian(int rows, int cols, Random random) {
        DMatrixRMaj a = new DMatrixRMaj(rows, cols);
        for (int i = 0; i < a.data.length; i++) {
            a.data[i] = random.nextGaussian();
        }
        return representable(a);
    }

    /**
     * Rounds {@code a} in place to the device precision, so the CPU reference starts from the
     * numbers the device holds and the comparison measures arithmetic, not the upload.
     */
    private DMatrixRMaj representable(DMatrixRMaj a) {
        if (device.precision() == CudaPrecision.FLOAT32) {
            for (int i = 0; i < a.data.length; i++) {
                a.data[i] = (float) a.data[i];
            }
        }
        return a;
    }

    private static void assertRelative(DMatrixRMaj expected, DMatrixRMaj actual, double tolerance, String what) {
        assertEquals(expected.numRows, actual.numRows, what + " rows");
        assertEquals(expected.numCols, actual.numCols, what + " cols");
        DMatrixRMaj difference = expected.copy();
        CommonOps_DDRM.subtractEquals(difference, actual);
        double error = NormOps_DDRM.normF(difference) / Math.max(1.0, NormOps_DDRM.normF(expected));
        assertTrue(error <= tolerance, what + ": relative error " + error + " > " + tolerance);
    }

    private static void assertRelative(double expected, double actual, double scale, double tolerance, String what) {
        double error = Math.abs(expected - actual) / Math.max(1.0, scale);
        assertTrue(error <= tolerance, what + ": relative error " + error + " > " + tolerance);
    }

    /** Flips each column of {@code actual} to point like the same column of {@code reference}. */
    private static DMatrixRMaj alignColumnSigns(DMatrixRMaj reference, DMatrixRMaj actual) {
        DMatrixRMaj aligned = actual.copy();
        for (int j = 0; j < actual.numCols; j++) {
            double dot = 0;
            for (int i = 0; i < actual.numRows; i++) {
                dot += reference.get(i, j) * actual.get(i, j);
            }
            if (dot < 0) {
                for (int i = 0; i < actual.numRows; i++) {
                    aligned.set(i, j, -actual.get(i, j));
                }
            }
        }
        return aligned;
    }

    /** {@code u diag(s) v^T} with orthonormal u, v from the CPU QR of Gaussian matrices. */
    private DMatrixRMaj withSpectrum(int rows, int cols, double[] s, Random random) {
        DMatrixRMaj u = new DMatrixRMaj(rows, cols);
        DMatrixRMaj v = new DMatrixRMaj(cols, cols);
        cpu.qrPositive(gaussian(rows, cols, random), u, null);
        cpu.qrPositive(gaussian(cols, cols, random), v, null);
        cpu.scaleColumns(u, s, u);
        DMatrixRMaj a = new DMatrixRMaj(rows, cols);
        cpu.gemm(1.0, u, false, v, true, 0.0, a);
        return a;
    }

    @ParameterizedTest(name = "{0} {1} x {2}")
    @MethodSource("cases")
    void levelOneAndThreeMatchTheCpu(CudaPrecision precision, int n, int p) {
        open(precision);
        double tolerance = tolerance(precision);
        Random random = new Random(n * 1000L + p);
        DMatrixRMaj x = gaussian(n, p, random);
        DMatrixRMaj y = gaussian(n, p, random);
        DMatrixRMaj square = gaussian(p, p, random);
        CudaMatrix dx = up(x);
        CudaMatrix dy = up(y);
        CudaMatrix dSquare = up(square);

        DMatrixRMaj expected = new DMatrixRMaj(n, p);
        CudaMatrix out = make(n, p);
        cpu.addScaled(0.7, x, -1.9, y, expected);
        device.addScaled(0.7, dx, -1.9, dy, out);
        assertRelative(expected, down(out), tolerance, "addScaled");

        assertRelative(cpu.dot(x, y), device.dot(dx, dy), cpu.normF(x) * cpu.normF(y), tolerance, "dot");
        assertRelative(cpu.normF(x), device.normF(dx), cpu.normF(x), tolerance, "normF");

        double[] scales = new double[p];
        for (int j = 0; j < p; j++) {
            scales[j] = random.nextGaussian();
        }
        cpu.scaleColumns(x, scales, expected);
        device.scaleColumns(dx, scales, out);
        assertRelative(expected, down(out), tolerance, "scaleColumns");

        DMatrixRMaj transposed = new DMatrixRMaj(p, n);
        CudaMatrix dTransposed = make(p, n);
        cpu.transpose(x, transposed);
        device.transpose(dx, dTransposed);
        assertRelative(transposed, down(dTransposed), 0.0, "transpose");

        DMatrixRMaj squareOut = new DMatrixRMaj(p, p);
        CudaMatrix dSquareOut = make(p, p);
        cpu.symmetricPart(square, squareOut);
        device.symmetricPart(dSquare, dSquareOut);
        assertRelative(squareOut, down(dSquareOut), tolerance, "symmetricPart");
        cpu.skewPart(square, squareOut);
        device.skewPart(dSquare, dSquareOut);
        assertRelative(squareOut, down(dSquareOut), tolerance, "skewPart");
        cpu.addIdentity(square, -2.5, squareOut);
        device.addIdentity(dSquare, -2.5, dSquareOut);
        assertRelative(squareOut, down(dSquareOut), tolerance, "addIdentity");

        for (boolean transposeA : new boolean[] {false, true}) {
            for (boolean transposeB : new boolean[] {false, true}) {
                DMatrixRMaj a = transposeA ? x : transposed;
                DMatrixRMaj b = transposeB ? transposed : x;
                DMatrixRMaj c = gaussian(p, p, random);
                CudaMatrix dc = up(c);
                cpu.gemm(1.1, a, transposeA, b, transposeB, -0.4, c);
                device.gemm(1.1, transposeA ? dx : dTransposed, transposeA, transposeB ? dTransposed : dx, transposeB,
                        -0.4, dc);
                assertRelative(c, down(dc), tolerance * Math.sqrt(n), "gemm " + transposeA + " " + transposeB);
            }
        }
        DMatrixRMaj tall = new DMatrixRMaj(n, p);
        CudaMatrix dTall = make(n, p);
        cpu.gemm(1.0, x, false, square, false, 0.0, tall);
        device.gemm(1.0, dx, false, dSquare, false, 0.0, dTall);
        assertRelative(tall, down(dTall), tolerance * Math.sqrt(p), "gemm n x p times p x p");
    }

    @ParameterizedTest(name = "{0} {1} x {2}")
    @MethodSource("cases")
    void decompositionsMatchTheCpu(CudaPrecision precision, int n, int p) {
        open(precision);
        double tolerance = tolerance(precision);
        Random random = new Random(n * 7919L + p);
        double[] singularValues = new double[p];
        for (int j = 0; j < p; j++) {
            singularValues[j] = 10.0 - 9.0 * j / Math.max(1, p - 1);
        }
        DMatrixRMaj a = representable(withSpectrum(n, p, singularValues, random));
        CudaMatrix da = up(a);

        DMatrixRMaj q = new DMatrixRMaj(n, p);
        DMatrixRMaj r = new DMatrixRMaj(p, p);
        CudaMatrix dq = make(n, p);
        CudaMatrix dr = make(p, p);
        cpu.qrPositive(a, q, r);
        device.qrPositive(da, dq, dr);
        assertRelative(q, down(dq), tolerance * 10, "qrPositive q");
        assertRelative(r, down(dr), tolerance * 10, "qrPositive r");

        DMatrixRMaj polar = new DMatrixRMaj(n, p);
        CudaMatrix dPolar = make(n, p);
        cpu.polar(a, polar);
        device.polar(da, dPolar);
        assertRelative(polar, down(dPolar), tolerance * 10, "polar");

        DMatrixRMaj u = new DMatrixRMaj(n, p);
        DMatrixRMaj v = new DMatrixRMaj(p, p);
        double[] s = new double[p];
        double[] ds = new double[p];
        CudaMatrix du = make(n, p);
        CudaMatrix dv = make(p, p);
        cpu.svdThin(a, u, s, v);
        device.svdThin(da, du, ds, dv);
        for (int j = 0; j < p; j++) {
            assertRelative(s[j], ds[j], s[0], tolerance, "singular value " + j);
        }
        // Singular values 1 apart at most 9 / (p - 1) apart: vectors are unique up to sign.
        double gap = 9.0 / Math.max(1, p - 1);
        assertRelative(u, alignColumnSigns(u, down(du)), tolerance * 10 / gap, "svd u");
        assertRelative(v, alignColumnSigns(v, down(dv)), tolerance * 10 / gap, "svd v");

        DMatrixRMaj gram = new DMatrixRMaj(p, p);
        cpu.gemm(1.0, a, true, a, false, 0.0, gram);
        representable(gram);
        CudaMatrix dGram = up(gram);
        DMatrixRMaj vectors = new DMatrixRMaj(p, p);
        double[] values = new double[p];
        double[] dValues = new double[p];
        CudaMatrix dVectors = make(p, p);
        cpu.symmetricEigen(gram, vectors, values);
        device.symmetricEigen(dGram, dVectors, dValues);
        for (int j = 0; j < p; j++) {
            assertRelative(values[j], dValues[j], values[p - 1], tolerance, "eigenvalue " + j);
        }
        assertRelative(vectors, alignColumnSigns(vectors, down(dVectors)), tolerance * 100 / gap, "eigenvectors");

        DMatrixRMaj lower = new DMatrixRMaj(p, p);
        CudaMatrix dLower = make(p, p);
        cpu.cholesky(gram, lower);
        device.cholesky(dGram, dLower);
        assertRelative(lower, down(dLower), tolerance * 10, "cholesky");

        DMatrixRMaj rhs = gaussian(p, 3, random);
        DMatrixRMaj solution = new DMatrixRMaj(p, 3);
        CudaMatrix dSolution = make(p, 3);
        cpu.solve(gram, rhs, solution);
        device.solve(dGram, up(rhs), dSolution);
        assertRelative(solution, down(dSolution), tolerance * 100, "solve (condition 100)");

        DMatrixRMaj skew = new DMatrixRMaj(p, p);
        cpu.skewPart(gaussian(p, p, random), skew);
        representable(skew);
        DMatrixRMaj exponential = new DMatrixRMaj(p, p);
        CudaMatrix dExponential = make(p, p);
        cpu.expm(skew, exponential);
        device.expm(up(skew), dExponential);
        assertRelative(exponential, down(dExponential), tolerance * 10, "expm");
    }
}
