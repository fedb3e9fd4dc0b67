package dev.stiefel.problem;

import dev.stiefel.manifold.Manifold;
import java.util.Objects;

/**
 * The Riemannian view of a {@link Problem}: cost, Riemannian gradient and Riemannian
 * Hessian-vector products, with evaluation counters.
 *
 * <p>{@link #evaluate} fixes the <em>current point</em> and caches its cost and Euclidean
 * gradient; {@link #hessianVector} then works at that point. The Hessian is exact when the
 * problem has a Euclidean Hessian part ({@link Problem#euclideanHessian()}),
 * {@code Hess f(x)[v] = P_x(D egrad(x)[v]) + Weingarten term} (Absil, Mahony, Trumpf,
 * "An extrinsic look at the Riemannian Hessian", 2013), and otherwise the finite difference of
 * gradients of Manopt's {@code getHessianFD} / pymanopt:
 * <pre>
 *   c = 2^-14 / ||v||,   Hess f(x)[v] ~ ( T_{R_x(c v) -> x} grad f(R_x(c v)) - grad f(x) ) / c
 * </pre>
 * (Boumal, "Riemannian trust regions with finite-difference Hessian approximations are
 * globally convergent", GSI 2015).
 *
 * <p>Workspaces are allocated once per manifold and kept when {@link #bind} switches to another
 * problem on the same manifold. Not thread-safe.
 *
 * @param <P> point and tangent-vector type
 */
public final class RiemannianDerivatives<P> {

    /** Manopt's finite-difference step {@code 2^-14}, relative to {@code ||v||}. */
    public static final double FINITE_DIFFERENCE_STEP = 0x1p-14;

    /** Below this norm a direction counts as zero and its Hessian product is zero. */
    private static final double ZERO_DIRECTION_NORM = 1e-300;

    private Problem<P> problem;
    private Manifold<P> manifold;
    private boolean forceFiniteDifferences;
    /** The problem's Hessian part, null when it has none. */
    private EuclideanHessian<P> euclideanHessian;
    /** The problem's preconditioner part, null when it has none. */
    private Preconditioner<P> preconditioner;

    private P point;
    private double cost = Double.NaN;
    private P euclideanGradient;
    private P gradient;
    private P euclideanHessianVector;
    private P displacement;
    private P displacedPoint;
    private P displacedGradient;

    private int costEvaluations;
    private int gradientEvaluations;
    private int hessianEvaluations;

    public RiemannianDerivatives(Problem<P> problem) {
        bind(problem);
    }

    /**
     * Switches to {@code newProblem}, keeping workspaces when its manifold is the same object as
     * before (and freeing them otherwise). Clears the current point; keeps the counters. Reads
     * the problem's parts, {@link Problem#euclideanHessian()} and {@link Problem#preconditioner()},
     * once, here.
     *
     * @throws NullPointerException when the problem, its manifold or one of its parts is null
     */
    public void bind(Problem<P> newProblem) {
        Objects.requireNonNull(newProblem, "problem");
        Manifold<P> newManifold = Objects.requireNonNull(newProblem.manifold(), "problem.manifold()");
        EuclideanHessian<P> newHessian = Objects.requireNonNull(newProblem.euclideanHessian(),
                "problem.euclideanHessian()").orElse(null);
        Preconditioner<P> newPreconditioner = Objects.requireNonNull(newProblem.preconditioner(),
                "problem.preconditioner()").orElse(null);
        if (newManifold != manifold) {
            freeWorkspaces();
            manifold = newManifold;
            euclideanGradient = manifold.allocate();
            gradient = manifold.allocate();
            euclideanHessianVector = manifold.allocate();
            displacement = manifold.allocate();
            displacedPoint = manifold.allocate();
            displacedGradient = manifold.allocate();
        }
        problem = newProblem;
        euclideanHessian = newHessian;
        preconditioner = newPreconditioner;
        point = null;
        cost = Double.NaN;
    }

    private void freeWorkspaces() {
        if (manifold == null) {
            return;
        }
        manifold.free(euclideanGradient);
        manifold.free(gradient);
        manifold.free(euclideanHessianVector);
        manifold.free(displacement);
        manifold.free(displacedPoint);
        manifold.free(displacedGradient);
    }

    /** Frees the workspaces (matters for device memory); this object is unusable afterwards. */
    public void release() {
        freeWorkspaces();
        manifold = null;
        problem = null;
        euclideanHessian = null;
        preconditioner = null;
        point = null;
    }

    public Problem<P> problem() {
        return problem;
    }

    public Manifold<P> manifold() {
        return manifold;
    }

    /**
     * Use the finite-difference Hessian even when the problem supplies a Euclidean Hessian (to
     * test that path, or when the supplied Hessian is expensive).
     */
    public void setForceFiniteDifferences(boolean force) {
        this.forceFiniteDifferences = force;
    }

