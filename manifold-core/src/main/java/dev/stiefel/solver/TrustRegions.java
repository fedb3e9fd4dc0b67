package dev.stiefel.solver;

import dev.stiefel.manifold.Manifold;
import dev.stiefel.problem.Problem;
import dev.stiefel.problem.RiemannianDerivatives;
import java.util.Objects;

/**
 * Riemannian trust regions (RTR) with the Steihaug-Toint truncated conjugate-gradient inner
 * solver: Absil, Baker, Gallivan, "Trust-region methods on Riemannian manifolds", Found. Comput.
 * Math. 7 (2007); Boumal, "An introduction to optimization on smooth manifolds" (2023), sec. 6.4.
 * The iteration follows Manopt's {@code trustregions.m}/{@code trs_tCG_cached.m} and pymanopt's
 * {@code trust_regions.py} with the zero initial inner iterate, preconditioned by
 * {@link Problem#preconditioner()} when the problem has one (the trust region is then measured in
 * the norm {@code <eta, P^-1 eta>}, Conn, Gould, Toint 2000, sec. 7.5.1; Boumal 2023,
 * sec. 6.4). {@link TrustRegionsOptions#pymanopt()} and {@link TrustRegionsOptions#manopt()}
 * reproduce those libraries' iteration traces.
 *
 * <p>Each outer iteration approximately minimises the model
 * {@code m(eta) = f(x) + <grad f(x), eta> + 1/2 <Hess f(x)[eta], eta>} over
 * {@code ||eta|| <= Delta}, proposes {@code x+ = R_x(eta)} and computes
 * <pre>
 *   rho = (f(x) - f(x+) + reg) / (m(0) - m(eta) + reg),   reg = max(1, |f(x)|) eps rhoRegularization
 * </pre>
 * The radius is divided by 4 when {@code rho < 1/4} (or the model did not decrease, or rho is
 * NaN), doubled up to {@code Delta_bar} when {@code rho > 3/4} and the inner solve stopped on
 * the boundary or on negative curvature, and kept otherwise. The step is accepted when the model
 * decreased and {@code rho > rho'}. When the problem has no Hessian, Hessian-vector products are
 * finite differences of gradients ({@link RiemannianDerivatives}).
 *
 * <p>A non-finite cost at a proposal rejects the step (retractions may leave the cost's domain);
 * when the run then ends because the radius collapsed, the stop reason is
 * {@link StopReason#NON_FINITE}. Workspaces live in fields and are kept across solves on the same
 * manifold object; no allocation happens inside the iterations. Not thread-safe.
 *
 * @param <P> point and tangent-vector type
 */
public final class TrustRegions<P> extends IterativeSolver<P> {

    /** Why the truncated CG stopped (Manopt's {@code stop_tCG} codes). */
    public enum InnerStop {
        /** Direction of non-positive curvature: stepped to the boundary along it. */
        NEGATIVE_CURVATURE,
        /** The next inner iterate would leave the trust region: stepped to the boundary. */
        EXCEEDED_TRUST_REGION,
        /** Residual below {@code kappa ||r0||}. */
        REACHED_TARGET_LINEAR,
        /** Residual below {@code ||r0||^(1 + theta)}. */
        REACHED_TARGET_SUPERLINEAR,
        /** {@code maxInnerIterations} reached. */
        MAX_INNER_ITERATIONS,
        /** The model value did not decrease (possible with finite-difference Hessians). */
        MODEL_INCREASED,
        /** A Hessian-vector product was not finite: the last finite inner iterate is kept. */
        NON_FINITE
    }

    private static final double MACHINE_EPSILON = Math.ulp(1.0);

    private final TrustRegionsOptions options;

    private P x;
    private P proposal;
    private P gradient;
    private P eta;
    private P hessianEta;
    private P candidateEta;
    private P candidateHessianEta;
    private P residual;
    private P direction;
    private P hessianDirection;
    private P work;
    private P preconditionedResidual;

