/**
 * The test kit: the contracts this library's own manifolds, retractions, backends and solvers
 * pass, published as the artifact {@code manifold-testkit} so that a new manifold, retraction,
 * backend or solver is checked by the same tests.
 *
 * <h2>Depending on it</h2>
 * <pre>{@code
 * <dependency>
 *   <groupId>dev.stiefel</groupId>
 *   <artifactId>manifold-testkit</artifactId>
 *   <version>${stiefel.version}</version>
 *   <scope>test</scope>
 * </dependency>
 * <!-- the contracts are JUnit 5 tests; parameterised ones need junit-jupiter-params -->
 * }</pre>
 *
 * <h2>What it holds</h2>
 * <ul>
 *   <li>{@link dev.stiefel.testkit.ManifoldContract}: points stay on the manifold (also after
 *       1000 chained retractions), projections are orthogonal and idempotent, the retraction has
 *       velocity {@code v} and the order the subclass states (first order provably not more),
 *       the second-order curve is second order, inverse retractions and transports are right,
 *       randomness is reproducible, aliasing works where documented, the metric is an inner
 *       product, and the Riemannian gradient and Hessian conversions pass Taylor-slope checks
 *       (a wrong Hessian fails them). Subclass it with the manifold, its dimension, its
 *       retraction order and a cost with known Euclidean derivatives.</li>
 *   <li>{@link dev.stiefel.testkit.SolverContract}: every solver under test reaches the known
 *       optima of Brockett ({@link dev.stiefel.problem.BrockettProblem}: eigenvectors of A) and
 *       Procrustes ({@link dev.stiefel.problem.ProcrustesProblem}: the polar factor of
 *       {@code A^T B}) on Stiefel, and its warm iterations do not allocate. The solvers come
 *       from factories, by default the library's trust regions, conjugate gradients, steepest
 *       descent and R-LBFGS. Subclass it with a backend's kernels, override
 *       {@code retraction()} to run it on a retraction of your own, and {@code solvers()} to
 *       run it on a solver of your own.</li>
 *   <li>{@link dev.stiefel.testkit.KnownOptima}: the independent oracles (EJML eigenvectors, polar
 *       factors) behind the solver contract's known optima.</li>
 *   <li>{@link dev.stiefel.testkit.TestMatrices}: seeded Gaussian matrices, Haar points and
 *       tangent vectors, balanced labels, five-point finite differences and the comparisons
 *       (relative error, orthonormality, skew-symmetry) that every module's tests use.</li>
 *   <li>In manifold-core, {@link dev.stiefel.check.AllocationProbe} measures the bytes a call
 *       allocates, and {@link dev.stiefel.check.DerivativeCheck} checks a problem's gradient
 *       and Hessian by Taylor slopes and returns reports a test can assert on.</li>
 * </ul>
 *
 * <h2>Example</h2>
 * {@code CholeskyQrRetraction} in this module's tests is a retraction written outside the
 * library; {@code CholeskyQrContractTest} and {@code CholeskyQrSolverContractTest} are the two classes a user writes to
 * put it through the manifold and solver contracts. {@code FixedStepGradientDescent} is a solver
 * written outside the library on the public {@link dev.stiefel.solver.IterativeSolver};
 * {@code FixedStepGradientDescentContractTest} puts it through the solver contract.
 */
package dev.stiefel.testkit;
