/**
 * The nearest simplex-ETF classifier head of Markou, Ajanthan, Gould, "Guiding Neural
 * Collapse: Optimising Towards the Nearest Simplex Equiangular Tight Frame", NeurIPS 2024
 * (mathematics: {@code docs/mathematics.md}), and the two heads it is compared with.
 *
 * <ul>
 *   <li>{@link dev.stiefel.etf.SimplexEtf}: {@code Mc}, {@code Mt}, {@code Mh}, the canonical
 *       ETF and the cross-entropy lower bound.</li>
 *   <li>{@link dev.stiefel.etf.NearestEtfProblem}: problems (6)/(7) on St(d, C) with exact
 *       Euclidean derivatives and the mixed-derivative adjoint in {@code Ht}, generic over the
 *       dense backend.</li>
 *   <li>{@link dev.stiefel.etf.NearestEtf}: the closed form (polar factor of
 *       {@code G = (2/sqrt(C-1)) Ht Mc + delta Uprox}; for (6) the completion nearest to the
 *       start) or trust regions / conjugate gradients.</li>
 *   <li>{@link dev.stiefel.etf.ImplicitEtfState}: the moving average of the centred class
 *       means, the solves across steps, the backward pass to the batch means, save/restore.</li>
 *   <li>Heads: {@link dev.stiefel.etf.ImplicitEtfHead}, {@link dev.stiefel.etf.FixedEtfHead},
 *       {@link dev.stiefel.etf.LearnedLinearHead}; loss: {@link dev.stiefel.etf.CrossEntropy}.</li>
 * </ul>
 *
 * <p>Choices where the paper leaves room, each documented where it is made:
 * <ul>
 *   <li>A class never seen has a zero EMA column (the authors' code uses the uncentred batch
 *       mean there); a class absent from a batch keeps its EMA column. With several classes
 *       never seen (batches smaller than C), (6) has rank below C-1; its closed form then
 *       returns the minimiser nearest to the start ({@link dev.stiefel.etf.NearestEtf}).</li>
 *   <li>{@code Uprox} is a constant in each backward pass, also at step 1 where it is the
 *       solution of (6) for the same {@code Ht}.</li>
 *   <li>At step 1, (7) with {@code Uprox = U6} returns {@code U6} itself: with
 *       {@code Ht Mc = Ur S Vr^T} and {@code U6 = Ur Vr^T + W Vn^T} ({@code W = u0},
 *       {@code Vn = 1/sqrt(C)} when no class is missing),
 *       {@code G = Ur (2S/sqrt(C-1) + delta) Vr^T + delta W Vn^T} has polar factor
 *       {@code U6}. The first step's classifier is therefore that of (6).</li>
 * </ul>
 */
package dev.stiefel.etf;
