package dev.stiefel.autodiff;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.stiefel.manifold.Manifold;
import dev.stiefel.manifold.Product;
import dev.stiefel.manifold.ProductPoint;
import dev.stiefel.problem.EuclideanHessian;
import dev.stiefel.problem.Problem;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.ejml.data.DMatrixRMaj;

/**
 * A {@link Problem} from a cost alone, written in DJL {@code NDArray} operations and
 * differentiated by DJL's autograd, as pymanopt's autograd and PyTorch backends build a problem
 * from a decorated cost (Townsend, Koep, Weichwald, "Pymanopt: A Python Toolbox for
 * Optimization on Manifolds using Automatic Differentiation", JMLR 17(137), 2016):
 * <pre>{@code
 *   try (AutodiffProblem<DMatrixRMaj> problem = AutodiffProblem.of(stiefel,
 *           x -> x.mul(a.matMul(x)).mul(weights).sum())) {      // tr(X^T A X N), N = diag(weights)
 *       SolverResult<DMatrixRMaj> result = new TrustRegions<DMatrixRMaj>().solve(problem);
 *   }
 * }</pre>
 * The manifold turns the Euclidean derivatives into Riemannian ones as for any {@link Problem}.
 *
 * <ul>
 *   <li>Cost: one forward pass in {@code float64} on the CPU, recorded with its graph.</li>
 *   <li>Euclidean gradient: one reverse pass ({@code GradientCollector.backward}) through the
 *       recorded graph. {@link #costAndEuclideanGradient} does both in one forward and one reverse
 *       pass, and {@link #cost} followed by {@link #euclideanGradient} at the same point runs the
 *       reverse pass only: the last point is kept as a copy of its entries and a call whose point
 *       has the same entries (compared exactly, {@code O(size)}) reuses what was computed there.
 *       Solvers pass their own storage, often the same object with new contents, so a version
 *       check on the object could not tell points apart; comparing the entries can.</li>
 *   <li>Euclidean Hessian-vector product: by the {@link HessianMethod} of the options, reported by
 *       {@link #hessianMethod()}: exact double backward on PyTorch by default, or finite
 *       differences of gradients when chosen. A failure says so; the method never changes by
 *       itself.</li>
 * </ul>
 *
 * <p>The problem owns one {@link NDManager} on its engine; each evaluation works in a
 * sub-manager that is closed when the evaluation is superseded, and everything the cost creates
 * is closed when it returns, so repeated evaluations do not accumulate arrays. Point data enters
 * the engine through direct buffers kept across evaluations (one copy per evaluation) and
 * derivatives leave it by one copy into the caller's matrices. {@link #close()} frees the
 * manager and everything in it. Not thread-safe.
 *
 * @param <P> {@code DMatrixRMaj}, or {@code ProductPoint<DMatrixRMaj>} on a {@link Product}
 */
public final class AutodiffProblem<P> implements Problem<P>, AutoCloseable {

    private final Manifold<P> manifold;
    private final PointLayout<P> layout;
    private final String name;
    private final int[] rows;
    private final int[] cols;
    private final NDManager manager;
    private final DifferentiableCost cost;
    private final HessianMethod hessianMethod;
    private final HessianVectorProduct hessian;
    private final StagedInput input;

    private final double[][] pointView;
    private final double[][] directionView;
    private final double[][] outputView;

    private final double[][] cachedPoint;
    private final double[][] cachedGradient;
    private boolean hasPoint;
    private boolean gradientKnown;
    private double cachedCost;
    private Tape tape;
    private boolean closed;

    private AutodiffProblem(Manifold<P> manifold, PointLayout<P> layout, List<Shape> shapes, ProductCost function,
            AutodiffOptions options) {
        this.manifold = manifold;
        this.layout = layout;
        this.name = "AutodiffProblem on " + manifold.name();
        int factors = shapes.size();
        rows = new int[factors];
        cols = new int[factors];
        pointView = new double[factors][];
        directionView = new double[factors][];
        outputView = new double[factors][];
        cachedPoint = new double[factors][];
        cachedGradient = new double[factors][];
        for (int i = 0; i < factors; i++) {
            rows[i] = Math.toIntExact(shapes.get(i).get(0));
            cols[i] = Math.toIntExact(shapes.get(i).get(1));
            cachedPoint[i] = new double[rows[i] * cols[i]];
            cachedGradient[i] = new double[rows[i] * cols[i]];
        }
        Engine engine = Engine.getEngine(options.engineName());
        manager = engine.newBaseManager(Device.cpu());
        try {
            cost = new DifferentiableCost(name, manager, function, shapes);
            input = cost.newStagedInput();
            hessianMethod = options.hessianMethod();
            hessian = Objects.requireNonNull(hessianMethod.start(cost), "HessianMethod.start returned null");
        } catch (RuntimeException failure) {
            manager.close();
            throw failure;
        }
    }