    private InnerStop lastInnerStop;
    /** Per solve: the inner iteration cap, {@code Delta_bar}, and the current radius. */
    private int maxInner;
    private double maximalRadius;
    private double radius;
    /** The current iterate's cost and gradient norm. */
    private double cost;
    private double gradientNorm;
    /** Whether the last iteration met a non-finite Hessian product or proposal cost. */
    private boolean nonFiniteStep;

    /** Trust regions with {@link TrustRegionsOptions#defaults()}. */
    public TrustRegions() {
        this(TrustRegionsOptions.defaults(), null);
    }

    /** Trust regions with {@code options}. */
    public TrustRegions(TrustRegionsOptions options) {
        this(options, null);
    }

    /**
     * @param options the options
     * @param listener sees each iteration; may be null
     */
    public TrustRegions(TrustRegionsOptions options, IterationListener<P> listener) {
        super(Objects.requireNonNull(options, "options").settings(), listener);
        this.options = options;
    }

    /** The options this solver was built with. */
    public TrustRegionsOptions options() {
        return options;
    }

    /** How the inner solve of the last iteration stopped (null before the first iteration). */
    public InnerStop lastInnerStop() {
        return lastInnerStop;
    }

    @Override
    protected void allocateWorkspaces(Manifold<P> manifold) {
        x = manifold.allocate();
        proposal = manifold.allocate();
        gradient = manifold.allocate();
        eta = manifold.allocate();
        hessianEta = manifold.allocate();
        candidateEta = manifold.allocate();
        candidateHessianEta = manifold.allocate();
        residual = manifold.allocate();
        direction = manifold.allocate();
        hessianDirection = manifold.allocate();
        work = manifold.allocate();
        preconditionedResidual = manifold.allocate();
    }

    @Override
    protected void freeWorkspaces(Manifold<P> manifold) {
        for (P p : java.util.List.of(x, proposal, gradient, eta, hessianEta, candidateEta, candidateHessianEta,
                residual, direction, hessianDirection, work, preconditionedResidual)) {
            manifold.free(p);
        }
    }

    /**
     * Sets the finite-difference switch and resolves the inner iteration cap and the radii
     * against the manifold.
     *
     * @throws IllegalArgumentException when {@code manifold.typicalDistance()} is not a usable
     *     default radius, or the initial radius exceeds the maximal one
     */
    @Override
    protected void prepare(Problem<P> problem) {
        derivatives().setForceFiniteDifferences(options.finiteDifferenceHessian());
        Manifold<P> m = manifold();
        maxInner = options.maxInnerIterations() > 0 ? options.maxInnerIterations() : m.dimension();
        boolean typical = Double.isNaN(options.maximalRadius());
        maximalRadius = typical ? m.typicalDistance() : options.maximalRadius();
        if (!(maximalRadius > 0 && maximalRadius <= TrustRegionsOptions.MAX_RADIUS)) {
            throw new IllegalArgumentException(m.name() + ": typicalDistance() must be finite, > 0 and at most "
                    + TrustRegionsOptions.MAX_RADIUS + " to serve as the maximal trust-region radius, got "
                    + maximalRadius + "; set one with options.withMaximalRadius(...)");
        }
        radius = Double.isNaN(options.initialRadius()) ? maximalRadius / 8 : options.initialRadius();
        if (radius > maximalRadius) {
            throw new IllegalArgumentException("initialRadius " + radius + " must not exceed the maximal radius "
                    + "Delta_bar = " + maximalRadius + (typical ? " (the typicalDistance() of " + m.name()
                    + ", the default; set another with options.withMaximalRadius(...))" : "")
                    + ": the radius never grows beyond Delta_bar (Absil, Baker, Gallivan 2007, Algorithm 1 takes "
                    + "Delta0 in (0, Delta_bar])");
        }
    }

