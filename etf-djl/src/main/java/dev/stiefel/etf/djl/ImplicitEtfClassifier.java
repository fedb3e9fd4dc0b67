package dev.stiefel.etf.djl;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import dev.stiefel.etf.BackwardMode;
import dev.stiefel.etf.EtfOptions;
import dev.stiefel.etf.EtfSolverMethod;
import dev.stiefel.etf.ImplicitEtfState;
import dev.stiefel.etf.NearestEtf;
import dev.stiefel.etf.SimplexEtf;
import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.ejml.data.DMatrixRMaj;

/**
 * The implicit ETF head (Markou, Ajanthan, Gould, "Guiding Neural Collapse", NeurIPS 2024, eq. 8
 * and 9; docs/mathematics.md sections 3 to 5) in DJL's graph, with etf-solver's
 * {@code ImplicitEtfHead} as its definition: features normalised and centred by the batch mean
 * with the gradient through the mean, the classifier {@code W = U* Mh}, {@code U*} the nearest
 * ETF to the moving average of the batch's centred class means, and (full backward) the gradient
 * through {@code U*}, the normalisation of the average and the class means, as in the authors'
 * {@code ClosestETFGeometryFcn} and {@code FeaturesMovingAverageLayer}; the previous average and
 * the proximal point {@code Uprox} are constants.
 *
 * <p><b>Step (values, float64, on the device).</b> With {@code Hbar} the centred class means of
 * the classes present and {@code a_t = max(2/(t+1), emaFloor)}:
 * {@code E_t = a_t Hbar diag(p) + E_{t-1} diag(1 - a_t p)}, {@code Ht = E_t / ||E_t||_F},
 * {@code G = (2/sqrt(C-1)) Ht Mc + delta Uprox} and {@code U* = polar(G) = G (G^T G)^(-1/2)}.
 * Only the {@code C x C} matrix {@code G^T G} (and its norm) goes to the host, where
 * manifold-core's {@link DenseKernels} (OpenBLAS or EJML) decompose it,
 * {@code G^T G = V diag(lambda) V^T}; {@code V}, {@code (G^T G)^(-1/2)} and the divided differences
 * below come back ({@code C x C} each), and {@code U*} is formed on the device, refined by one
 * Newton-Schulz step {@code U <- U + U (I - U^T U) / 2} (Higham 2008, eq. 8.20). The accuracy guard
 * of the host kernels' eigen route (docs/mathematics.md section 8) applies: when
 * {@code lambda_min < 1e-10 lambda_max} ({@code cond(G) > 1e5}) the step takes the SVD route
 * instead, {@code G} ({@code d x C}) goes to the host for its thin SVD {@code G = U_G S V_G^T} and
 * {@code U* = U_G V_G^T} comes back; a numerically rank-deficient {@code G}
 * ({@code s_C < max(d, C) eps s_1}) is refused. The very first step solves problem (6) from the
 * configured start on the host with etf-solver's {@link NearestEtf} (the rank-deficient completion;
 * once per run, {@code Ht} down and the result up) and uses it as {@code Uprox}.
 *
 * <p><b>Gradient (autograd).</b> The same chain is recomputed from the differentiable class sums,
 * in float64 whatever the features' type (float64 constants promote the class sums and the mean;
 * the result enters the features' type through an assignment that autograd follows), and
 * {@code U*} enters as a surrogate with the exact derivative of the polar factor in its SVD form
 * (docs/mathematics.md section 5c): with {@code G = U_G S V_G^T},
 * {@code dU = U_G ((M - M^T) o R) V_G^T + (dG - U_G U_G^T dG) V_G S^-1 V_G^T},
 * {@code M = U_G^T dG V_G}, {@code R_ij = 1/(s_i + s_j)}. On the eigen route the factors come from
 * the eigendecomposition, {@code V_G = V}, {@code S = diag(sqrt(lambda))}, {@code U_G = U* V}; on
 * the SVD route from the SVD. This form equals the Daleckii-Krein derivative of
 * {@code G (G^T G)^(-1/2)} but avoids its cancellation between {@code dG Y} and {@code G dY}, and
 * the float64 chain keeps the float32 gradient within about 1e-6 of the float64 one although the
 * derivative divides by singular values down to about {@code delta}. The surrogate's value (zero)
 * is replaced by the step's {@code U*} through a constant ({@code U + [U* - U]}), so the logits
 * carry the float64 solution while the derivative is that of the graph. The forward-only head uses
 * {@code U*} as a
 * constant. Not thread-safe, except that the splits of one step may run concurrently under a
 * {@link ConcurrentSplitPooling}.
 */
