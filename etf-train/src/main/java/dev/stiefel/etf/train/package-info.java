/**
 * Training loop and neural-collapse metrics for the unconstrained feature model experiments of
 * Markou, Ajanthan, Gould, "Guiding Neural Collapse", NeurIPS 2024, Section 4
 * ({@code docs/mathematics.md} sections 3, 4, 6, 7). A library: the command line that runs the
 * experiments is the module {@code stiefel-cli}.
 *
 * <h2>Pieces</h2>
 * <ul>
 *   <li>{@link dev.stiefel.etf.train.UnconstrainedFeatureModel} and
 *   {@link dev.stiefel.etf.train.UfmPreset}: free features, balanced labels, a seeded normal
 *   start.</li>
 *   <li>{@link dev.stiefel.etf.train.HeadKind}: the three heads the paper compares, each as the
 *   authors' code defines it.</li>
 *   <li>{@link dev.stiefel.etf.train.Trainer}: batches ({@link dev.stiefel.etf.train.BatchSampler};
 *   for {@code B >= C} stratified, by default the authors' k-fold batches,
 *   {@link dev.stiefel.etf.train.Stratification}), head forward/backward, cross-entropy,
 *   {@link dev.stiefel.etf.train.AutomaticGradientDescent} or
 *   {@link dev.stiefel.etf.train.StochasticGradientDescent}; the AGD fan convention is documented
 *   on {@code Trainer}.</li>
 *   <li>{@link dev.stiefel.etf.train.NeuralCollapseMetrics}: CE and its lower bound, accuracy,
 *   NC1 (in the class-mean subspace), NC2, NC3, NC4, equinorm, cosine margins.</li>
 * </ul>
 *
 * <h2>Choices the paper leaves open</h2>
 * <ul>
 *   <li>Batch size: {@code max(256, C)} by default (256 is the paper's batch size on real data;
 *   raising it to C keeps every batch stratified); with the k-fold batches a batch then holds
 *   {@code N / floor(N/B)} samples, give or take one.</li>
 *   <li>Initial feature scale: normal with standard deviation {@code 1/sqrt(d)}, rows of norm
 *   about 1 (docs/mathematics.md section 7 explains why, and lists the departures from the
 *   authors' code).</li>
 * </ul>
 */
package dev.stiefel.etf.train;
