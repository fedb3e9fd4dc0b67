package dev.stiefel.bench;

import dev.stiefel.testkit.TestMatrices;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One {@link dev.stiefel.manifold.Retraction} of {@link Stiefel}, chosen by name, at a
 * Haar-random point with a tangent step of norm {@value StiefelRetractionBenchmark#STEP_NORM}:
 * a built-in one ({@code QR}, {@code POLAR}, {@code CAYLEY}, {@code EXPONENTIAL}) or any
 * {@link StiefelRetraction} on the class path, named by its class (with a public no-argument
 * constructor or a public static {@code INSTANCE} field). A user's retraction is measured
 * against the built-in ones without editing this class:
 * {@code java -cp benchmarks.jar:my.jar org.openjdk.jmh.Main RetractionBenchmark
 * -p retraction=QR,com.example.MyRetraction}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RetractionBenchmark {

    @Param({Size.PAPER_512_10, Size.PAPER_1024_100})
    public String size;

    @Param({CpuBackends.EJML, CpuBackends.OPENBLAS})
    public String backend;

    @Param({"QR", "POLAR", "CAYLEY", "EXPONENTIAL"})
    public String retraction;

    Stiefel<DMatrixRMaj> stiefel;
    DMatrixRMaj point;
    DMatrixRMaj step;
    DMatrixRMaj out;

    @Setup
    public void setup() {
        Size shape = Size.parse(size);
        DenseKernels<DMatrixRMaj> kernels = CpuBackends.create(backend);
        stiefel = new Stiefel<>(kernels, shape.rows(), shape.cols(), resolve(retraction));
        point = kernels.fromHost(TestMatrices.stiefelPoint(shape.rows(), shape.cols(), TestMatrices.SEED));
        step = kernels.fromHost(TestMatrices.tangent(point, StiefelRetractionBenchmark.STEP_NORM, TestMatrices.SEED + 1));
        out = stiefel.allocate();
    }

    @TearDown
    public void tearDown() {
        stiefel.close();
    }

    /**
     * The built-in retraction of that name, or an instance of the class of that name.
     *
     * @throws IllegalArgumentException when neither exists
     */
    static StiefelRetraction resolve(String name) {
        if (!name.contains(".")) {
            return StiefelRetraction.valueOf(name);
        }
        try {
            Class<?> type = Class.forName(name);
            Object instance;
            try {
                instance = type.getField("INSTANCE").get(null);
            } catch (NoSuchFieldException noField) {
                instance = type.getConstructor().newInstance();
            }
            return (StiefelRetraction) instance;
        } catch (ReflectiveOperationException | ClassCastException unusable) {
            throw new IllegalArgumentException("retraction '" + name + "' is neither built in nor a StiefelRetraction "
                    + "class with a public INSTANCE field or no-argument constructor: " + unusable, unusable);
        }
    }

    @Benchmark
    public DMatrixRMaj retract() {
        stiefel.retract(point, step, out);
        return out;
    }
}