final class ImplicitEtfClassifier implements HeadClassifier {

    /** {@code lambda_min / lambda_max} below which the eigen route of the polar factor is not trusted. */
    static final double EIGEN_ROUTE_SMALLEST_RATIO = 1e-10;

    /** Which factorisation gave the last step's polar factor. */
    enum Route {
        /** Eigendecomposition of {@code G^T G}, the usual route. */
        EIGEN,
        /** Thin SVD of {@code G}, for an ill-conditioned G. */
        SVD
    }

    private final int dimension;
    private final int numClasses;
    private final EtfOptions options;
    private final boolean fullBackward;
    private final double normalisedScale;
    private final double procrustesScale;
    private final DenseKernels<DMatrixRMaj> kernels;
    private final NearestEtf<DMatrixRMaj> firstSolver;
    private final DMatrixRMaj startPoint;
    /** Forces the SVD route (tests of the fallback). */
    private final boolean alwaysSvd;

    private NDManager root;
    private long step;
    private final boolean[] seen;
    private Plan current;
    private Plan retired;
    private NDArray startClassifierTransposed;
    private boolean closed;

    ImplicitEtfClassifier(int dimension, int numClasses, EtfOptions options) {
        this(dimension, numClasses, options, false);
    }

    ImplicitEtfClassifier(int dimension, int numClasses, EtfOptions options, boolean alwaysSvd) {
        SimplexEtf.requireDimensions(dimension, numClasses);
        if (options == null) {
            throw new IllegalArgumentException("the implicit head's options must not be null");
        }
        if (options.method() != EtfSolverMethod.CLOSED_FORM) {
            throw new IllegalArgumentException("the DJL implicit head solves problem (7) in closed form; got solver "
                    + options.method());
        }
        this.dimension = dimension;
        this.numClasses = numClasses;
        this.options = options;
        this.fullBackward = options.backwardMode() == BackwardMode.FULL;
        this.normalisedScale = SimplexEtf.normalisedScale(numClasses);
        this.procrustesScale = 2.0 / Math.sqrt(numClasses - 1.0);
        this.alwaysSvd = alwaysSvd;
        this.seen = new boolean[numClasses];
        this.kernels = Kernels.cpu();
        this.firstSolver = NearestEtf.onCpu(dimension, numClasses, options);
        this.startPoint = firstSolver.startPoint(new DMatrixRMaj(dimension, numClasses));
    }

    @Override
    public String name() {
        return fullBackward ? "implicit" : "implicit-forward-only";
    }

    @Override
    public boolean needsLabels() {
        return true;
    }

    @Override
    public boolean usesBatchStatistics() {
        return true;
    }

    EtfOptions options() {
        return options;
    }

    synchronized long step() {
        return step;
    }

    synchronized Route lastRoute() {
        return current == null ? null : current.route;
    }

    synchronized double lastRate() {
        return current == null ? Double.NaN : current.rate;
    }

    /** {@code U*} ({@code d x C}) of the last step, or null before the first. */
    synchronized DMatrixRMaj solution() {
        return current == null ? null : toHostTransposed(current.solutionT);
    }

    /** The moving average {@code E_t} ({@code d x C}); zero before the first step. */
    synchronized DMatrixRMaj movingAverage() {
        return current == null ? new DMatrixRMaj(dimension, numClasses) : toHostTransposed(current.averageT);
    }

