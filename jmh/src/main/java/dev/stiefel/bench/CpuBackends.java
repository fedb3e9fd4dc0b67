package dev.stiefel.bench;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import dev.stiefel.kernel.OpenBlasKernels;
import org.ejml.data.DMatrixRMaj;

/**
 * The host backends a benchmark's {@code backend} parameter names: {@code ejml} (pure Java, the
 * reference), {@code openblas} (native BLAS/LAPACK) and {@code openblas-plain-polar} (the same
 * with {@link OpenBlasKernels#refinePolar} off: the plain eigen-route polar factor numpy users
 * write, for like-for-like comparisons with numpy; not a default anywhere).
 */
final class CpuBackends {

    static final String EJML = "ejml";
    static final String OPENBLAS = "openblas";
    static final String OPENBLAS_PLAIN_POLAR = "openblas-plain-polar";

    private CpuBackends() {
    }

    /**
     * A new instance of the named backend.
     *
     * @throws IllegalStateException when {@code openblas} is asked for and its natives do not
     *     load here: JMH then reports this one parameter set as failed, with this message, and
     *     goes on with the others ({@code run-benchmarks.sh} passes {@code -p backend=ejml} up
     *     front on such machines)
     * @throws IllegalArgumentException on an unknown name
     */
    static DenseKernels<DMatrixRMaj> create(String name) {
        if (EJML.equals(name)) {
            return Kernels.ejml();
        }
        if (OPENBLAS.equals(name) || OPENBLAS_PLAIN_POLAR.equals(name)) {
            if (!OpenBlasKernels.isAvailable()) {
                throw new IllegalStateException("backend=" + name + " skipped: the OpenBLAS natives did not load on"
                        + " this machine (" + OpenBlasKernels.loadFailure() + "); rerun with -p backend=ejml");
            }
            return OPENBLAS.equals(name) ? Kernels.openBlas() : new OpenBlasKernels().refinePolar(false);
        }
        throw new IllegalArgumentException("backend '" + name + "': expected " + EJML + ", " + OPENBLAS + " or "
                + OPENBLAS_PLAIN_POLAR);
    }
}
