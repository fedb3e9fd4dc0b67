package dev.stiefel.bench;

import dev.stiefel.kernel.OpenBlasKernels;

/**
 * Tells {@code run-benchmarks.sh} whether the OpenBLAS natives load on this machine, so that it
 * can pass {@code -p backend=ejml} instead of letting every OpenBLAS parameter set fail.
 * Prints one line; exit status 0 when OpenBLAS is available, 3 when it is not.
 */
public final class BackendProbe {

    /** Exit status when the OpenBLAS natives do not load. */
    static final int OPENBLAS_MISSING = 3;

    private BackendProbe() {
    }

    public static void main(String[] args) {
        if (OpenBlasKernels.isAvailable()) {
            System.out.println("openblas: available, " + OpenBlasKernels.threads() + " threads");
            return;
        }
        System.out.println("openblas: unavailable (" + OpenBlasKernels.loadFailure() + ")");
        System.exit(OPENBLAS_MISSING);
    }
}