    /**
     * A problem on a manifold of single matrices (Stiefel, Grassmann, Sphere, Euclidean) with
     * {@link AutodiffOptions#defaults()}: double backward on the PyTorch engine.
     *
     * @param manifold the search space; its {@code allocate()} gives the points' shape
     * @param cost the cost in NDArray operations
     * @return the problem, which the caller closes
     * @throws IllegalArgumentException when an argument is null
     */
    public static AutodiffProblem<DMatrixRMaj> of(Manifold<DMatrixRMaj> manifold, MatrixCost cost) {
        return of(manifold, cost, AutodiffOptions.defaults());
    }

    /**
     * A problem on a manifold of single matrices with the given options.
     *
     * @param manifold the search space; its {@code allocate()} gives the points' shape
     * @param cost the cost in NDArray operations
     * @param options the Hessian method and the engine
     * @return the problem, which the caller closes
     * @throws IllegalArgumentException when an argument is null, the engine is unknown or does not
     *     support the options' Hessian method (the message names the alternative)
     */
    public static AutodiffProblem<DMatrixRMaj> of(Manifold<DMatrixRMaj> manifold, MatrixCost cost,
            AutodiffOptions options) {
        requireArguments(manifold, cost, options);
        DMatrixRMaj probe = manifold.allocate();
        Shape shape = new Shape(probe.numRows, probe.numCols);
        manifold.free(probe);
        return new AutodiffProblem<>(manifold, PointLayout.matrix(), List.of(shape),
                point -> cost.cost(point.get(0)), options);
    }

    /**
     * A problem on a product of matrix manifolds with {@link AutodiffOptions#defaults()}; the cost
     * receives one array per factor.
     *
     * @param manifold the product; its factors' {@code allocate()} give the shapes
     * @param cost the cost in NDArray operations, one array per factor
     * @return the problem, which the caller closes
     * @throws IllegalArgumentException when an argument is null
     */
    public static AutodiffProblem<ProductPoint<DMatrixRMaj>> of(Product<DMatrixRMaj> manifold, ProductCost cost) {
        return of(manifold, cost, AutodiffOptions.defaults());
    }

    /**
     * A problem on a product of matrix manifolds with the given options.
     *
     * @param manifold the product; its factors' {@code allocate()} give the shapes
     * @param cost the cost in NDArray operations, one array per factor
     * @param options the Hessian method and the engine
     * @return the problem, which the caller closes
     * @throws IllegalArgumentException when an argument is null, the engine is unknown or does not
     *     support the options' Hessian method
     */
    public static AutodiffProblem<ProductPoint<DMatrixRMaj>> of(Product<DMatrixRMaj> manifold, ProductCost cost,
            AutodiffOptions options) {
        requireArguments(manifold, cost, options);
        ProductPoint<DMatrixRMaj> probe = manifold.allocate();
        List<Shape> shapes = new ArrayList<>(probe.size());
        for (DMatrixRMaj factor : probe.components()) {
            shapes.add(new Shape(factor.numRows, factor.numCols));
        }
        manifold.free(probe);
        return new AutodiffProblem<>(manifold, PointLayout.product(), shapes, cost, options);
    }

    private static void requireArguments(Object manifold, Object cost, Object options) {
        if (manifold == null || cost == null || options == null) {
            throw new IllegalArgumentException("AutodiffProblem.of: manifold, cost and options must not be null");
        }
    }

    @Override
    public Manifold<P> manifold() {
        return manifold;
    }

    /**
     * How this problem computes Hessian-vector products (fixed at construction).
     *
     * @return the method of the options the problem was built with
     */
    public HessianMethod hessianMethod() {
        return hessianMethod;
    }

    /**
     * The manager owning every array of this problem's evaluations, for inspection (its
     * {@code getManagedArrays()}, {@code isOpen()}); {@link #close()} closes it.
     *
     * @return the problem's manager
     */
    public NDManager manager() {
        return manager;
    }

    /**
     * {@code f(x)}, by one forward pass unless {@code x} has the entries of the last point.
     *
     * @throws IllegalArgumentException when {@code x} has the wrong shape or a non-finite entry, or
     *     the cost does not return a {@code float64} scalar
     * @throws ArithmeticException when the cost is NaN at {@code x}
     * @throws IllegalStateException after {@link #close()}
     */
    @Override
    public double cost(P x) {
        double[][] point = view(x, pointView, "point", true);
        if (!atCachedPoint(point)) {
            moveTo(point);
        }
        return cachedCost;
    }

    /**
     * The Euclidean gradient at {@code x}, written into {@code out}: one reverse pass, preceded by
     * a forward pass unless {@code x} has the entries of the last point.
     *
     * @throws IllegalArgumentException when {@code x} or {@code out} has the wrong shape, or
     *     {@code x} a non-finite entry
     * @throws ArithmeticException when the cost is NaN or the gradient not finite at {@code x}
     * @throws IllegalStateException when the reverse pass fails, or after {@link #close()}
     */
    @Override
    public void euclideanGradient(P x, P out) {
        double[][] point = view(x, pointView, "point", true);
        double[][] target = view(out, outputView, "gradient output", false);
        gradientAt(point);
        copyGradient(target);
    }

