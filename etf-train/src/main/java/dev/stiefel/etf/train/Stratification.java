package dev.stiefel.etf.train;

/**
 * How stratified mini-batches are formed when the batch size B is at least the number of
 * classes C (docs/mathematics.md section 7, "Batches").
 */
public enum Stratification {

    /**
     * The authors' sampler: every epoch, scikit-learn's {@code StratifiedKFold} with
     * {@code floor(N/B)} folds and a fresh shuffle deals the samples into folds whose class
     * counts differ by at most one, and each fold is one batch. Batches hold
     * {@code N / floor(N/B)} samples (give or take one), not exactly B: 333 or 334 at UFM-10
     * with B = 256. {@link BatchSampler.Mode#STRATIFIED_K_FOLD}.
     */
    K_FOLD,

    /**
     * Batches of exactly B: {@code floor(B/C)} samples of every class plus one more of
     * {@code B mod C} classes drawn at random, each class cycling through its shuffled samples.
     * {@link BatchSampler.Mode#STRATIFIED}.
     */
    EXACT
}
