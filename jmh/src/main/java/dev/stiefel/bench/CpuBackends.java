package dev.stiefel.bench;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import dev.stiefel.kernel.OpenBlasKernels;
import org.ejml.data.DMatrixRMaj;

/**
 * The host backends a benchmark's {@code backend} parameter names: {@code ejml} (pure Java, the
 * reference) and {@code openblas} (native BLAS/LAPACK).
 */
final class CpuBackends {

    static final String EJML = "ejml";
    static final String OPENBLAS = "openblas";

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
        if (OPENBLAS.equals(name)) {
            if (!OpenBlasKernels.isAvailable()) {
                throw new IllegalStateException("backend=openblas skipped: the OpenBLAS natives did not load on this"
                        + " machine (" + OpenBlasKernels.loadFailure() + "); rerun with -p backend=ejml");
            }
            return Kernels.openBlas();
        }
        throw new IllegalArgumentException("backend '" + name + "': expected " + EJML + " or " + OPENBLAS);
    }
}
