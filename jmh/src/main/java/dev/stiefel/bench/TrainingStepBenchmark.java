package dev.stiefel.bench;

import dev.stiefel.testkit.TestMatrices;
import dev.stiefel.etf.BackwardMode;
import dev.stiefel.etf.ClassifierHead;
import dev.stiefel.etf.EtfOptions;
import dev.stiefel.etf.FixedEtfHead;
import dev.stiefel.etf.ImplicitEtfHead;
import dev.stiefel.etf.LearnedLinearHead;
import dev.stiefel.etf.train.Trainer;
import dev.stiefel.etf.train.TrainingOptions;
import dev.stiefel.etf.train.UfmPreset;
import dev.stiefel.etf.train.UnconstrainedFeatureModel;
import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.manifold.StiefelRetraction;
import java.util.concurrent.TimeUnit;
import org.ejml.data.DMatrixRMaj;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link Trainer#step()}: one training iteration (batch, head forward, cross-entropy, head
 * backward, AGD step, head update) of the unconstrained feature model with the paper's
 * training options ({@link TrainingOptions#defaults()}), for each head of the paper:
 * {@code standard} (learned linear, rows re-normalised), {@code fixed} (canonical simplex ETF),
 * {@code implicit} (nearest ETF, closed-form forward and backward) and
 * {@code implicitForwardOnly} (the solution held fixed in the backward pass, as the paper's
 * ImageNet runs). The state advances across calls, as in training.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
public class TrainingStepBenchmark {

    static final String STANDARD = "standard";
    static final String FIXED = "fixed";
    static final String IMPLICIT = "implicit";
    static final String IMPLICIT_FORWARD_ONLY = "implicitForwardOnly";

    @Param({"UFM_10", "UFM_100"})
    public String ufm;

    @Param({STANDARD, FIXED, IMPLICIT, IMPLICIT_FORWARD_ONLY})
    public String head;

    @Param({CpuBackends.EJML, CpuBackends.OPENBLAS})
    public String backend;

    private Trainer trainer;

    @Setup
    public void setup() {
        UfmPreset preset = UfmPreset.parse(ufm);
        TrainingOptions options = TrainingOptions.defaults();
        UnconstrainedFeatureModel model = UnconstrainedFeatureModel.standardNormal(preset, TestMatrices.SEED);
        trainer = new Trainer(model, createHead(preset, options.tau()), options, TestMatrices.SEED);
    }

    private ClassifierHead createHead(UfmPreset preset, double tau) {
        int d = preset.featureDimension();
        int c = preset.numClasses();
        DenseKernels<DMatrixRMaj> kernels = CpuBackends.create(backend);
        EtfOptions etfOptions = EtfOptions.defaults().withTau(tau);
        switch (head) {
            case STANDARD:
                return new LearnedLinearHead(d, c, tau, TestMatrices.SEED);
            case FIXED:
                return new FixedEtfHead(d, c, tau);
            case IMPLICIT:
                return new ImplicitEtfHead(kernels, new Stiefel<>(kernels, d, c, StiefelRetraction.QR), d, c,
                        etfOptions);
            case IMPLICIT_FORWARD_ONLY:
                return new ImplicitEtfHead(kernels, new Stiefel<>(kernels, d, c, StiefelRetraction.QR), d, c,
                        etfOptions.withBackwardMode(BackwardMode.FORWARD_ONLY));
            default:
                throw new IllegalArgumentException("head '" + head + "': expected " + STANDARD + ", " + FIXED + ", "
                        + IMPLICIT + " or " + IMPLICIT_FORWARD_ONLY);
        }
    }

    @Benchmark
    public double step() {
        return trainer.step();
    }
}