    @Override
    public synchronized DMatrixRMaj classifier() {
        DMatrixRMaj point = current == null ? startPoint : toHostTransposed(current.solutionT);
        DMatrixRMaj classifier = new DMatrixRMaj(dimension, numClasses);
        for (int k = 0; k < dimension; k++) {
            double mean = 0;
            for (int c = 0; c < numClasses; c++) {
                mean += point.unsafe_get(k, c);
            }
            mean /= numClasses;
            for (int c = 0; c < numClasses; c++) {
                classifier.unsafe_set(k, c, normalisedScale * (point.unsafe_get(k, c) - mean));
            }
        }
        return classifier;
    }

    @Override
    public boolean gradientCrossesSplits() {
        // the classifier (full backward) and the batch mean (both) come from every split's rows
        return true;
    }

    @Override
    public NDArray trainingLogits(NormalisedBatch batch, ParameterStore parameterStore, SplitPooling pooling) {
        if (!batch.hasLabels()) {
            throw new IllegalStateException("the " + name() + " head needs the labels in a training forward (its"
                    + " classifier depends on the class means): call Trainer.forward(data, labels)");
        }
        NDArray features = batch.normalised();
        boolean pooled = pooling.poolsSplits();
        if (!pooled) {
            requireStateDevice(features);
        }
        // pooled: this split's share of the sums in a graph of its own, which the completion of
        // the split's backward differentiates once the other splits' gradients are in (SplitBackward)
        NormalisedBatch shares = pooled ? batch.again() : batch;
        NDArray classSums = shares.classSums();
        NDArray featureSum = shares.featureSum();
        ClassStatistics local = batch.statistics(classSums, featureSum);
        Plan plan = pooling.poolAndStep(local, statistics -> {
            Plan made = plan(statistics, features, pooled);
            if (pooled) {
                // the splits of this step build their graphs from the plan, not from the state
                commit(made);
            }
            return made;
        });
        try {
            Device device = features.getDevice();
            DataType type = features.getDataType();
            NDArray sums = classSums;
            NDArray total = featureSum;
            if (pooled) {
                // the pooled sums as leaves of this split's graph: its backward leaves on them
                // what the other splits' rows receive once every split has run its backward
                total = leaf(plan.constant("featureSum", plan.featureSum, device, type), features);
                sums = fullBackward ? leaf(plan.constant("classSums", plan.classSums, device, type), features) : null;
                pooling.deferBackward(new SplitBackward(batch, fullBackward ? classSums : null, featureSum, sums,
                        total));
            }
            NDArray mean = total.div(NormalisedBatch.scalar(total, plan.rows));
            NDArray solutionT;
            if (fullBackward) {
                // the chain to U* runs in float64 whatever the features' type (the float64 constants
                // promote the class sums and the mean, and the result is copied into the features'
                // type by an assignment that autograd follows): its derivative divides by the singular
                // values of G, down to about delta, which in float32 costs about two more digits
                DataType wide = DataType.FLOAT64;
                NDArray averageT = sums.mul(plan.constant("inverseCounts", plan.inverseCounts, device, wide)).sub(mean)
                        .mul(plan.constant("batchWeights", plan.batchWeights, device, wide))
                        .add(plan.constant("weightedPrevious", plan.weightedPreviousT, device, wide));
                NDArray normalisedT = averageT.div(averageT.square().sum().sqrt());
                NDArray procrustesT = normalisedT.sub(normalisedT.mean(new int[] {0}, true))
                        .mul(NormalisedBatch.scalar(normalisedT, procrustesScale))
                        .add(plan.constant("scaledProximal", plan.scaledProximalT, device, wide));
                NDArray surrogateT = polarSurrogate(procrustesT, plan, device, wide);
                NDArray wideSolutionT = surrogateT.add(plan.constant("solution", plan.solutionT, device, wide)
                        .sub(surrogateT.stopGradient()));
                solutionT = narrowed(wideSolutionT, type);
            } else {
                solutionT = plan.constant("solution", plan.solutionT, device, type);
            }
            NDArray classifierT = solutionT.sub(solutionT.mean(new int[] {0}, true))
                    .mul(NormalisedBatch.scalar(features, normalisedScale));
            NDArray logits = Linear.linear(features.sub(mean), classifierT).singletonOrThrow();
            if (!pooled) {
                commit(plan);
            }
            return logits;
        } catch (RuntimeException | Error failure) {
            if (!pooled) {
                plan.close();
            }
            throw failure;
        }
    }

