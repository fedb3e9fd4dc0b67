package dev.stiefel.ddn;

/**
 * A problem on St(n, p) whose Euclidean Hessian acts by right multiplication with a symmetric
 * {@code p x p} matrix: {@code Hess f(U)[V] = V S(U)}. With row-major {@code vec} the Hessian is
 * then {@code I_n (x) S}, which {@link KroneckerKktBackward} exploits ({@code docs/mathematics.md}
 * section 5a). Example: the nearest-ETF problem (7),
 * {@code S = (2/(C-1)) Mc + delta I}.
 *
 * @param <P> point type; the factor is a {@code p x p} matrix of the same backend
 */
public interface RightMultiplicationHessian<P> {

    /**
     * {@code out = S(U)}, the symmetric {@code p x p} factor of {@code Hess f(U)[V] = V S(U)}.
     *
     * @param point the point U
     * @param out {@code p x p}, overwritten
     * @return {@code out}
     */
    P euclideanHessianFactor(P point, P out);
}