    /** Whether {@link #hessianVector} uses finite differences of gradients. */
    public boolean usesFiniteDifferences() {
        return forceFiniteDifferences || euclideanHessian == null;
    }

    /** Whether the problem has a preconditioner part ({@link Problem#preconditioner()}). */
    public boolean hasPreconditioner() {
        return preconditioner != null;
    }

    /**
     * The problem's preconditioner at {@code x} applied to {@code v}, or a copy of {@code v}
     * when it has none.
     */
    public void precondition(P x, P v, P out) {
        if (preconditioner != null) {
            preconditioner.apply(x, v, out);
        } else if (out != v) {
            manifold.copy(v, out);
        }
    }

    /** {@code f(x)}, counted; does not change the current point. */
    public double cost(P x) {
        costEvaluations++;
        return problem.cost(x);
    }

    /**
     * Makes {@code x} the current point: computes {@code f(x)} and the Riemannian gradient,
     * written into {@code gradientOut}, and caches both with the Euclidean gradient.
     * {@code x} is held by reference: its contents must not change while it is current.
     *
     * @return {@code f(x)}
     */
    public double evaluate(P x, P gradientOut) {
        costEvaluations++;
        gradientEvaluations++;
        cost = problem.costAndEuclideanGradient(x, euclideanGradient);
        manifold.euclideanToRiemannianGradient(x, euclideanGradient, gradient);
        if (gradientOut != gradient) {
            manifold.copy(gradient, gradientOut);
        }
        point = x;
        return cost;
    }

    /**
     * Riemannian gradient at {@code x}, counted, without changing the current point or its
     * cache (line searches use it for trial points).
     */
    public void gradient(P x, P out) {
        gradientEvaluations++;
        problem.euclideanGradient(x, displacement);
        manifold.euclideanToRiemannianGradient(x, displacement, out);
    }

    /** The current point (null before the first {@link #evaluate}). */
    public P currentPoint() {
        return point;
    }

    /** Cost at the current point. */
    public double currentCost() {
        return cost;
    }

    /**
     * Riemannian Hessian at the current point applied to the tangent vector {@code v}, counted.
     *
     * @param out receives {@code Hess f(x)[v]}; must not alias {@code v}
     * @throws IllegalStateException before the first {@link #evaluate}
     */
    public void hessianVector(P v, P out) {
        if (point == null) {
            throw new IllegalStateException("hessianVector needs a current point: call evaluate(x, gradientOut) first");
        }
        if (out == v) {
            throw new IllegalArgumentException("hessianVector: out must not alias v");
        }
        hessianEvaluations++;
        if (usesFiniteDifferences()) {
            finiteDifferenceHessianVector(v, out);
        } else {
            euclideanHessian.apply(point, v, euclideanHessianVector);
            manifold.euclideanToRiemannianHessian(point, euclideanGradient, euclideanHessianVector, v, out);
        }
    }

    /**
     * {@code (P_x(grad f(R_x(c u))) - grad f(x)) / c} for the tangent part {@code u = P_x(v)},
     * {@code c = FINITE_DIFFERENCE_STEP / ||u||}. The Hessian acts on tangent vectors, and a
     * solver's direction at the rounding floor of its gradient is tangent only to the rounding
     * of a larger scale: scaled up to the step length, its normal part would no longer be
     * rounding, and the retraction rejects it.
     */
    private void finiteDifferenceHessianVector(P v, P out) {
        manifold.projectToTangent(point, v, displacement);
        double norm = manifold.norm(point, displacement);
        if (!(norm > ZERO_DIRECTION_NORM)) {
            if (Double.isNaN(norm)) {
                manifold.linearCombination(point, Double.NaN, v, 0.0, v, out);
            } else {
                manifold.zeroTangent(point, out);
            }
            return;
        }
        double c = FINITE_DIFFERENCE_STEP / norm;
        manifold.linearCombination(point, c, displacement, 0.0, displacement, displacement);
        manifold.retract(point, displacement, displacedPoint);
        gradientEvaluations++;
        problem.euclideanGradient(displacedPoint, displacement);
        manifold.euclideanToRiemannianGradient(displacedPoint, displacement, displacedGradient);
        manifold.transport(displacedPoint, point, displacedGradient, displacedGradient);
        manifold.linearCombination(point, 1.0 / c, displacedGradient, -1.0 / c, gradient, out);
    }

    public int costEvaluations() {
        return costEvaluations;
    }

    /** Euclidean gradient evaluations, including those of finite-difference Hessians. */
    public int gradientEvaluations() {
        return gradientEvaluations;
    }

    public int hessianEvaluations() {
        return hessianEvaluations;
    }

    public void resetCounters() {
        costEvaluations = 0;
        gradientEvaluations = 0;
        hessianEvaluations = 0;
    }
}
