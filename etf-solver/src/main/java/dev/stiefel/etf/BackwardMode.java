package dev.stiefel.etf;

/** Which paths the implicit ETF head's backward pass follows. */
public enum BackwardMode {
    /**
     * Through the logits, the feature normalisation, the centring and through the solution
     * {@code U*} of the nearest-ETF problem to the class means (the paper's UFM experiments). The default.
     */
    FULL,
    /**
     * The solution held fixed: gradients reach the features only through the logits, the
     * normalisation and the centring (the paper's ImageNet runs, for lack of compute).
     */
    FORWARD_ONLY
}
