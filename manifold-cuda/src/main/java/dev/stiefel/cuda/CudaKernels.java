package dev.stiefel.cuda;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import java.util.Arrays;
import java.util.Objects;
import org.ejml.data.DMatrixRMaj;

/**
 * {@link DenseKernels} on a CUDA device: matrices live in device memory ({@link CudaMatrix},
 * column-major) in float64 or float32, chosen at construction, and every n x p operation runs
 * in cuBLAS or cuSOLVER through a {@link CudaBinding}. Scalars cross as {@code double}.
 *
 * <p>Where the work is done:
 * <ul>
 *   <li>level 1 and 3, transposes, symmetric and skew parts ({@code geam}), column scaling
 *       ({@code dgmm}), {@code addIdentity} and {@code setIdentity} (strided {@code axpy} of a
 *       device vector of ones along the diagonal), norms and finiteness ({@code asum}, falling
 *       back to an exact host scan only when the sum overflowed): on the device;</li>
 *   <li>QR ({@code geqrf}/{@code orgqr}), polar and thin SVD ({@code gesvd}), symmetric eigen
 *       ({@code syevd}), Cholesky ({@code potrf}), LU solve ({@code getrf}/{@code getrs}): on
 *       the device. The small by-products go to the host by documented copies: the p x p
 *       triangle R of the QR (to fix signs and check rank), the singular values, eigenvalues and
 *       the diagonal of U in the LU (to check rank), and the n x n Cholesky factor (to clear the
 *       strict upper triangle, which {@code potrf} leaves untouched);</li>
 *   <li>{@link #expm}: on the host by the {@code hostKernels} given at construction (it is
 *       applied to p x p or 2p x 2p matrices), one copy each way.</li>
 * </ul>
 * Points and tangent vectors therefore never round-trip to the host inside a solver iteration.
 *
 * <p>Workspaces (device and host) are fields that grow to the largest shape seen, so repeated
 * same-shape calls allocate nothing. Not thread-safe: one instance per thread, as the seam
 * requires. Device memory is released by {@link #free(CudaMatrix)} and {@link #close()}.
 */
public final class CudaKernels implements DenseKernels<CudaMatrix>, AutoCloseable {

    private final CudaBinding binding;
    private final CudaPrecision precision;
    private final DenseKernels<DMatrixRMaj> hostKernels;
    private final String name;
    private final int bytes;

    private double[] hostDoubles = new double[0];
    private double[] hostSquare = new double[0];
    private double[] hostSigns = new double[0];
    private float[] hostFloats = new float[0];
    private final DMatrixRMaj hostIn = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj hostOut = new DMatrixRMaj(1, 1);

    private final Workspace work = new Workspace();
    private final Workspace tau = new Workspace();
    private final Workspace info = new Workspace();
    private final Workspace pivots = new Workspace();
    private final Workspace vector = new Workspace();
    private final Workspace square = new Workspace();
    private final Workspace factor = new Workspace();
    private final Workspace left = new Workspace();
    private final Workspace rightTransposed = new Workspace();
    private final Workspace rwork = new Workspace();
    private final Workspace ones = new Workspace();
    private int onesLength;

    /**
     * Kernels whose host-side work ({@link #expm}) runs on the pure-Java reference backend.
     *
     * @param binding the CUDA binding (owned by the caller, who closes it after these kernels)
     * @param precision element type of device storage
     */
    public CudaKernels(CudaBinding binding, CudaPrecision precision) {
        this(binding, precision, Kernels.ejml());
    }

