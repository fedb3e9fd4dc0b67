package dev.stiefel.bench;

import dev.stiefel.cuda.CudaBackends;
import dev.stiefel.kernel.OpenBlasKernels;

/**
 * Tells {@code run-benchmarks.sh} whether the OpenBLAS natives load on this machine, so that it
 * can pass {@code -p backend=ejml} instead of letting every OpenBLAS parameter set fail; with the
 * argument {@code cuda}, whether a CUDA binding loads, so that it can leave the cuda set out.
 * Prints one line (the loader's report for CUDA); exit status 0 when the backend is available,
 * 3 when it is not.
 */
public final class BackendProbe {

    /** Exit status when the backend (OpenBLAS, or CUDA with the argument {@code cuda}) does not load. */
    static final int BACKEND_MISSING = 3;

    private BackendProbe() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("cuda")) {
            CudaBackends.Loaded loaded = CudaBackends.load();
            System.out.println(loaded.report().replace('\n', ';'));
            if (loaded.binding().isEmpty()) {
                System.exit(BACKEND_MISSING);
            }
            loaded.binding().get().close();
            return;
        }
        if (OpenBlasKernels.isAvailable()) {
            System.out.println("openblas: available, " + OpenBlasKernels.threads() + " threads");
            return;
        }
        System.out.println("openblas: unavailable (" + OpenBlasKernels.loadFailure() + ")");
        System.exit(BACKEND_MISSING);
    }
}
