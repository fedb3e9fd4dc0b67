package dev.stiefel.check;

import dev.stiefel.manifold.Manifold;
import dev.stiefel.problem.Problem;
import dev.stiefel.problem.RiemannianDerivatives;
import java.util.Arrays;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Derivative checks after Manopt's {@code checkgradient}/{@code checkhessian} (Boumal 2023,
 * sec. 4.8 and 6.8), returning reports instead of plotting.
 *
 * <p>Along a unit tangent direction {@code v} at {@code x}, with {@code t} on
 * {@code logspace(-8, 0, 51)}, the Taylor remainders
 * <pre>
 *   E1(t) = |f(R_x(t v)) - f(x) - t &lt;grad f(x), v&gt;|                                = O(t^2)
 *   E2(t) = |f(R_x(t v)) - f(x) - t &lt;grad f(x), v&gt; - t^2/2 &lt;Hess f(x)[v], v&gt;| = O(t^3)
 * </pre>
 * where {@code R} is the manifold's configured retraction for the gradient check (any retraction
 * is first order) and its {@linkplain dev.stiefel.manifold.Manifold#secondOrderRetract
 * second-order retraction} (the exponential map or a metric projection) for the Hessian check:
 * along a first-order retraction such as QR, {@code E2} keeps a {@code t^2} term from the
 * retraction's tangential acceleration at any non-critical point and a correct Hessian would
 * fit slope 2 (Boumal 2023, sec. 6.8). Both remainders are fitted by a line in log-log scale over the first {@link #WINDOW} points (smallest t) whose
 * remainder is above the rounding floor {@code FLOOR eps (|f(x)| + |f(R_x(t v))| + t |<g, v>|)}:
 * there a wrong derivative leaves a lower-order term and a smaller slope (1 for a wrong gradient,
 * 2 for a wrong Hessian). A check passes when the slope is within {@link #SLOPE_TOLERANCE} of the
 * expected value or above it, or when every remainder is finite and below the floor (the model is
 * exact to rounding). So a correct Hessian passes and a wrong one fails whatever the configured
 * retraction.
 *
 * <p>A check that cannot fit its slope fails, and its report's {@code reason} says why: a
 * non-finite cost at {@code x}, gradient term {@code <grad f(x), v>} or Hessian term
 * {@code <Hess f(x)[v], v>}; non-finite costs along the curve with no fit window left; or too few
 * consecutive remainders above the floor.
 */
public final class DerivativeCheck {

    /** Number of points of the fit window. */
    public static final int WINDOW = 8;
    /** How far below the expected slope a passing fit may be. */
    public static final double SLOPE_TOLERANCE = 0.2;
    /** Remainders below this many rounding units of the compared values are ignored. */
    public static final double FLOOR = 1e4;
    /** Relative tolerance of the Hessian symmetry and tangency checks. */
    public static final double RELATIVE_TOLERANCE = 1e-8;

    private static final int POINTS = 51;
    private static final double EPS = Math.ulp(1.0);

    private DerivativeCheck() {
    }

    /**
     * A Taylor-remainder check.
     *
     * @param stepSizes the {@code t} values
     * @param remainders the remainders {@code E(t)}
     * @param slope fitted log-log slope (NaN when the model is exact to rounding)
     * @param fitResidual root-mean-square residual of the fit in log10 units
     * @param fitFrom first index of the fit window
     * @param expectedSlope 2 for the gradient, 3 for the Hessian
     * @param passed whether the slope is at least {@code expectedSlope - SLOPE_TOLERANCE}, or the
     *     model is exact to rounding
     * @param reason why the check passed or failed, in words (the fitted slope against the
     *     expected one, or what kept the slope from being fitted)
     */
    public record TaylorReport(double[] stepSizes, double[] remainders, double slope, double fitResidual, int fitFrom,
            double expectedSlope, boolean passed, String reason) {

        /** Verdict, slope and reason; the step sizes and remainders are left out. */
        @Override
        public String toString() {
            return (passed ? "passed" : "failed") + " (slope " + slope + ", expected " + expectedSlope + "): " + reason;
        }
    }

    /**
     * A scalar defect against a tolerance.
     *
     * @param defect the measured defect (relative)
     * @param tolerance the largest passing defect
     * @param passed {@code defect <= tolerance}; false for a NaN defect
     */
    public record DefectReport(double defect, double tolerance, boolean passed) {
        static DefectReport of(double defect, double tolerance) {
            return new DefectReport(defect, tolerance, defect <= tolerance);
        }

        /** Why the check passed or failed, in words. */
        public String reason() {
            if (Double.isNaN(defect)) {
                return "the defect is NaN: a gradient or Hessian with non-finite entries";
            }
            return "defect " + defect + (passed ? " <= " : " > ") + "tolerance " + tolerance;
        }
    }

    /** Gradient check along a random unit tangent direction at {@code x}. */
    public static <P> TaylorReport gradient(Problem<P> problem, P x, RandomGenerator random) {
        Manifold<P> m = problem.manifold();
        P v = m.allocate();
        m.randomTangent(x, random, v);
        TaylorReport report = taylor(problem, x, v, false);
        m.free(v);
        return report;
    }

    /** Hessian check along a random unit tangent direction at {@code x}. */
    public static <P> TaylorReport hessian(Problem<P> problem, P x, RandomGenerator random) {
        Manifold<P> m = problem.manifold();
        P v = m.allocate();
        m.randomTangent(x, random, v);
        TaylorReport report = taylor(problem, x, v, true);
        m.free(v);
        return report;
    }

    /**
     * Taylor-remainder check along the tangent direction {@code v} (normalised here).
     *
     * @param secondOrder include the Hessian term (Hessian check) or not (gradient check)
     * @throws IllegalArgumentException when {@code v} is zero or not finite
     */
    public static <P> TaylorReport taylor(Problem<P> problem, P x, P v, boolean secondOrder) {
        Objects.requireNonNull(problem, "problem");
        Manifold<P> m = problem.manifold();
        RiemannianDerivatives<P> derivatives = new RiemannianDerivatives<>(problem);
        P gradient = m.allocate();
        P unit = m.allocate();
        P hessianV = m.allocate();
        P step = m.allocate();
        P moved = m.allocate();
        try {
            double vNorm = m.norm(x, v);
            if (!(vNorm > 0 && vNorm < Double.POSITIVE_INFINITY)) {
                throw new IllegalArgumentException("derivative check: direction norm must be finite and > 0, got " + vNorm);
            }
            m.linearCombination(x, 1.0 / vNorm, v, 0.0, v, unit);
            double f0 = derivatives.evaluate(x, gradient);
            double slope = m.inner(x, gradient, unit);
            double curvature = 0;
            if (secondOrder) {
                derivatives.hessianVector(unit, hessianV);
                curvature = m.inner(x, unit, hessianV);
            }
            double[] t = stepSizes();
            double[] remainder = new double[POINTS];
            double expected = secondOrder ? 3 : 2;
            String unfit = !Double.isFinite(f0) ? "the cost at x is " + f0
                    : !Double.isFinite(slope) ? "the gradient term <grad f(x), v> is " + slope
                    : !Double.isFinite(curvature) ? "the Hessian term <Hess f(x)[v], v> is " + curvature
                    : null;
            if (unfit != null) {
                Arrays.fill(remainder, Double.NaN);
                return unfitted(t, remainder, expected, unfit + ": cannot fit a slope");
            }
            boolean[] valid = new boolean[POINTS];
            for (int i = 0; i < POINTS; i++) {
                m.linearCombination(x, t[i], unit, 0.0, unit, step);
                if (secondOrder) {
                    m.secondOrderRetract(x, step, moved);
                } else {
                    m.retract(x, step, moved);
                }
                double f = problem.cost(moved);
                double model = f0 + t[i] * slope + (secondOrder ? 0.5 * t[i] * t[i] * curvature : 0);
                remainder[i] = Math.abs(f - model);
                double floor = FLOOR * EPS * (Math.abs(f0) + Math.abs(f) + Math.abs(t[i] * slope)
                        + (secondOrder ? Math.abs(0.5 * t[i] * t[i] * curvature) : 0));
                valid[i] = Double.isFinite(remainder[i]) && remainder[i] > floor;
            }
            return fit(t, remainder, valid, expected, "the cost along the curve R_x(t v)");
        } finally {
            m.free(gradient);
            m.free(unit);
            m.free(hessianV);
            m.free(step);
            m.free(moved);
            derivatives.release();
        }
    }

    private static double[] stepSizes() {
        double[] t = new double[POINTS];
        for (int i = 0; i < POINTS; i++) {
            t[i] = Math.pow(10, -8 + 8.0 * i / (POINTS - 1));
        }
        return t;
    }

    private static TaylorReport unfitted(double[] t, double[] remainder, double expected, String reason) {
        return new TaylorReport(t, remainder, Double.NaN, Double.NaN, -1, expected, false, reason);
    }

    /**
     * Fits the first window of valid remainders; without one, passes only when every remainder
     * is finite and below the floor.
     *
     * @param what what a non-finite remainder comes from, for the reason
     */
    private static TaylorReport fit(double[] t, double[] remainder, boolean[] valid, double expected, String what) {
        int nonFinite = 0;
        int firstNonFinite = -1;
        int aboveFloor = 0;
        for (int i = 0; i < remainder.length; i++) {
            if (!Double.isFinite(remainder[i])) {
                nonFinite++;
                firstNonFinite = firstNonFinite < 0 ? i : firstNonFinite;
            }
            aboveFloor += valid[i] ? 1 : 0;
        }
        String ignored = nonFinite == 0 ? "" : "; " + nonFinite + " non-finite remainders left out";
        int from = -1;
        for (int i = 0; i + WINDOW <= t.length && from < 0; i++) {
            boolean all = true;
            for (int k = i; k < i + WINDOW; k++) {
                all &= valid[k];
            }
            if (all) {
                from = i;
            }
        }
        if (from < 0) {
            if (nonFinite > 0) {
                return unfitted(t, remainder, expected, what + " is not finite (" + remainder[firstNonFinite]
                        + " remainder at t = " + t[firstNonFinite] + ", " + nonFinite + " of " + t.length
                        + " points): cannot fit a slope");
            }
            if (aboveFloor > 0) {
                return unfitted(t, remainder, expected, "only " + aboveFloor + " remainders above the rounding floor, "
                        + "fewer than " + WINDOW + " in a row: cannot fit a slope");
            }
            return new TaylorReport(t, remainder, Double.NaN, Double.NaN, -1, expected, true,
                    "every remainder is below the rounding floor: the model is exact to rounding");
        }
        double sx = 0;
        double sy = 0;
        double sxx = 0;
        double sxy = 0;
        for (int k = from; k < from + WINDOW; k++) {
            double lx = Math.log10(t[k]);
            double ly = Math.log10(remainder[k]);
            sx += lx;
            sy += ly;
            sxx += lx * lx;
            sxy += lx * ly;
        }
        double slope = (WINDOW * sxy - sx * sy) / (WINDOW * sxx - sx * sx);
        double intercept = (sy - slope * sx) / WINDOW;
        double squares = 0;
        for (int k = from; k < from + WINDOW; k++) {
            double r = Math.log10(remainder[k]) - (intercept + slope * Math.log10(t[k]));
            squares += r * r;
        }
        double residual = Math.sqrt(squares / WINDOW);
        boolean passed = slope >= expected - SLOPE_TOLERANCE;
        return new TaylorReport(t, remainder, slope, residual, from, expected, passed, "slope " + slope
                + (passed ? " >= " : " < ") + (expected - SLOPE_TOLERANCE) + " over t = " + t[from] + " .. "
                + t[from + WINDOW - 1] + ignored);
    }

    /**
     * Hessian symmetry {@code |<H u, w> - <u, H w>| / (||H u|| ||w|| + ||u|| ||H w||)} for random
     * unit tangent u, w at {@code x}.
     */
    public static <P> DefectReport hessianSymmetry(Problem<P> problem, P x, RandomGenerator random) {
        Manifold<P> m = problem.manifold();
        RiemannianDerivatives<P> derivatives = new RiemannianDerivatives<>(problem);
        P gradient = m.allocate();
        P u = m.allocate();
        P w = m.allocate();
        P hu = m.allocate();
        P hw = m.allocate();
        try {
            derivatives.evaluate(x, gradient);
            m.randomTangent(x, random, u);
            m.randomTangent(x, random, w);
            derivatives.hessianVector(u, hu);
            derivatives.hessianVector(w, hw);
            double scale = m.norm(x, hu) * m.norm(x, w) + m.norm(x, u) * m.norm(x, hw);
            double defect = Math.abs(m.inner(x, hu, w) - m.inner(x, u, hw)) / Math.max(scale, Double.MIN_NORMAL);
            return DefectReport.of(defect, RELATIVE_TOLERANCE);
        } finally {
            for (P a : java.util.List.of(gradient, u, w, hu, hw)) {
                m.free(a);
            }
            derivatives.release();
        }
    }

    /**
     * Tangency of the Riemannian gradient, {@code ||P_x(g) - g|| / ||g||} (an embedded
     * submanifold's ambient norm, through the manifold's inner product).
     */
    public static <P> DefectReport gradientTangency(Problem<P> problem, P x) {
        Manifold<P> m = problem.manifold();
        RiemannianDerivatives<P> derivatives = new RiemannianDerivatives<>(problem);
        P gradient = m.allocate();
        P projected = m.allocate();
        try {
            derivatives.evaluate(x, gradient);
            return DefectReport.of(tangencyDefect(m, x, gradient, projected), RELATIVE_TOLERANCE);
        } finally {
            m.free(gradient);
            m.free(projected);
            derivatives.release();
        }
    }

    /** Tangency of {@code Hess f(x)[v]} for a random unit tangent v, as {@link #gradientTangency}. */
    public static <P> DefectReport hessianTangency(Problem<P> problem, P x, RandomGenerator random) {
        Manifold<P> m = problem.manifold();
        RiemannianDerivatives<P> derivatives = new RiemannianDerivatives<>(problem);
        P gradient = m.allocate();
        P v = m.allocate();
        P hv = m.allocate();
        P projected = m.allocate();
        try {
            derivatives.evaluate(x, gradient);
            m.randomTangent(x, random, v);
            derivatives.hessianVector(v, hv);
            return DefectReport.of(tangencyDefect(m, x, hv, projected), RELATIVE_TOLERANCE);
        } finally {
            for (P a : java.util.List.of(gradient, v, hv, projected)) {
                m.free(a);
            }
            derivatives.release();
        }
    }

    private static <P> double tangencyDefect(Manifold<P> m, P x, P vector, P work) {
        m.projectToTangent(x, vector, work);
        m.linearCombination(x, 1.0, work, -1.0, vector, work);
        return m.norm(x, work) / Math.max(m.norm(x, vector), Double.MIN_NORMAL);
    }

    /**
     * Order of the retraction from its ambient Taylor remainder (embedded matrix manifolds):
     * {@code ||R_x(t v) - x - t v||} is {@code O(t^2)} for every retraction, and its tangential
     * part {@code ||P_x(R_x(t v) - x - t v)||} is {@code O(t^3)} for a second-order one
     * (Absil, Mahony, Sepulchre 2008, prop. 5.5.5; Boumal 2023, sec. 5.12). Returns the report of
     * the tangential remainder with expected slope 3: passing means second order.
     *
     * @param subtract {@code out = a - b} in the ambient space
     */
    public static <P> TaylorReport retractionSecondOrder(Manifold<P> m, P x, RandomGenerator random,
            AmbientDifference<P> subtract) {
        P v = m.allocate();
        P step = m.allocate();
        P moved = m.allocate();
        P difference = m.allocate();
        P projected = m.allocate();
        try {
            m.randomTangent(x, random, v);
            double[] t = stepSizes();
            double[] remainder = new double[POINTS];
            boolean[] valid = new boolean[POINTS];
            for (int i = 0; i < POINTS; i++) {
                m.linearCombination(x, t[i], v, 0.0, v, step);
                m.retract(x, step, moved);
                subtract.difference(moved, x, difference);
                m.linearCombination(x, 1.0, difference, -1.0, step, difference);
                m.projectToTangent(x, difference, projected);
                remainder[i] = m.norm(x, projected);
                valid[i] = Double.isFinite(remainder[i]) && remainder[i] > FLOOR * EPS * (1 + t[i]);
            }
            return fit(t, remainder, valid, 3, "the retraction's tangential remainder");
        } finally {
            for (P a : java.util.List.of(v, step, moved, difference, projected)) {
                m.free(a);
            }
        }
    }

    /** Ambient subtraction for {@link #retractionSecondOrder}, e.g. {@code kernels.addScaled(1, a, -1, b, out)}. */
    @FunctionalInterface
    public interface AmbientDifference<P> {
        void difference(P a, P b, P out);
    }
}