    /** A leaf holding {@code value}'s values, owned by the split's batch ({@code like}'s manager). */
    private static NDArray leaf(NDArray value, NDArray like) {
        NDArray leaf = value.duplicate();
        leaf.attach(like.getManager());
        leaf.setRequiresGradient(true);
        return leaf;
    }

    /**
     * {@code wide} in {@code type}, differentiably: DJL's {@code toType} leaves the graph, an
     * assignment into an array of the narrower type does not.
     */
    private static NDArray narrowed(NDArray wide, DataType type) {
        if (wide.getDataType() == type) {
            return wide;
        }
        NDArray narrow = wide.getManager().zeros(wide.getShape(), type, wide.getDevice());
        narrow.set(new NDIndex("..."), wide);
        return narrow;
    }

    /**
     * {@code U^T - U*^T}: zero, with the derivative of the polar factor from the thin SVD of G
     * (on the eigen route its factors come from the eigendecomposition of {@code G^T G}).
     */
    private static NDArray polarSurrogate(NDArray procrustesT, Plan plan, Device device, DataType type) {
        NDArray leftT = plan.constant("leftT", plan.leftT, device, type);
        NDArray left = plan.constant("left", plan.left, device, type);
        NDArray right = plan.constant("right", plan.right, device, type);
        NDArray rightT = plan.constant("rightT", plan.rightT, device, type);
        NDArray change = procrustesT.sub(procrustesT.stopGradient());
        NDArray changeLeft = change.matMul(left);
        // Q = V_G^T D^T U_G and M = Q^T
        NDArray q = changeLeft.transpose().matMul(right).transpose();
        NDArray skew = q.transpose().sub(q).mul(plan.constant("inverseSums", plan.inverseSums, device, type));
        // (U_G K V_G^T)^T = V_G K^T U_G^T
        NDArray rangePart = skew.transpose().matMul(leftT).transpose().matMul(rightT).transpose();
        // ((I - U_G U_G^T) D V_G S^-1 V_G^T)^T = P^-1 N^T, N^T = D^T - D^T U_G U_G^T
        NDArray normal = change.sub(changeLeft.matMul(leftT));
        NDArray normalPart = normal.transpose().matMul(plan.constant("inverseRootGram", plan.inverseRootGram, device,
                type)).transpose();
        return rangePart.add(normalPart);
    }

    @Override
    public NDArray evaluationLogits(NormalisedBatch batch, ParameterStore parameterStore) {
        NDArray features = batch.normalised();
        NDArray classifierT;
        synchronized (this) {
            requireOpen();
            if (current != null) {
                classifierT = current.evaluationClassifier(features.getDevice(), features.getDataType(), normalisedScale);
            } else {
                classifierT = startClassifier(features);
            }
        }
        return Linear.linear(features.sub(batch.mean()), classifierT).singletonOrThrow();
    }

    /** The classifier of the start point, {@code W^T}, before the first step. */
    private NDArray startClassifier(NDArray like) {
        ensureRoot(like);
        if (startClassifierTransposed == null || !startClassifierTransposed.getDevice().equals(like.getDevice())
                || startClassifierTransposed.getDataType() != like.getDataType()) {
            if (startClassifierTransposed != null) {
                startClassifierTransposed.close();
            }
            DMatrixRMaj classifier = classifier();
            NDArray created = root.create(transposedValues(classifier), new Shape(numClasses, dimension))
                    .toDevice(like.getDevice(), false).toType(like.getDataType(), false);
            created.attach(root);
            startClassifierTransposed = created;
        }
        return startClassifierTransposed;
    }

