package dev.stiefel.cli.ufm;

import dev.stiefel.etf.train.TrainingOptions;

import dev.stiefel.etf.train.ComputeDevice;
import dev.stiefel.etf.train.HeadKind;
import dev.stiefel.etf.train.OptimizerKind;
import dev.stiefel.etf.train.Stratification;
import dev.stiefel.etf.train.UfmPreset;
import dev.stiefel.etf.train.UnconstrainedFeatureModel;
import dev.stiefel.etf.EtfOptions;
import dev.stiefel.kernel.Kernels;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Options shared by {@code ufm} and {@code ufm-profile} (a picocli mixin): the model, the heads,
 * the optimiser and the batches. {@link #validate()} checks everything before any work starts.
 */
public final class UfmOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--preset", paramLabel = "NAME", defaultValue = "ufm-10",
            description = "Model size: ufm-10 (C=10, N=1000, d=512), ufm-100 (100, 5000, 1024), "
                    + "ufm-200 (200, 5000, 1024), ufm-1000 (1000, 10000, 1024). Default: ${DEFAULT-VALUE}.")
    String preset;

    @Option(names = "--classes", paramLabel = "C", description = "Number of classes (overrides the preset).")
    Integer classes;

    @Option(names = "--samples", paramLabel = "N", description = "Number of samples, a multiple of C (overrides the preset).")
    Integer samples;

    @Option(names = {"--dimension", "--dim"}, paramLabel = "d", description = "Feature dimension (overrides the preset).")
    Integer dimension;

    @Option(names = "--heads", paramLabel = "LIST", split = ",", defaultValue = "standard,fixed,implicit",
            description = "Heads to compare: standard, fixed, implicit, implicit-forward-only. Default: ${DEFAULT-VALUE}.")
    List<String> heads;

    @Option(names = "--batch-size", paramLabel = "B", defaultValue = "0",
            description = "Samples per step; 0 = automatic, max(256, C), which keeps batches stratified. With k-fold"
                    + " stratification a batch holds N / floor(N/B) samples, give or take one. Default: automatic.")
    int batchSize;

    @Option(names = "--stratification", paramLabel = "k-fold|exact", defaultValue = "k-fold",
            description = "How batches of B >= C are stratified: k-fold = the authors' sampler (scikit-learn's"
                    + " StratifiedKFold with floor(N/B) folds, reshuffled every epoch), exact = batches of exactly"
                    + " B with every class. Default: ${DEFAULT-VALUE}.")
    String stratification;

    @Option(names = "--full-batch", description = "Use every sample in every step.")
    boolean fullBatch;

    @Option(names = "--optimizer", paramLabel = "agd|sgd", defaultValue = "agd",
            description = "agd (Automatic Gradient Descent, the paper's) or sgd. Default: ${DEFAULT-VALUE}.")
    String optimizer;

    @Option(names = "--gain", defaultValue = "10", description = "AGD gain. Default: ${DEFAULT-VALUE}.")
    double gain;

    @Option(names = {"--learning-rate", "--lr"}, paramLabel = "RATE", defaultValue = "0.1",
            description = "SGD learning rate. Default: ${DEFAULT-VALUE}.")
    double learningRate;

    @Option(names = "--tau", defaultValue = "5", description = "Feature scale after normalisation. Default: ${DEFAULT-VALUE}.")
    double tau;

    @Option(names = "--delta", defaultValue = "1e-3",
            description = "Proximal weight of the implicit heads' problem (7), > 0. Default: ${DEFAULT-VALUE}.")
    double delta;

    @Option(names = "--init-std", paramLabel = "auto|standard-normal|STD", defaultValue = AUTO_INIT,
            description = "Standard deviation of the normal feature start. auto = 1/sqrt(d): rows of norm about 1,"
                    + " the scale AGD's own weight initialisation gives (0.0442 at d = 512), which reaches the"
                    + " cross-entropy bound as in the paper. standard-normal = 1, the unconstrained-feature-model"
                    + " start of the paper's text, which does not converge with AGD gain 10 in 2000 iterations."
                    + " Or a positive number. Default: ${DEFAULT-VALUE}.")
    String initStd;

    @Option(names = "--verbose", description = "On a failure, print the full stack trace after the one-line message.")
    boolean verbose;

    @Option(names = "--device", paramLabel = "cpu|cuda", defaultValue = "cpu",
            description = "Where the heads' solves run. Default: ${DEFAULT-VALUE}.")
    String device;

    /** {@code --init-std} for {@code 1/sqrt(d)}. */
    static final String AUTO_INIT = "auto";
    /** {@code --init-std} for the standard-normal start. */
    static final String STANDARD_NORMAL_INIT = "standard-normal";

    /** The validated settings, available after {@link #validate()}. */
    double resolvedInitStd;
    String initStdDescription;
    String backendReport;
    int resolvedClasses;
    int resolvedSamples;
    int resolvedDimension;
    List<HeadKind> resolvedHeads;
    OptimizerKind resolvedOptimizer;
    Stratification resolvedStratification;
    ComputeDevice resolvedDevice;
    String modelName;

    /**
     * Resolves and checks every option.
     *
     * @throws ParameterException with a message naming the bad option
     */
    void validate() {
        try {
            UfmPreset base = UfmPreset.parse(preset);
            resolvedClasses = classes != null ? classes : base.numClasses();
            resolvedSamples = samples != null ? samples : base.numSamples();
            resolvedDimension = dimension != null ? dimension : base.featureDimension();
            boolean custom = classes != null || samples != null || dimension != null;
            modelName = custom ? String.format(Locale.ROOT, "UFM C=%d N=%d d=%d", resolvedClasses, resolvedSamples,
                    resolvedDimension) : base.name().replace('_', '-');
            UnconstrainedFeatureModel.validateShape(resolvedClasses, resolvedSamples, resolvedDimension);

            LinkedHashSet<HeadKind> unique = new LinkedHashSet<>();
            for (String name : heads) {
                if (!name.isBlank()) {
                    unique.add(HeadKind.parse(name));
                }
            }
            if (unique.isEmpty()) {
                throw new IllegalArgumentException("--heads names no head");
            }
            resolvedHeads = new ArrayList<>(unique);
            for (HeadKind head : resolvedHeads) {
                if (head.needsDimensionAtLeastClasses() && resolvedDimension < resolvedClasses) {
                    throw new IllegalArgumentException("head " + head.commandLineName()
                            + " is a simplex ETF and needs d >= C, got d = " + resolvedDimension + ", C = "
                            + resolvedClasses);
                }
            }
            resolvedOptimizer = switch (optimizer.trim().toLowerCase(Locale.ROOT)) {
                case "agd" -> OptimizerKind.AGD;
                case "sgd" -> OptimizerKind.SGD;
                default -> throw new IllegalArgumentException("unknown optimizer '" + optimizer + "'; expected agd or sgd");
            };
            resolvedStratification = switch (stratification.trim().toLowerCase(Locale.ROOT)) {
                case "k-fold" -> Stratification.K_FOLD;
                case "exact" -> Stratification.EXACT;
                default -> throw new IllegalArgumentException("unknown stratification '" + stratification
                        + "'; expected k-fold or exact");
            };
            if (batchSize < 0 || batchSize > resolvedSamples) {
                throw new IllegalArgumentException("--batch-size must be in [1, N = " + resolvedSamples
                        + "] or 0 for automatic, got " + batchSize);
            }
            resolvedDevice = ComputeDevice.parse(device);
            // Fails now, not after hours of other heads, when the backend is missing.
            resolvedDevice.requireAvailable();
            EtfOptions.defaults().withTau(tau).withDelta(delta);
            resolveInitStd();
            // validates -Dstiefel.kernels and -Dstiefel.openblas.threads now, and applies the latter
            // so that the report below shows it
            Kernels.cpu();
            describeBackend();
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    /** Sets {@link #backendReport} from the backend and thread count in force now. */
    void describeBackend() {
        backendReport = "dense backend: " + Kernels.cpuBackendReport()
                + (resolvedDevice == ComputeDevice.CPU ? "" : "; heads' solves on " + resolvedDevice.commandLineName());
    }

    private void resolveInitStd() {
        String text = initStd.trim().toLowerCase(Locale.ROOT);
        if (text.equals(AUTO_INIT)) {
            resolvedInitStd = 1.0 / Math.sqrt(resolvedDimension);
            initStdDescription = resolvedInitStd + " (auto: 1/sqrt(d), d = " + resolvedDimension + ")";
            return;
        }
        if (text.equals(STANDARD_NORMAL_INIT)) {
            resolvedInitStd = 1.0;
            initStdDescription = "1.0 (standard-normal)";
            return;
        }
        try {
            resolvedInitStd = Double.parseDouble(text);
        } catch (NumberFormatException notANumber) {
            throw new IllegalArgumentException("--init-std must be " + AUTO_INIT + ", " + STANDARD_NORMAL_INIT
                    + " or a positive number, got '" + initStd + "'");
        }
        if (!(resolvedInitStd > 0) || Double.isInfinite(resolvedInitStd)) {
            throw new IllegalArgumentException("--init-std must be finite and positive, got " + initStd);
        }
        initStdDescription = Double.toString(resolvedInitStd);
    }

    /** Training options with the given iteration count and evaluation interval. */
    TrainingOptions trainingOptions(int iterations, int evaluateEvery) {
        try {
            return new TrainingOptions(iterations, batchSize, fullBatch, resolvedOptimizer, gain, learningRate,
                    evaluateEvery, tau, resolvedStratification);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }
}
