package dev.stiefel.solver;

import dev.stiefel.kernel.SumsOfSquares;
import dev.stiefel.manifold.Manifold;

/**
 * {@code ||u||_x} for every finite tangent vector: the manifold's {@link Manifold#norm} where
 * its squared norm neither overflows nor underflows (then the value is exactly the manifold's),
 * else {@code 2^600 ||2^-600 u||} or {@code 2^-600 ||2^600 u||}, the rescaling of LAPACK's
 * {@code dnrm2} done with powers of two, which are exact. A vector whose squared norm overflows
 * has an entry above {@code sqrt(Double.MAX_VALUE / size)}, so scaled by {@code 2^-600} its
 * squares that matter are normal numbers; one whose norm is below
 * {@code sqrt(SumsOfSquares.SMALLEST_SAFE)} has all entries below that (for the embedded
 * metric), so scaled by {@code 2^600} none of its squares overflows.
 */
final class ScaledNorm {

    private static final double DOWN = 0x1p-600;
    private static final double UP = 0x1p600;
    /** Below this a norm may have lost digits to subnormal squares. */
    private static final double SMALLEST_RELIABLE = Math.sqrt(SumsOfSquares.SMALLEST_SAFE);

    private ScaledNorm() {
    }

    /**
     * {@code ||u||_x}, rescaled where the plain norm overflows or underflows.
     *
     * @param workspace a tangent vector at {@code x} that may be overwritten; must not alias
     *     {@code u}
     * @return the norm; NaN or infinite only when {@code u} has a NaN or infinite entry
     */
    static <P> double of(Manifold<P> manifold, P x, P u, P workspace) {
        double plain = manifold.norm(x, u);
        if ((plain >= SMALLEST_RELIABLE && plain < Double.POSITIVE_INFINITY) || Double.isNaN(plain)) {
            return plain;
        }
        boolean overflowed = plain == Double.POSITIVE_INFINITY;
        manifold.linearCombination(x, overflowed ? DOWN : UP, u, 0.0, u, workspace);
        double scaled = manifold.norm(x, workspace);
        if (Double.isNaN(scaled)) {
            // infinite entries: 0 * inf in the combination
            return plain;
        }
        return overflowed ? UP * scaled : DOWN * scaled;
    }
}