    private synchronized void requireStateDevice(NDArray features) {
        requireOpen();
        if (current != null && !current.solutionT.getDevice().equals(features.getDevice())) {
            throw new IllegalStateException("the " + name() + " head's state is on " + current.solutionT.getDevice()
                    + " but a training forward came on " + features.getDevice() + ": DJL splits a batch across"
                    + " the trainer's devices and runs the splits one after another, so no split sees the whole"
                    + " batch's class means. Train on one device, or run the splits concurrently with a"
                    + " ConcurrentSplitPooling (EtfHeadBlock.setSplitPooling)");
        }
    }

    /** The step on pooled statistics: everything the splits' graphs need, the state unchanged. */
    private Plan plan(ClassStatistics statistics, NDArray like, boolean pooled) {
        Plan previous;
        long next;
        boolean[] seenBefore;
        synchronized (this) {
            requireOpen();
            ensureRoot(like);
            previous = current;
            next = step + 1;
            seenBefore = seen.clone();
        }
        boolean[] present = new boolean[numClasses];
        for (int label = 0; label < numClasses; label++) {
            present[label] = statistics.count(label) > 0;
        }
        requireTwoClassesSeen(present, seenBefore, next);
        double rate = ImplicitEtfState.rate(next, options.emaFloor());
        Plan plan = new Plan(root.newSubManager(), next, rate, present, statistics.rows());
        try {
            fillStep(plan, statistics, previous, pooled);
            return plan;
        } catch (RuntimeException | Error failure) {
            plan.close();
            throw failure;
        }
    }

    private void fillStep(Plan plan, ClassStatistics statistics, Plan previous, boolean pooled) {
        NDManager manager = plan.manager;
        Device device = manager.getDevice();
        NDArray classSums = statistics.classSums().toDevice(device, true);
        classSums.attach(manager);
        NDArray featureSum = statistics.featureSum().toDevice(device, true);
        featureSum.attach(manager);
        if (pooled) {
            plan.classSums = classSums;
            plan.featureSum = featureSum;
        }
        double[] inverseCounts = new double[numClasses];
        double[] batchWeights = new double[numClasses];
        double[] averageWeights = new double[numClasses];
        for (int label = 0; label < numClasses; label++) {
            boolean present = plan.present[label];
            inverseCounts[label] = present ? 1.0 / statistics.count(label) : 0.0;
            batchWeights[label] = present ? plan.rate : 0.0;
            averageWeights[label] = present ? 1.0 - plan.rate : 1.0;
        }
        plan.inverseCounts = manager.create(inverseCounts, new Shape(numClasses, 1));
        plan.batchWeights = manager.create(batchWeights, new Shape(numClasses, 1));
        NDArray averageWeightColumn = manager.create(averageWeights, new Shape(numClasses, 1));
        plan.weightedPreviousT = previous == null ? manager.zeros(new Shape(numClasses, dimension), DataType.FLOAT64)
                : averageWeightColumn.mul(previous.averageT);
        NDArray mean = featureSum.div(NormalisedBatch.scalar(featureSum, plan.rows));
        // E_t^T = diag(a p) Hbar^T + diag(1 - a p) E_{t-1}^T
        plan.averageT = classSums.mul(plan.inverseCounts).sub(mean).mul(plan.batchWeights).add(plan.weightedPreviousT);
        double norm = Math.sqrt(plan.averageT.square().sum().getDouble());
        checkNorm(norm, plan.step);
        NDArray normalisedT = plan.averageT.div(NormalisedBatch.scalar(plan.averageT, norm));
        NDArray proximalT;
        if (previous == null) {
            // problem (6) from the configured start (with the rank-deficient completion), once per run
            DMatrixRMaj normalisedMeans = toHostTransposed(normalisedT);
            DMatrixRMaj first = new DMatrixRMaj(dimension, numClasses);
            firstSolver.solveUnregularised(normalisedMeans, startPoint.copy(), first);
            proximalT = fromHostTransposed(manager, first);
        } else {
            proximalT = previous.solutionT;
        }
        plan.scaledProximalT = manager.create(options.delta()).mul(proximalT);
        NDArray procrustesT = normalisedT.sub(normalisedT.mean(new int[] {0}, true))
                .mul(NormalisedBatch.scalar(normalisedT, procrustesScale)).add(plan.scaledProximalT);
        NDArray gram = procrustesT.matMul(procrustesT.transpose());
        DMatrixRMaj hostGram = new DMatrixRMaj(numClasses, numClasses);
        System.arraycopy(gram.toDoubleArray(), 0, hostGram.data, 0, numClasses * numClasses);
        for (int label = 0; label < numClasses; label++) {
            if (!Double.isFinite(hostGram.unsafe_get(label, label))) {
                throw new ArithmeticException("nearest ETF: G^T G has the non-finite diagonal entry "
                        + hostGram.unsafe_get(label, label) + " at step " + plan.step);
            }
        }
        DMatrixRMaj vectors = new DMatrixRMaj(numClasses, numClasses);
        double[] values = new double[numClasses];
        kernels.symmetricEigen(hostGram, vectors, values);
        double smallest = values[0];
        double largest = values[numClasses - 1];
        if (!alwaysSvd && largest > 0 && smallest >= EIGEN_ROUTE_SMALLEST_RATIO * largest) {
            eigenRoute(plan, procrustesT, vectors, values);
        } else {
            svdRoute(plan, procrustesT);
        }
    }

