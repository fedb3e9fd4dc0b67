package dev.stiefel.cuda;

/**
 * A CUDA runtime, cuBLAS or cuSOLVER call returned an error status. The message names the
 * call, the numeric status and, where the library provides one, its text.
 */
public final class CudaException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;

    public CudaException(String call, int status, String text) {
        super(call + " failed with status " + status + (text == null || text.isEmpty() ? "" : " (" + text + ")"));
        this.status = status;
    }

    /** The library's status code. */
    public int status() {
        return status;
    }
}