    @Override
    protected void initialise(P initialPoint) {
        manifold().copy(initialPoint, x);
        cost = derivatives().evaluate(x, gradient);
        gradientNorm = norm(x, gradient);
        setCurrent(x, cost, gradientNorm);
        setStep(Double.NaN, Double.NaN, radius, 0);
    }

    @Override
    protected StopReason step(int iteration) {
        Manifold<P> m = manifold();
        RiemannianDerivatives<P> derivatives = derivatives();
        int inner = truncatedConjugateGradient(gradientNorm, radius, maxInner);
        nonFiniteStep = lastInnerStop == InnerStop.NON_FINITE;
        double stepNorm = norm(x, eta);

        m.retract(x, eta, proposal);
        double proposalCost = derivatives.cost(proposal);
        nonFiniteStep |= !isFinite(proposalCost);

        // rho = actual / predicted decrease, both shifted by reg (Manopt, Dec. 2013 heuristic).
        double regularization = Math.max(1.0, Math.abs(cost)) * MACHINE_EPSILON * options.rhoRegularization();
        double actualDecrease = cost - proposalCost + regularization;
        double predictedDecrease = -m.inner(x, gradient, eta) - 0.5 * m.inner(x, eta, hessianEta)
                + regularization;
        boolean modelDecreased = predictedDecrease >= 0;
        double rho = actualDecrease / predictedDecrease;

        if (!(rho >= 0.25) || !modelDecreased) {
            radius /= 4;
        } else if (rho > 0.75 && (lastInnerStop == InnerStop.NEGATIVE_CURVATURE
                || lastInnerStop == InnerStop.EXCEEDED_TRUST_REGION)) {
            radius = Math.min(2 * radius, maximalRadius);
        }

        double costDecrease = Double.NaN;
        if (modelDecreased && rho > options.acceptanceRatio()) {
            P accepted = proposal;
            proposal = x;
            x = accepted;
            double previousCost = cost;
            double previousGradientNorm = gradientNorm;
            cost = derivatives.evaluate(x, gradient);
            gradientNorm = norm(x, gradient);
            costDecrease = previousCost - cost;
            if (!isFinite(cost) || !isFinite(gradientNorm)) {
                // Go back: the result is the last point with finite cost and gradient.
                x = proposal;
                proposal = accepted;
                cost = previousCost;
                gradientNorm = previousGradientNorm;
                setCurrent(x, cost, gradientNorm);
                setStep(stepNorm, Double.NaN, radius, inner);
                return StopReason.NON_FINITE;
            }
        }
        setCurrent(x, cost, gradientNorm);
        setStep(stepNorm, costDecrease, radius, inner);
        return null;
    }

    /** A step-size stop after a non-finite Hessian product or proposal cost is reported as such. */
    @Override
    protected StopReason reviewStop(StopReason reason) {
        return reason == StopReason.STEP_SIZE && nonFiniteStep ? StopReason.NON_FINITE : reason;
    }

