package dev.stiefel.manifold;

/**
 * A Riemannian submanifold of a Euclidean space (or a quotient handled through horizontal
 * lifts, as Grassmann), with the metric it inherits (pymanopt's {@code RiemannianSubmanifold}):
 * Euclidean derivatives of a smooth extension of the cost become Riemannian ones by projection,
 * and the Hessian by one formula shared by every such manifold,
 * <pre>
 *   Hess f(x)[v] = P_x(H[v] + W_x(v, G - P_x(G)))
 * </pre>
 * with {@code G} the Euclidean gradient, {@code H[v]} the Euclidean Hessian applied to
 * {@code v}, {@code P_x} the projection onto the tangent space and {@code W_x} the Weingarten
 * map of the embedding (Absil, Mahony, Trumpf, "An extrinsic look at the Riemannian Hessian",
 * GSI 2013, eq. 10; Boumal 2023, Cor. 5.16 and sec. 5.11). The formula is
 * {@link #euclideanToRiemannianHessian(RiemannianSubmanifold, Object, Object, Object, Object, Object, Object)};
 * a manifold supplies only its Weingarten term, {@link #weingartenOfNormalPart}.
 *
 * @param <P> point and tangent-vector type
 */
public interface RiemannianSubmanifold<P> extends Manifold<P> {

    /**
     * {@code out = W_x(v, G - P_x(G))}, the Weingarten map applied to the normal part of the
     * Euclidean gradient {@code G}, up to a vector normal at {@code x} (only its projection
     * enters the Hessian, so a manifold may leave out normal terms). {@code out} must alias
     * neither {@code v} nor {@code euclideanGradient}.
     */
    void weingartenOfNormalPart(P x, P v, P euclideanGradient, P out);

    /**
     * The Riemannian Hessian of a submanifold, {@code out = P_x(H[v] + W_x(v, G - P_x(G)))}.
     * {@code work} is a vector of the manifold's shape that aliases no argument; {@code out}
     * may alias {@code v}, {@code euclideanGradient} or {@code euclideanHessianV} (all are read
     * before it is written). The sum {@code H[v] + W} is formed in the embedding space, as the
     * manifolds here combine vectors.
     */
    static <P> void euclideanToRiemannianHessian(RiemannianSubmanifold<P> manifold, P x, P euclideanGradient,
            P euclideanHessianV, P v, P work, P out) {
        manifold.weingartenOfNormalPart(x, v, euclideanGradient, work);
        manifold.linearCombination(x, 1.0, euclideanHessianV, 1.0, work, work);
        manifold.projectToTangent(x, work, out);
    }
}