    private void eigenRoute(Plan plan, NDArray procrustesT, DMatrixRMaj vectors, double[] values) {
        int n = numClasses;
        double[] roots = new double[n];
        for (int i = 0; i < n; i++) {
            roots[i] = Math.sqrt(values[i]);
        }
        double[] inverseRoot = new double[n * n];
        double[] inverseSums = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int k = 0; k < n; k++) {
                    sum += vectors.unsafe_get(i, k) * vectors.unsafe_get(j, k) / roots[k];
                }
                inverseRoot[i * n + j] = sum;
                inverseSums[i * n + j] = 1.0 / (roots[i] + roots[j]);
            }
        }
        NDManager manager = plan.manager;
        Shape square = new Shape(n, n);
        plan.route = Route.EIGEN;
        NDArray inverseRootArray = manager.create(inverseRoot, square);
        NDArray raw = inverseRootArray.matMul(procrustesT);
        // one Newton-Schulz step, U^T <- U^T + (I - U^T U) U^T / 2: orthonormal to working precision
        NDArray defect = manager.eye(n, n, 0, DataType.FLOAT64).sub(raw.matMul(raw.transpose()));
        plan.solutionT = raw.add(defect.matMul(raw).mul(NormalisedBatch.scalar(raw, 0.5)));
        // the thin SVD G = U_G S V_G^T from G^T G = V diag(lambda) V^T: V_G = V, S = diag(sqrt(lambda)),
        // U_G = G V S^-1 = U* V; the derivative then takes the SVD form on both routes (one surrogate),
        // whose terms carry 1/(s_i + s_j) and 1/s_i directly instead of cancelling as the terms
        // dG Y and G dY of the Daleckii-Krein form do
        plan.right = manager.create(vectors.data.clone(), square);
        plan.rightT = plan.right.transpose();
        plan.leftT = plan.rightT.matMul(plan.solutionT);
        plan.left = plan.leftT.transpose();
        plan.inverseSums = manager.create(inverseSums, square);
        plan.inverseRootGram = inverseRootArray;
    }

    private void svdRoute(Plan plan, NDArray procrustesT) {
        int n = numClasses;
        DMatrixRMaj procrustes = toHostTransposed(procrustesT);
        DMatrixRMaj left = new DMatrixRMaj(dimension, n);
        DMatrixRMaj right = new DMatrixRMaj(n, n);
        double[] singular = new double[n];
        kernels.svdThin(procrustes, left, singular, right);
        if (!(singular[n - 1] >= Math.max(dimension, n) * Math.ulp(1.0) * singular[0]) || !Double.isFinite(singular[0])) {
            throw new ArithmeticException("nearest ETF: G = (2/sqrt(C-1)) Ht Mc + delta Uprox is rank deficient at step "
                    + plan.step + " (singular values " + singular[0] + " ... " + singular[n - 1]
                    + "), the nearest ETF is not unique");
        }
        double[] solution = new double[n * dimension];
        for (int c = 0; c < n; c++) {
            for (int k = 0; k < dimension; k++) {
                double sum = 0;
                for (int j = 0; j < n; j++) {
                    sum += left.unsafe_get(k, j) * right.unsafe_get(c, j);
                }
                solution[c * dimension + k] = sum;
            }
        }
        double[] inverseSums = new double[n * n];
        double[] inverseRootGram = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                inverseSums[i * n + j] = 1.0 / (singular[i] + singular[j]);
                double sum = 0;
                for (int k = 0; k < n; k++) {
                    sum += right.unsafe_get(i, k) * right.unsafe_get(j, k) / singular[k];
                }
                inverseRootGram[i * n + j] = sum;
            }
        }
        NDManager manager = plan.manager;
        Shape square = new Shape(n, n);
        plan.route = Route.SVD;
        plan.solutionT = manager.create(solution, new Shape(n, dimension));
        plan.left = manager.create(left.data.clone(), new Shape(dimension, n));
        plan.leftT = plan.left.transpose();
        plan.right = manager.create(right.data.clone(), square);
        plan.rightT = plan.right.transpose();
        plan.inverseSums = manager.create(inverseSums, square);
        plan.inverseRootGram = manager.create(inverseRootGram, square);
    }

    private void checkNorm(double norm, long next) {
        if (!(norm > 0) || !Double.isFinite(norm)) {
            throw new ArithmeticException("implicit ETF: the moving average of the centred class means is "
                    + (norm == 0 ? "all zero" : "not finite") + " at step " + next + "; the nearest ETF is undefined");
        }
        double noiseLevel = ImplicitEtfState.ROUNDING_NOISE * options.tau();
        if (norm <= noiseLevel) {
            throw new ArithmeticException("implicit ETF: the moving average of the centred class means has norm " + norm
                    + " at step " + next + ", at most the rounding level " + noiseLevel + " ("
                    + ImplicitEtfState.ROUNDING_NOISE + " x feature scale " + options.tau() + "): the class means"
                    + " seen are all equal (e.g. only one class present), so there is nothing to align the ETF to");
        }
    }

    private void requireTwoClassesSeen(boolean[] present, boolean[] seenBefore, long next) {
        int classesSeen = 0;
        int onlyClass = -1;
        for (int label = 0; label < numClasses; label++) {
            if (seenBefore[label] || present[label]) {
                classesSeen++;
                onlyClass = label;
            }
        }
        if (classesSeen < 2) {
            throw new ArithmeticException("implicit ETF: " + (classesSeen == 0 ? "no class"
                    : "only one class (" + onlyClass + ")") + " present by step " + next
                    + "; its centred mean is zero, so there is nothing to align the ETF to"
                    + " (the first batch needs at least two classes)");
        }
    }

    /** Makes the plan the state; the plan two steps back is freed. */
    private synchronized void commit(Plan plan) {
        if (plan.step != step + 1) {
            throw new IllegalStateException("implicit ETF: step " + plan.step + " cannot follow step " + step);
        }
        if (retired != null) {
            retired.close();
        }
        retired = current;
        current = plan;
        step = plan.step;
        for (int label = 0; label < numClasses; label++) {
            seen[label] |= plan.present[label];
        }
    }

    private synchronized void ensureRoot(NDArray like) {
        requireOpen();
        if (root == null) {
            Engine engine = like.getManager().getEngine();
            root = engine.newBaseManager(like.getDevice());
            root.setName("implicit-etf-head");
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the " + name() + " head was closed");
        }
    }

    /** Whether the head's native memory is freed (for tests). */
    synchronized boolean isReleased() {
        return closed && (root == null || !root.isOpen());
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        current = null;
        retired = null;
        startClassifierTransposed = null;
        if (root != null) {
            root.close();
        }
        firstSolver.close();
        try {
            kernels.close();
        } catch (Exception e) {
            throw new IllegalStateException("the implicit head's kernels could not be closed", e);
        }
    }

    /** {@code X^T} ({@code C x d} on the device, float64) to the host as X ({@code d x C}). */
    private DMatrixRMaj toHostTransposed(NDArray transposed) {
        double[] values = transposed.toType(DataType.FLOAT64, false).toDoubleArray();
        DMatrixRMaj out = new DMatrixRMaj(dimension, numClasses);
        for (int c = 0; c < numClasses; c++) {
            for (int k = 0; k < dimension; k++) {
                out.unsafe_set(k, c, values[c * dimension + k]);
            }
        }
        return out;
    }

    private NDArray fromHostTransposed(NDManager manager, DMatrixRMaj matrix) {
        return manager.create(transposedValues(matrix), new Shape(numClasses, dimension));
    }

    private double[] transposedValues(DMatrixRMaj matrix) {
        double[] values = new double[numClasses * dimension];
        for (int c = 0; c < numClasses; c++) {
            for (int k = 0; k < dimension; k++) {
                values[c * dimension + k] = matrix.unsafe_get(k, c);
            }
        }
        return values;
    }

    /**
     * One step's values (float64, on the state's device, owned by the plan's manager) and their
     * copies in each device and type the splits need. Matrices are stored transposed
     * ({@code C x d}), one class per row.
     */
    static final class Plan implements AutoCloseable {
        final NDManager manager;
        final long step;
        final double rate;
        final boolean[] present;
        final long rows;
        Route route;
        NDArray classSums;
        NDArray featureSum;
        NDArray inverseCounts;
        NDArray batchWeights;
        NDArray weightedPreviousT;
        NDArray averageT;
        NDArray scaledProximalT;
        NDArray solutionT;
        NDArray left;
        NDArray leftT;
        NDArray right;
        NDArray rightT;
        NDArray inverseSums;
        NDArray inverseRootGram;
        private final Map<String, NDArray> copies = new ConcurrentHashMap<>();

        Plan(NDManager manager, long step, double rate, boolean[] present, long rows) {
            this.manager = manager;
            this.step = step;
            this.rate = rate;
            this.present = present;
            this.rows = rows;
        }

        /** {@code value} on {@code device} in {@code type}, made once per plan (a constant of the graph). */
        NDArray constant(String name, NDArray value, Device device, DataType type) {
            if (value.getDevice().equals(device) && value.getDataType() == type) {
                return value;
            }
            return copies.computeIfAbsent(name + "@" + device + "/" + type, key -> {
                NDArray copy = value.toDevice(device, true).toType(type, false);
                copy.attach(manager);
                return copy;
            });
        }

        /** The evaluation classifier {@code W^T = Mh U*^T}, made once per plan, device and type. */
        NDArray evaluationClassifier(Device device, DataType type, double normalisedScale) {
            return copies.computeIfAbsent("evaluation@" + device + "/" + type, key -> {
                NDArray classifier = solutionT.sub(solutionT.mean(new int[] {0}, true))
                        .mul(NormalisedBatch.scalar(solutionT, normalisedScale)).toDevice(device, true).toType(type, false);
                classifier.attach(manager);
                return classifier;
            });
        }

        @Override
        public void close() {
            copies.clear();
            manager.close();
        }
    }
}