    /**
     * Steihaug-Toint truncated CG on the trust-region subproblem at the current point, from
     * {@code eta = 0} (Manopt {@code tCG.m}; Conn, Gould, Toint 2000, alg. 7.5.1). Leaves the
     * step in {@link #eta}, its Hessian image in {@link #hessianEta} (exact for a linear Hessian,
     * accumulated otherwise), the stop in {@link #lastInnerStop}.
     *
     * @return number of Hessian-vector products
     */
    private int truncatedConjugateGradient(double gradientNorm, double radius, int maxInner) {
        Manifold<P> m = manifold();
        RiemannianDerivatives<P> derivatives = derivatives();
        m.zeroTangent(x, eta);
        m.zeroTangent(x, hessianEta);
        if (gradientNorm == 0 || maxInner == 0) {
            lastInnerStop = gradientNorm == 0 ? InnerStop.REACHED_TARGET_SUPERLINEAR : InnerStop.MAX_INNER_ITERATIONS;
            return 0;
        }
        m.copy(gradient, residual);
        double residualNorm0 = gradientNorm;
        // z = P r, the preconditioned residual (z = r without a preconditioner).
        P z = residual;
        if (hasPreconditioner()) {
            derivatives.precondition(x, residual, preconditionedResidual);
            z = preconditionedResidual;
        }
        double zr = m.inner(x, z, residual);
        if (z != residual) {
            requirePreconditioned(zr);
        }
        // P-norms and P-inner products kept by recurrence (Conn, Gould, Toint eq. 7.5.6-7).
        double etaEta = 0;
        double etaDirection = 0;
        double directionDirection = zr;
        m.linearCombination(x, -1.0, z, 0.0, z, direction);
        double modelValue = 0;
        double radiusSquared = radius * radius;
        double target = residualNorm0 * Math.min(Math.pow(residualNorm0, options.theta()), options.kappa());

        lastInnerStop = InnerStop.MAX_INNER_ITERATIONS;
        int j;
        for (j = 1; j <= maxInner; j++) {
            derivatives.hessianVector(direction, hessianDirection);
            double curvature = m.inner(x, direction, hessianDirection);
            if (!isFinite(curvature)) {
                lastInnerStop = InnerStop.NON_FINITE;
                break;
            }
            double alpha = Double.NaN;
            double etaEtaNew = etaEta;
            if (curvature != 0) {
                alpha = zr / curvature;
                etaEtaNew = etaEta + 2 * alpha * etaDirection + alpha * alpha * directionDirection;
            }
            if (curvature <= 0 || etaEtaNew >= radiusSquared) {
                // tau >= 0 solves ||eta + tau direction||_P = Delta.
                double tau = (-etaDirection + Math.sqrt(etaDirection * etaDirection
                        + directionDirection * (radiusSquared - etaEta))) / directionDirection;
                m.linearCombination(x, 1.0, eta, tau, direction, eta);
                m.linearCombination(x, 1.0, hessianEta, tau, hessianDirection, hessianEta);
                lastInnerStop = curvature <= 0 ? InnerStop.NEGATIVE_CURVATURE : InnerStop.EXCEEDED_TRUST_REGION;
                break;
            }
            etaEta = etaEtaNew;
            m.linearCombination(x, 1.0, eta, alpha, direction, candidateEta);
            m.linearCombination(x, 1.0, hessianEta, alpha, hessianDirection, candidateHessianEta);

            // With a nonlinear (finite-difference) Hessian the model may increase: keep the best.
            double candidateModel = m.inner(x, candidateEta, gradient)
                    + 0.5 * m.inner(x, candidateEta, candidateHessianEta);
            if (!(candidateModel < modelValue)) {
                lastInnerStop = InnerStop.MODEL_INCREASED;
                break;
            }
            P swap = eta;
            eta = candidateEta;
            candidateEta = swap;
            swap = hessianEta;
            hessianEta = candidateHessianEta;
            candidateHessianEta = swap;
            modelValue = candidateModel;

            m.linearCombination(x, 1.0, residual, alpha, hessianDirection, residual);
            double residualNorm = norm(x, residual);
            if (j >= options.minInnerIterations() && residualNorm <= target) {
                lastInnerStop = options.kappa() < Math.pow(residualNorm0, options.theta())
                        ? InnerStop.REACHED_TARGET_LINEAR
                        : InnerStop.REACHED_TARGET_SUPERLINEAR;
                break;
            }
            if (z != residual) {
                derivatives.precondition(x, residual, z);
            }
            double zrNew = m.inner(x, z, residual);
            if (z != residual) {
                requirePreconditioned(zrNew);
            }
            double beta = zrNew / zr;
            zr = zrNew;
            m.linearCombination(x, -1.0, z, beta, direction, work);
            // Re-project: rounding drifts the direction off the tangent space over many steps.
            m.projectToTangent(x, work, direction);
            etaDirection = beta * (etaDirection + alpha * directionDirection);
            directionDirection = zr + beta * beta * directionDirection;
        }
        return Math.min(j, maxInner);
    }
}
