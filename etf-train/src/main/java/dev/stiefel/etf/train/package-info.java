/**
 * Training loop and neural-collapse metrics for the unconstrained feature model
 * experiments of Markou, Ajanthan, Gould, "Guiding Neural Collapse", NeurIPS 2024, Section 4
 * ({@code docs/mathematics.md} sections 3, 4, 6, 7).
 *
 * <h2>Pieces</h2>
 * <ul>
 *   <li>{@link dev.stiefel.etf.train.UnconstrainedFeatureModel} and
 *   {@link dev.stiefel.etf.train.UfmPreset}: free features, balanced labels, seeded
 *   standard-normal start.</li>
 *   <li>{@link dev.stiefel.etf.train.Trainer}: batches ({@link dev.stiefel.etf.train.BatchSampler},
 *   stratified when {@code B >= C}), head forward/backward, cross-entropy,
 *   {@link dev.stiefel.etf.train.AutomaticGradientDescent} or
 *   {@link dev.stiefel.etf.train.StochasticGradientDescent}; the AGD fan convention is documented
 *   on {@code Trainer}.</li>
 *   <li>{@link dev.stiefel.etf.train.NeuralCollapseMetrics}: CE and its lower bound, accuracy,
 *   NC1 (in the class-mean subspace), NC2, NC3, NC4, equinorm, cosine margins.</li>
 * </ul>
 *
 * <h2>The command line</h2>
 * The application module {@code stiefel-cli} runs these pieces as {@code ./stiefel ufm},
 * {@code ufm-profile} and {@code ufm-compare}, with progress, run folders, CSV summaries and
 * plots; this module itself never prints.
 *
 * <h2>Choices the paper leaves open</h2>
 * <ul>
 *   <li>Batch size: {@code max(256, C)} by default (256 is the paper's batch size on real data;
 *   raising it to C keeps every batch stratified). {@code --full-batch} uses all N.</li>
 *   <li>Summary thresholds: CE within 1 % relative of its lower bound, NC1 below 0.01, NC3 below
 *   0.05 ({@code --loss-gap}, {@code --nc1-threshold}, {@code --nc3-threshold}).</li>
 * </ul>
 */
package dev.stiefel.etf.train;
