/**
 * Riemannian optimisation of Deep Java Library parameters, after geoopt (Kochurov, Karimov,
 * Kozlukov, "Geoopt: Riemannian Optimization in PyTorch", arXiv:2005.02819, 2020): a
 * {@link dev.stiefel.djl.riemannian.ManifoldConstraint} declares the manifold a parameter lives
 * on (Stiefel with orthonormal columns or rows, sphere, oblique with unit columns or rows,
 * Euclidean), a {@link dev.stiefel.djl.riemannian.ManifoldInitializer} starts it there, and one
 * {@link dev.stiefel.djl.riemannian.RiemannianSgd} or
 * {@link dev.stiefel.djl.riemannian.RiemannianAdam} trains the whole model in DJL's own loop,
 * updating constrained parameters on their manifolds and the others as ordinary SGD or Adam.
 *
 * <p>The geometry matches manifold-core's {@code Stiefel}, {@code Sphere} and {@code Oblique}
 * (embedded metric, projection as Riemannian gradient and as transport); docs/mathematics.md of
 * this repository derives the Stiefel formulas.
 */
package dev.stiefel.djl.riemannian;