    /**
     * @param binding the CUDA binding (owned by the caller, who closes it after these kernels)
     * @param precision element type of device storage
     * @param hostKernels host kernels for the small square work done on the host ({@link #expm})
     */
    public CudaKernels(CudaBinding binding, CudaPrecision precision, DenseKernels<DMatrixRMaj> hostKernels) {
        this.binding = Objects.requireNonNull(binding, "binding");
        this.precision = Objects.requireNonNull(precision, "precision");
        this.hostKernels = Objects.requireNonNull(hostKernels, "hostKernels");
        this.name = "cuda-" + binding.name() + "-f" + precision.bits();
        this.bytes = precision.bytes();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int precisionBits() {
        return precision.bits();
    }

    /** The element type of device storage. */
    public CudaPrecision precision() {
        return precision;
    }

    /** The binding these kernels call. */
    public CudaBinding binding() {
        return binding;
    }

    /**
     * Bytes of device memory allocated through the binding and not yet freed
     * ({@link CudaBinding#liveDeviceBytes()}): these kernels' matrices and workspaces and those of
     * every other {@link CudaKernels} on the same binding. A test takes it before some work and
     * compares after closing what the work made; {@link #close()} gives back the workspaces.
     *
     * @return the live bytes of the binding
     */
    public long liveDeviceBytes() {
        return binding.liveDeviceBytes();
    }

    /** Waits until all queued device work is done (for timings). */
    public void synchronize() {
        binding.synchronize();
    }

    // ---- storage -------------------------------------------------------------------------

    @Override
    public CudaMatrix create(int rows, int cols) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("create: negative shape " + rows + " x " + cols);
        }
        long size = (long) rows * cols;
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("create: " + rows + " x " + cols + " has more than 2^31 - 1 entries");
        }
        DevicePointer data = binding.allocate(size * bytes);
        binding.zero(data, size * bytes);
        return new CudaMatrix(this, data, rows, cols);
    }

    @Override
    public int rows(CudaMatrix a) {
        return check(a, "a").rows();
    }

    @Override
    public int cols(CudaMatrix a) {
        return check(a, "a").cols();
    }

    @Override
    public CudaMatrix fromHost(DMatrixRMaj src) {
        Objects.requireNonNull(src, "src");
        CudaMatrix out = create(src.numRows, src.numCols);
        copyFromHost(src, out);
        return out;
    }

    @Override
    public DMatrixRMaj toHost(CudaMatrix src, DMatrixRMaj dst) {
        check(src, "src");
        Objects.requireNonNull(dst, "dst");
        int rows = src.rows();
        int cols = src.cols();
        dst.reshape(rows, cols);
        double[] columnMajor = download(src.data, src.size());
        double[] data = dst.data;
        for (int j = 0; j < cols; j++) {
            int offset = j * rows;
            for (int i = 0; i < rows; i++) {
                data[i * cols + j] = columnMajor[offset + i];
            }
        }
        return dst;
    }

    @Override
    public void copyFromHost(DMatrixRMaj src, CudaMatrix dst) {
        Objects.requireNonNull(src, "src");
        check(dst, "dst");
        if (src.numRows != dst.rows() || src.numCols != dst.cols()) {
            throw new IllegalArgumentException("copyFromHost: src is " + src.numRows + " x " + src.numCols
                    + ", dst is " + dst.rows() + " x " + dst.cols());
        }
        int rows = src.numRows;
        int cols = src.numCols;
        double[] columnMajor = hostDoubles(rows * cols);
        double[] data = src.data;
        for (int j = 0; j < cols; j++) {
            int offset = j * rows;
            for (int i = 0; i < rows; i++) {
                columnMajor[offset + i] = data[i * cols + j];
            }
        }
        upload(columnMajor, rows * cols, dst.data);
    }

    @Override
    public void copy(CudaMatrix src, CudaMatrix dst) {
        requireSameShape("copy", src, "src", dst, "dst");
        if (src != dst) {
            binding.copyOnDevice(src.data, dst.data, (long) src.size() * bytes);
        }
    }

    /** Releases the device memory of {@code a}; a second call is a no-op. */
    @Override
    public void free(CudaMatrix a) {
        if (a != null) {
            requireOwned(a, "a");
            binding.free(a.data);
        }
    }

    /** Releases the device workspaces (not the binding, nor matrices still held by callers). */
    @Override
    public void close() {
        for (Workspace w : new Workspace[] {work, tau, info, pivots, vector, square, factor, left,
                rightTransposed, rwork, ones}) {
            w.release();
        }
        onesLength = 0;
    }

    @Override
    public void zero(CudaMatrix a) {
        check(a, "a");
        binding.zero(a.data, (long) a.size() * bytes);
    }

    @Override
    public void setIdentity(CudaMatrix a) {
        zero(a);
        int diagonal = Math.min(a.rows(), a.cols());
        if (diagonal > 0) {
            binding.axpy(precision, diagonal, 1.0, ones(diagonal), 1, a.data, a.rows() + 1);
        }
    }

    @Override
    public double get(CudaMatrix a, int row, int col) {
        check(a, "a");
        if (row < 0 || row >= a.rows() || col < 0 || col >= a.cols()) {
            throw new IndexOutOfBoundsException("get: (" + row + ", " + col + ") outside " + a.rows() + " x " + a.cols());
        }
        long offset = ((long) col * a.rows() + row) * bytes;
        if (precision == CudaPrecision.FLOAT64) {
            double[] one = hostDoubles(1);
            binding.copyToHost(a.data, offset, 1, one);
            return one[0];
        }
        float[] one = hostFloats(1);
        binding.copyToHost(a.data, offset, 1, one);
        return one[0];
    }

    // ---- level 1 -------------------------------------------------------------------------

    @Override
    public void scale(double alpha, CudaMatrix a) {
        check(a, "a");
        if (a.size() > 0) {
            binding.scal(precision, a.size(), alpha, a.data, 1);
        }
    }

    @Override
    public void addScaled(double alpha, CudaMatrix x, double beta, CudaMatrix y, CudaMatrix out) {
        requireSameShape("addScaled", x, "x", y, "y");
        requireSameShape("addScaled", x, "x", out, "out");
        if (x.size() == 0) {
            return;
        }
        // geam supports in-place use when out aliases an untransposed operand with the same ld.
        binding.geam(precision, false, false, x.rows(), x.cols(), alpha, x.data, x.rows(), beta, y.data, y.rows(),
                out.data, out.rows());
    }

    @Override
    public double dot(CudaMatrix a, CudaMatrix b) {
        requireSameShape("dot", a, "a", b, "b");
        return a.size() == 0 ? 0.0 : binding.dot(precision, a.size(), a.data, 1, b.data, 1);
    }

    @Override
    public double normF(CudaMatrix a) {
        check(a, "a");
        return a.size() == 0 ? 0.0 : binding.nrm2(precision, a.size(), a.data, 1);
    }

    /**
     * Finiteness from one device reduction: a sum of absolute values is NaN exactly when an
     * entry is NaN and finite when every entry is finite; an infinite sum may come from an
     * infinite entry or from overflow of large finite ones, and only that rare case scans the
     * entries on the host.
     */
    @Override
    public boolean allFinite(CudaMatrix a) {
        check(a, "a");
        if (a.size() == 0) {
            return true;
        }
        double sum = binding.asum(precision, a.size(), a.data, 1);
        if (Double.isFinite(sum)) {
            return true;
        }
        if (Double.isNaN(sum)) {
            return false;
        }
        double[] values = download(a.data, a.size());
        for (int i = 0; i < a.size(); i++) {
            if (!Double.isFinite(values[i])) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void transpose(CudaMatrix a, CudaMatrix out) {
        check(a, "a");
        check(out, "out");
        if (out.rows() != a.cols() || out.cols() != a.rows()) {
            throw new IllegalArgumentException("transpose: a is " + shape(a) + ", out must be "
                    + a.cols() + " x " + a.rows() + " but is " + shape(out));
        }
        if (a == out) {
            throw new IllegalArgumentException("transpose: out must not alias a");
        }
        if (a.size() == 0) {
            return;
        }
        // beta = 0: the second operand is not read; a itself keeps the call free of aliasing.
        binding.geam(precision, true, true, a.cols(), a.rows(), 1.0, a.data, a.rows(), 0.0, a.data, a.rows(),
                out.data, out.rows());
    }

    @Override
    public void symmetricPart(CudaMatrix a, CudaMatrix out) {
        symmetricCombination("symmetricPart", a, 0.5, out);
    }

    @Override
    public void skewPart(CudaMatrix a, CudaMatrix out) {
        symmetricCombination("skewPart", a, -0.5, out);
    }

    /** {@code out = a / 2 + sign a^T / 2} by geam; when out aliases a, through a square workspace. */
    private void symmetricCombination(String operation, CudaMatrix a, double transposeWeight, CudaMatrix out) {
        requireSquare(operation, a, "a");
        requireSameShape(operation, a, "a", out, "out");
        int n = a.rows();
        if (n == 0) {
            return;
        }
        // geam may not write over an operand it reads transposed, so an aliased out goes via a copy.
        DevicePointer target = a == out ? square.ensure((long) n * n * bytes) : out.data;
        binding.geam(precision, false, true, n, n, 0.5, a.data, n, transposeWeight, a.data, n, target, n);
        if (a == out) {
            binding.copyOnDevice(target, out.data, (long) n * n * bytes);
        }
    }

    @Override
    public void scaleColumns(CudaMatrix a, double[] s, CudaMatrix out) {
        requireSameShape("scaleColumns", a, "a", out, "out");
        Objects.requireNonNull(s, "s");
        if (s.length != a.cols()) {
            throw new IllegalArgumentException("scaleColumns: a is " + shape(a) + " but s has length " + s.length);
        }
        if (a.size() == 0) {
            return;
        }
        DevicePointer scales = vector.ensure((long) s.length * bytes);
        upload(s, s.length, scales);
        binding.scaleColumns(precision, a.rows(), a.cols(), a.data, a.rows(), scales, 1, out.data, out.rows());
    }

    @Override
    public void addIdentity(CudaMatrix a, double alpha, CudaMatrix out) {
        requireSquare("addIdentity", a, "a");
        requireSameShape("addIdentity", a, "a", out, "out");
        copy(a, out);
        int n = a.rows();
        if (n > 0) {
            binding.axpy(precision, n, alpha, ones(n), 1, out.data, n + 1);
        }
    }

    // ---- level 3 -------------------------------------------------------------------------

    @Override
    public void gemm(double alpha, CudaMatrix a, boolean transposeA, CudaMatrix b, boolean transposeB,
            double beta, CudaMatrix c) {
        check(a, "a");
        check(b, "b");
        check(c, "c");
        int m = transposeA ? a.cols() : a.rows();
        int k = transposeA ? a.rows() : a.cols();
        int kb = transposeB ? b.cols() : b.rows();
        int n = transposeB ? b.rows() : b.cols();
        if (k != kb || c.rows() != m || c.cols() != n) {
            throw new IllegalArgumentException("gemm: op(a) is " + m + " x " + k + ", op(b) is " + kb + " x " + n
                    + ", c is " + shape(c));
        }
        if (c == a || c == b) {
            throw new IllegalArgumentException("gemm: c must not alias a or b");
        }
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            if (beta == 0.0) {
                zero(c);
            } else {
                scale(beta, c);
            }
            return;
        }
        binding.gemm(precision, transposeA, transposeB, m, n, k, alpha, a.data, ld(a), b.data, ld(b), beta,
                c.data, ld(c));
    }

    // ---- decompositions ------------------------------------------------------------------

    /**
     * Householder QR on the device ({@code geqrf}, then {@code orgqr} forms Q in place), signs
     * fixed so that {@code diag(R) > 0}: with {@code D = sign(diag(R))}, {@code Q D} and
     * {@code D R} are the unique positive factorisation (Golub and Van Loan, Matrix Computations,
     * 4th ed., Thm. 5.2.3). R (p x p) is read to the host for the signs and the rank test
     * {@code |R(j, j)| <= rows * eps * ||R||_F}, since {@code ||R||_F = ||a||_F}.
     *
     * <p>{@code q} may alias {@code a}.
     */
    @Override
    public void qrPositive(CudaMatrix a, CudaMatrix q, CudaMatrix r) {
        check(a, "a");
        int n = a.rows();
        int p = a.cols();
        if (n < p) {
            throw new IllegalArgumentException("qrPositive: a must be tall (rows >= cols) but is " + shape(a));
        }
        check(q, "q");
        if (q.rows() != n || q.cols() != p) {
            throw new IllegalArgumentException("qrPositive: a is " + shape(a) + ", q must be the same shape but is "
                    + shape(q));
        }
        if (r != null) {
            check(r, "r");
            if (r.rows() != p || r.cols() != p) {
                throw new IllegalArgumentException("qrPositive: a is " + shape(a) + ", r must be " + p + " x " + p
                        + " but is " + shape(r));
            }
        }
        requireFinite("qrPositive", a, "a");
        copy(a, q);
        if (p == 0) {
            return;
        }
        DevicePointer tauVector = tau.ensure((long) p * bytes);
        int lwork = Math.max(binding.geqrfWorkspace(precision, n, p, q.data, n),
                binding.orgqrWorkspace(precision, n, p, p, q.data, n, tauVector));
        DevicePointer workspace = work.ensure(Math.max(1L, lwork) * bytes);
        DevicePointer status = info.ensure(Integer.BYTES);
        requireInfo("qrPositive: geqrf", binding.geqrf(precision, n, p, q.data, n, tauVector, workspace, lwork, status));

        DevicePointer rDevice = square.ensure((long) p * p * bytes);
        binding.geam(precision, false, false, p, p, 1.0, q.data, n, 0.0, q.data, n, rDevice, p);
        double[] rHost = hostSquare(p * p);
        System.arraycopy(download(rDevice, p * p), 0, rHost, 0, p * p);
        requireInfo("qrPositive: orgqr", binding.orgqr(precision, n, p, p, q.data, n, tauVector, workspace, lwork,
                status));

        double normR = 0;
        for (int j = 0; j < p; j++) {
            for (int i = 0; i <= j; i++) {
                normR = Math.hypot(normR, rHost[j * p + i]);
            }
        }
        double threshold = n * precision.epsilon() * normR;
        double[] signs = hostSigns(p);
        boolean flip = false;
        for (int j = 0; j < p; j++) {
            double diagonal = rHost[j * p + j];
            if (!(Math.abs(diagonal) > threshold)) {
                throw new ArithmeticException("qrPositive: a (" + shape(a) + ") is rank deficient: |R(" + j + ", " + j
                        + ")| = " + Math.abs(diagonal) + " <= " + threshold + " = rows * eps * ||a||_F");
            }
            signs[j] = diagonal < 0 ? -1.0 : 1.0;
            flip |= diagonal < 0;
        }
        if (flip) {
            DevicePointer signVector = vector.ensure((long) p * bytes);
            upload(signs, p, signVector);
            binding.scaleColumns(precision, n, p, q.data, n, signVector, 1, q.data, n);
        }
        if (r != null) {
            for (int j = 0; j < p; j++) {
                for (int i = 0; i < p; i++) {
                    rHost[j * p + i] = i <= j ? signs[i] * rHost[j * p + i] : 0.0;
                }
            }
            upload(rHost, p * p, r.data);
        }
    }

    /**
     * Polar factor {@code u v^T} from the device thin SVD ({@code gesvd}) and one {@code gemm}
     * (Higham, Functions of Matrices, 2008, Thm. 8.1). {@code out} may alias {@code a}.
     *
     * @throws ArithmeticException when {@code s_min <= rows * eps * s_max}
     */
    @Override
    public void polar(CudaMatrix a, CudaMatrix out) {
        requireSameShape("polar", a, "a", out, "out");
        int n = a.rows();
        int p = a.cols();
        if (n < p) {
            throw new IllegalArgumentException("polar: a must be tall (rows >= cols) but is " + shape(a));
        }
        requireFinite("polar", a, "a");
        if (p == 0) {
            return;
        }
        double[] s = thinSvd("polar", a);
        double threshold = n * precision.epsilon() * s[0];
        if (!(s[p - 1] > threshold)) {
            throw new ArithmeticException("polar: a (" + shape(a) + ") is rank deficient: smallest singular value "
                    + s[p - 1] + " <= " + threshold + " = rows * eps * largest; the polar factor is not unique");
        }
        binding.gemm(precision, false, false, n, p, p, 1.0, left.pointer, n, rightTransposed.pointer, p, 0.0,
                out.data, n);
    }

    /**
     * Thin SVD of {@code a} into the workspaces: u in {@code left}, v^T in {@code rightTransposed};
     * returns the singular values (descending) in a host array owned by these kernels.
     */
    private double[] thinSvd(String operation, CudaMatrix a) {
        int n = a.rows();
        int p = a.cols();
        DevicePointer copyOfA = factor.ensure((long) n * p * bytes);
        binding.copyOnDevice(a.data, copyOfA, (long) n * p * bytes);
        DevicePointer u = left.ensure((long) n * p * bytes);
        DevicePointer vt = rightTransposed.ensure((long) p * p * bytes);
        DevicePointer values = vector.ensure((long) p * bytes);
        DevicePointer superDiagonal = rwork.ensure((long) p * bytes);
        int lwork = binding.gesvdWorkspace(precision, n, p);
        DevicePointer workspace = work.ensure(Math.max(1L, lwork) * bytes);
        int status = binding.gesvd(precision, n, p, copyOfA, n, values, u, n, vt, p, workspace, lwork,
                superDiagonal, info.ensure(Integer.BYTES));
        if (status > 0) {
            throw new ArithmeticException(operation + ": the SVD did not converge (" + status
                    + " superdiagonals left)");
        }
        requireInfo(operation + ": gesvd", status);
        return download(values, p);
    }

    /**
     * Symmetric eigendecomposition of the symmetric part of {@code a} by {@code syevd}
     * (divide and conquer); eigenvalues ascending, copied to the host. {@code vectors} may alias
     * {@code a}.
     */
    @Override
    public void symmetricEigen(CudaMatrix a, CudaMatrix vectors, double[] values) {
        requireSquare("symmetricEigen", a, "a");
        requireSameShape("symmetricEigen", a, "a", vectors, "vectors");
        Objects.requireNonNull(values, "values");
        int n = a.rows();
        if (values.length < n) {
            throw new IllegalArgumentException("symmetricEigen: a is " + shape(a) + " but values has length "
                    + values.length);
        }
        requireFinite("symmetricEigen", a, "a");
        if (n == 0) {
            return;
        }
        symmetricPart(a, vectors);
        DevicePointer eigenvalues = vector.ensure((long) n * bytes);
        int lwork = binding.syevdWorkspace(precision, n, vectors.data, n, eigenvalues);
        DevicePointer workspace = work.ensure(Math.max(1L, lwork) * bytes);
        int status = binding.syevd(precision, n, vectors.data, n, eigenvalues, workspace, lwork,
                info.ensure(Integer.BYTES));
        if (status > 0) {
            throw new ArithmeticException("symmetricEigen: syevd did not converge (" + status
                    + " off-diagonal elements left)");
        }
        requireInfo("symmetricEigen: syevd", status);
        System.arraycopy(download(eigenvalues, n), 0, values, 0, n);
    }

    /** Thin SVD by {@code gesvd}; {@code v} is formed from v^T by a geam transpose. */
    @Override
    public void svdThin(CudaMatrix a, CudaMatrix u, double[] s, CudaMatrix v) {
        check(a, "a");
        int n = a.rows();
        int p = a.cols();
        if (n < p) {
            throw new IllegalArgumentException("svdThin: a must be tall (rows >= cols) but is " + shape(a));
        }
        requireSameShape("svdThin", a, "a", u, "u");
        check(v, "v");
        if (v.rows() != p || v.cols() != p) {
            throw new IllegalArgumentException("svdThin: a is " + shape(a) + ", v must be " + p + " x " + p
                    + " but is " + shape(v));
        }
        Objects.requireNonNull(s, "s");
        if (s.length < p) {
            throw new IllegalArgumentException("svdThin: a is " + shape(a) + " but s has length " + s.length);
        }
        requireFinite("svdThin", a, "a");
        if (p == 0) {
            return;
        }
        double[] values = thinSvd("svdThin", a);
        System.arraycopy(values, 0, s, 0, p);
        binding.copyOnDevice(left.pointer, u.data, (long) n * p * bytes);
        binding.geam(precision, true, true, p, p, 1.0, rightTransposed.pointer, p, 0.0, rightTransposed.pointer, p,
                v.data, p);
    }

    /**
     * Cholesky factor by {@code potrf} (lower). The n x n factor makes one round trip to the
     * host to clear the strict upper triangle, which {@code potrf} leaves holding a's entries.
     * {@code lower} may alias {@code a}.
     */
    @Override
    public void cholesky(CudaMatrix a, CudaMatrix lower) {
        requireSquare("cholesky", a, "a");
        requireSameShape("cholesky", a, "a", lower, "lower");
        requireFinite("cholesky", a, "a");
        int n = a.rows();
        copy(a, lower);
        if (n == 0) {
            return;
        }
        int lwork = binding.potrfWorkspace(precision, n, lower.data, n);
        DevicePointer workspace = work.ensure(Math.max(1L, lwork) * bytes);
        int status = binding.potrf(precision, n, lower.data, n, workspace, lwork, info.ensure(Integer.BYTES));
        if (status > 0) {
            throw new ArithmeticException("cholesky: a (" + shape(a) + ") is not positive definite (leading minor "
                    + status + " is not positive)");
        }
        requireInfo("cholesky: potrf", status);
        double[] factorHost = download(lower.data, n * n);
        boolean finite = true;
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < j; i++) {
                factorHost[j * n + i] = 0.0;
            }
            finite &= Double.isFinite(factorHost[j * n + j]);
        }
        if (!finite) {
            throw new ArithmeticException("cholesky: a (" + shape(a) + ") is not positive definite (non-finite factor)");
        }
        upload(factorHost, n * n, lower.data);
    }

    /**
     * Solves {@code a x = b} by LU with partial pivoting ({@code getrf}, {@code getrs}). The
     * diagonal of U is copied to the host for the singularity test
     * {@code min |U(i, i)| <= n * eps * max |U(i, i)|}. {@code x} may alias {@code b}.
     */
    @Override
    public void solve(CudaMatrix a, CudaMatrix b, CudaMatrix x) {
        requireSquare("solve", a, "a");
        check(b, "b");
        int n = a.rows();
        if (b.rows() != n) {
            throw new IllegalArgumentException("solve: a is " + shape(a) + " but b is " + shape(b));
        }
        requireSameShape("solve", b, "b", x, "x");
        requireFinite("solve", a, "a");
        requireFinite("solve", b, "b");
        copy(b, x);
        if (n == 0 || b.cols() == 0) {
            return;
        }
        DevicePointer lu = factor.ensure((long) n * n * bytes);
        binding.copyOnDevice(a.data, lu, (long) n * n * bytes);
        int lwork = binding.getrfWorkspace(precision, n, lu, n);
        DevicePointer workspace = work.ensure(Math.max(1L, lwork) * bytes);
        DevicePointer pivotVector = pivots.ensure((long) n * Integer.BYTES);
        DevicePointer status = info.ensure(Integer.BYTES);
        int factorStatus = binding.getrf(precision, n, lu, n, workspace, pivotVector, status);
        if (factorStatus > 0) {
            throw new ArithmeticException("solve: a (" + shape(a) + ") is singular (U(" + (factorStatus - 1) + ", "
                    + (factorStatus - 1) + ") = 0)");
        }
        requireInfo("solve: getrf", factorStatus);
        DevicePointer diagonal = vector.ensure((long) n * bytes);
        binding.copyStrided(precision, n, lu, n + 1, diagonal, 1);
        double[] u = download(diagonal, n);
        double largest = 0;
        double smallest = Double.POSITIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            largest = Math.max(largest, Math.abs(u[i]));
            smallest = Math.min(smallest, Math.abs(u[i]));
        }
        if (!(smallest > n * precision.epsilon() * largest)) {
            throw new ArithmeticException("solve: a (" + shape(a) + ") is singular to working precision: min |U(i, i)| = "
                    + smallest + ", max |U(i, i)| = " + largest);
        }
        requireInfo("solve: getrs", binding.getrs(precision, n, b.cols(), lu, n, pivotVector, x.data, n, status));
    }

    /**
     * Matrix exponential on the host by the {@code hostKernels}' {@code expm}: it is applied to
     * small square matrices (p x p, 2p x 2p), for which one copy each way costs less than a
     * device Padé evaluation's many small launches. {@code out} may alias {@code a}.
     */
    @Override
    public void expm(CudaMatrix a, CudaMatrix out) {
        requireSquare("expm", a, "a");
        requireSameShape("expm", a, "a", out, "out");
        requireFinite("expm", a, "a");
        toHost(a, hostIn);
        hostOut.reshape(a.rows(), a.cols());
        hostKernels.expm(hostIn, hostOut);
        copyFromHost(hostOut, out);
    }

    // ---- helpers -------------------------------------------------------------------------

    /** A device workspace that grows to the largest request and is reused. */
    private final class Workspace {
        DevicePointer pointer;

        DevicePointer ensure(long size) {
            if (pointer == null || pointer.bytes() < size) {
                release();
                pointer = binding.allocate(size);
            }
            return pointer;
        }

        void release() {
            if (pointer != null) {
                binding.free(pointer);
                pointer = null;
            }
        }
    }

    /** A device vector of at least {@code length} ones, for strided diagonal updates. */
    private DevicePointer ones(int length) {
        if (onesLength < length) {
            int grown = Math.max(length, 2 * onesLength);
            DevicePointer pointer = ones.ensure((long) grown * bytes);
            double[] values = hostDoubles(grown);
            Arrays.fill(values, 0, grown, 1.0);
            upload(values, grown, pointer);
            onesLength = grown;
        }
        return ones.pointer;
    }

    private double[] hostDoubles(int count) {
        if (hostDoubles.length < count) {
            hostDoubles = new double[count];
        }
        return hostDoubles;
    }

    private double[] hostSquare(int count) {
        if (hostSquare.length < count) {
            hostSquare = new double[count];
        }
        return hostSquare;
    }

    private double[] hostSigns(int count) {
        if (hostSigns.length < count) {
            hostSigns = new double[count];
        }
        return hostSigns;
    }

    private float[] hostFloats(int count) {
        if (hostFloats.length < count) {
            hostFloats = new float[count];
        }
        return hostFloats;
    }

    /** Host doubles to device storage, converting to float32 where needed. */
    private void upload(double[] values, int count, DevicePointer dst) {
        if (precision == CudaPrecision.FLOAT64) {
            binding.copyToDevice(values, count, dst);
            return;
        }
        float[] floats = hostFloats(count);
        for (int i = 0; i < count; i++) {
            floats[i] = (float) values[i];
        }
        binding.copyToDevice(floats, count, dst);
    }

    /** Device storage to a host double array owned by these kernels (valid until the next call). */
    private double[] download(DevicePointer src, int count) {
        double[] values = hostDoubles(count);
        if (precision == CudaPrecision.FLOAT64) {
            binding.copyToHost(src, 0, count, values);
            return values;
        }
        float[] floats = hostFloats(count);
        binding.copyToHost(src, 0, count, floats);
        for (int i = 0; i < count; i++) {
            values[i] = floats[i];
        }
        return values;
    }

    private static int ld(CudaMatrix a) {
        return Math.max(1, a.rows());
    }

    private static String shape(CudaMatrix a) {
        return a.rows() + " x " + a.cols();
    }

    private CudaMatrix check(CudaMatrix a, String argument) {
        requireOwned(a, argument);
        if (a.isFreed()) {
            throw new IllegalStateException(argument + ": matrix " + shape(a) + " has been freed");
        }
        return a;
    }

    private void requireOwned(CudaMatrix a, String argument) {
        Objects.requireNonNull(a, argument);
        if (a.owner != this && (a.owner.binding != binding || a.owner.precision != precision)) {
            throw new IllegalArgumentException(argument + ": matrix belongs to " + a.owner.name()
                    + ", not to " + name);
        }
    }

    private void requireSameShape(String operation, CudaMatrix a, String nameA, CudaMatrix b, String nameB) {
        check(a, nameA);
        check(b, nameB);
        if (a.rows() != b.rows() || a.cols() != b.cols()) {
            throw new IllegalArgumentException(operation + ": " + nameA + " (" + shape(a) + ") and " + nameB + " ("
                    + shape(b) + ") must have the same shape");
        }
    }

    private void requireSquare(String operation, CudaMatrix a, String argument) {
        check(a, argument);
        if (a.rows() != a.cols()) {
            throw new IllegalArgumentException(operation + ": " + argument + " must be square but is " + shape(a));
        }
    }

    private static void requireInfo(String call, int status) {
        if (status != 0) {
            throw new CudaException(call + " (devInfo)", status, status < 0 ? "argument " + (-status) + " is invalid" : null);
        }
    }

    /** Decompositions of NaN or infinite input would return garbage or loop: reject them up front. */
    private void requireFinite(String operation, CudaMatrix a, String argument) {
        if (!allFinite(a)) {
            throw new IllegalArgumentException(operation + ": " + argument + " (" + shape(a)
                    + ") has a NaN or infinite entry");
        }
    }

}
