package dev.stiefel.etf.train;

/**
 * The neural-collapse metrics of one evaluation on the whole data set ({@code docs/mathematics.md}
 * section 6; paper Appendix A). All are computed on the normalised,
 * temperature-scaled features {@code h~_i = tau h_i / ||h_i||}.
 *
 * @param iteration training iterations done before the evaluation (0 = the start)
 * @param crossEntropy mean cross-entropy of the logits {@code W^T (h~_i - hG)}
 * @param crossEntropyLowerBound {@code log(1 + (C-1) exp(-tau C/(C-1)))}
 * @param accuracy fraction of samples whose largest logit is their label's, in [0, 1]
 * @param nc1 {@code tr(Sigma_W Sigma_B^+) / C}
 * @param nc2 {@code || W^T W / ||W^T W||_F - Mc / sqrt(C-1) ||_F}
 * @param nc3 {@code || W^T Hbar / ||W^T Hbar||_F - Mc / sqrt(C-1) ||_F}
 * @param nc4 percentage of samples whose nearest class mean is not the classifier's prediction
 * @param equinorm {@code | std(||w_c||)/mean(||w_c||) - std(||hbar_c||)/mean(||hbar_c||) |}
 * @param averageMargin mean over samples of the cosine margin (maximum {@code C/(C-1)})
 * @param elapsedMillis wall time of training up to this evaluation, evaluations excluded
 */
public record NeuralCollapseSnapshot(
        int iteration,
        double crossEntropy,
        double crossEntropyLowerBound,
        double accuracy,
        double nc1,
        double nc2,
        double nc3,
        double nc4,
        double equinorm,
        double averageMargin,
        double elapsedMillis) {

    /** Relative gap of the loss to its lower bound, {@code (CE - bound) / bound}. */
    public double relativeLossGap() {
        return (crossEntropy - crossEntropyLowerBound) / crossEntropyLowerBound;
    }

    /** A copy with another elapsed time. */
    public NeuralCollapseSnapshot withElapsedMillis(double millis) {
        return new NeuralCollapseSnapshot(iteration, crossEntropy, crossEntropyLowerBound, accuracy, nc1, nc2,
                nc3, nc4, equinorm, averageMargin, millis);
    }
}