    /** As {@link #cost} and {@link #euclideanGradient} together: one forward, one reverse pass. */
    @Override
    public double costAndEuclideanGradient(P x, P gradientOut) {
        double[][] point = view(x, pointView, "point", true);
        double[][] target = view(gradientOut, outputView, "gradient output", false);
        gradientAt(point);
        copyGradient(target);
        return cachedCost;
    }

    /**
     * The Hessian part, present for every configured {@link #hessianMethod()}: it writes the
     * Euclidean Hessian at {@code x} applied to {@code v} into {@code out} by that method;
     * {@code out} may alias {@code v}. Applying it throws {@link IllegalArgumentException} when
     * an argument has the wrong shape, {@code x} or {@code v} a non-finite entry, or {@code out}
     * aliases {@code x}, and {@link IllegalStateException} when the method fails (the message
     * names the alternative) or after {@link #close()}.
     */
    @Override
    public Optional<EuclideanHessian<P>> euclideanHessian() {
        return Optional.of(this::hessianVectorProduct);
    }

    private void hessianVectorProduct(P x, P v, P out) {
        double[][] point = view(x, pointView, "point", true);
        double[][] direction = view(v, directionView, "direction", true);
        double[][] target = view(out, outputView, "Hessian output", false);
        for (int i = 0; i < target.length; i++) {
            if (target[i] == point[i]) {
                throw new IllegalArgumentException(name + ": the Hessian output must not alias the point");
            }
        }
        hessian.apply(point, direction, target);
    }

    private void gradientAt(double[][] point) {
        if (!atCachedPoint(point) || (!gradientKnown && tape == null)) {
            moveTo(point);
        }
        if (!gradientKnown) {
            try {
                tape.gradient(cachedGradient);
                gradientKnown = true;
            } finally {
                tape.close();
                tape = null;
            }
        }
    }

    private void copyGradient(double[][] target) {
        for (int i = 0; i < target.length; i++) {
            System.arraycopy(cachedGradient[i], 0, target[i], 0, cachedGradient[i].length);
        }
    }

    /** Records the forward pass at {@code point}, which becomes the cached point. */
    private void moveTo(double[][] point) {
        forgetPoint();
        tape = cost.record(point, input);
        cachedCost = tape.cost();
        for (int i = 0; i < point.length; i++) {
            System.arraycopy(point[i], 0, cachedPoint[i], 0, cachedPoint[i].length);
        }
        hasPoint = true;
    }

    private void forgetPoint() {
        hasPoint = false;
        gradientKnown = false;
        if (tape != null) {
            tape.close();
            tape = null;
        }
    }

    private boolean atCachedPoint(double[][] point) {
        if (!hasPoint) {
            return false;
        }
        for (int i = 0; i < point.length; i++) {
            int size = cachedPoint[i].length;
            if (!Arrays.equals(cachedPoint[i], 0, size, point[i], 0, size)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The factors' data arrays of {@code a}, written into {@code view}, after checking the shapes
     * (and the entries when {@code finite}).
     */
    private double[][] view(P a, double[][] view, String role, boolean finite) {
        if (closed) {
            throw new IllegalStateException(name + " is closed");
        }
        if (a == null) {
            throw new IllegalArgumentException(name + ": the " + role + " must not be null");
        }
        int factors = layout.factorCount(a);
        if (factors != rows.length) {
            throw new IllegalArgumentException(name + ": the " + role + " has " + factors + " components, expected "
                    + rows.length);
        }
        for (int i = 0; i < factors; i++) {
            DMatrixRMaj matrix = layout.factor(a, i);
            String which = rows.length > 1 ? " (factor " + i + ")" : "";
            if (matrix.numRows != rows[i] || matrix.numCols != cols[i]) {
                throw new IllegalArgumentException(name + ": the " + role + which + " is " + matrix.numRows + " x "
                        + matrix.numCols + ", expected " + rows[i] + " x " + cols[i]);
            }
            if (finite) {
                int size = rows[i] * cols[i];
                for (int index = 0; index < size; index++) {
                    if (!Double.isFinite(matrix.data[index])) {
                        throw new IllegalArgumentException(name + ": the " + role + which + " has the entry "
                                + matrix.data[index] + " at (" + index / cols[i] + ", " + index % cols[i] + ")");
                    }
                }
            }
            view[i] = matrix.data;
        }
        return view;
    }

    /** Frees the manager and every array in it; closing twice is harmless. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        forgetPoint();
        try {
            hessian.close();
        } finally {
            manager.close();
        }
    }

    @Override
    public String toString() {
        return name + " (Hessian: " + hessianMethod.name() + (closed ? ", closed)" : ")");
    }
}
