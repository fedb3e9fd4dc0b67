/**
 * Training loop, neural-collapse metrics and command line for the unconstrained feature model
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
 *   <li>{@link dev.stiefel.etf.train.TrainCli} with {@code ufm}
 *   ({@link dev.stiefel.etf.train.UfmCommand}) and {@code ufm-profile}
 *   ({@link dev.stiefel.etf.train.UfmProfileCommand}).</li>
 * </ul>
 *
 * <h2>Running it from a fresh clone</h2>
 * <pre>
 * mvn -B -q -pl etf-solver -am test-compile exec:java -Dexec.skip \
 *     -Dexec.mainClass=dev.stiefel.etf.train.TrainCli \
 *     -Dexec.args="ufm --preset ufm-10 --heads standard,fixed,implicit --seeds 3 --iterations 2000 --out runs/ufm10"
 * </pre>
 * {@code -am} builds the modules etf-solver needs in the same reactor ({@code test-compile}
 * because ddn-gradients uses manifold-core's test classes); {@code -Dexec.skip} with
 * {@code -Dexec.mainClass} keeps exec:java from running in those modules, etf-solver's POM
 * turns it back on there. Every option has a default, so {@code -Dexec.args="ufm"} alone runs
 * the main job: UFM-10, heads standard, fixed and implicit, 3 seeds, 2000 iterations, into
 * {@code runs/ufm-10/run-NNN}. {@code -Dexec.args="ufm --help"} lists the options;
 * {@code -Dexec.args="ufm-profile --preset ufm-100 --heads standard,fixed,implicit"} measures
 * time per iteration, per evaluation, allocation and heap.
 *
 * <h2>Outputs</h2>
 * Each invocation writes a new numbered folder {@code <out>/run-001}, {@code run-002}, ...
 * (earlier runs are never overwritten): {@code config.txt}; per head and seed
 * {@code <head>-seed<s>.csv} (metrics every {@code --eval-every} iterations) and
 * {@code <head>-seed<s>-margins.csv} (final per-sample cosine margins); {@code summary.csv} and
 * {@code summary.md} (median [min, max] over seeds, also printed); {@code plots/*.png} (each
 * metric against iterations with the heads overlaid, the CE lower bound, the final margin
 * histogram).
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
