/**
 * Riemannian manifolds over any {@link dev.stiefel.kernel.DenseKernels} backend: {@link
 * dev.stiefel.manifold.Stiefel} (QR, polar, Cayley and exponential retractions, QR and polar
 * inverses), {@link dev.stiefel.manifold.Grassmann}, {@link dev.stiefel.manifold.Sphere} (the
 * three share the Hessian formula of {@link dev.stiefel.manifold.RiemannianSubmanifold}, and
 * their retractions are objects bound to an instance),
 * {@link dev.stiefel.manifold.Oblique} (unit columns or unit rows),
 * {@link dev.stiefel.manifold.Euclidean} and {@link dev.stiefel.manifold.Product}, all with the
 * embedded (or product) metric, plus the Stiefel formulas other modules share
 * ({@link dev.stiefel.manifold.StiefelGeometry}, {@link dev.stiefel.manifold.EmbeddedGradientField}).
 *
 * <p>Each class owns its workspaces (allocated in the constructor, freed by {@code close()}) and
 * is not thread-safe; operations write into caller-provided storage and allocate nothing when
 * warm. Operations that build a point check their arguments to
 * {@link dev.stiefel.manifold.Manifold#ARGUMENT_TOLERANCE}. Every manifold
 * passes the contract suite {@code ManifoldContract} of the test kit (artifact {@code manifold-testkit}).
 */
package dev.stiefel.manifold;
