package dev.stiefel.cli.fashion;

import dev.stiefel.etf.train.HeadKind;

/**
 * A failure inside one (head, seed) run of {@code fashion-mnist}, saying where it happened so
 * that the command line and {@code status.txt} can say it in one line. The original exception is
 * the cause.
 */
final class ImageRunException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param epoch the epoch in progress (1-based)
     * @param batch the last training batch of that epoch that was reached (0 before the first)
     */
    ImageRunException(HeadKind head, long seed, int epoch, int batch, Throwable cause) {
        super("head " + head.commandLineName() + ", seed " + seed + ", epoch " + epoch + ", batch " + batch, cause);
    }

    /** One line: the cause's type and message, then where, e.g. {@code ArithmeticException: ... (head fixed, seed 1, epoch 1, batch 3)}. */
    String describe() {
        Throwable cause = getCause();
        return (cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage()) + " ("
                + getMessage() + ")").replace('\n', ' ').replace('\r', ' ');
    }
}
