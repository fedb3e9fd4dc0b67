package dev.stiefel.bench;

import dev.stiefel.solver.ConjugateGradient;
import dev.stiefel.solver.ConjugateGradientOptions;
import dev.stiefel.solver.SolverResult;
import dev.stiefel.solver.StoppingCriteria;
import dev.stiefel.solver.TrustRegions;
import dev.stiefel.solver.TrustRegionsOptions;
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
 * {@link TrustRegions} and {@link ConjugateGradient} on the nearest-ETF problem (7) of
 * {@link EtfInstance}, started at {@code Uprox} (the previous training step's solution):
 * <ul>
 *   <li>{@code *Start}: a solve capped at 0 iterations, i.e. the start-point check and the first
 *       cost and gradient: the fixed cost of every solve, to subtract from the next rows;</li>
 *   <li>{@code *Iteration}: a solve capped at 1 iteration (for trust regions one outer step with
 *       its whole truncated-CG inner solve; for CG one line search);</li>
 *   <li>{@code *WarmSolve}: the full warm-started solve to the stopping rule of
 *       {@code EtfOptions.solverStopping()} (gradient norm {@code 1e-12}).</li>
 * </ul>
 * Histories are off, as {@code NearestEtf} runs them, so with {@code -prof gc} the bytes per
 * operation are the result record and nothing that grows with the iterations.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SolverBenchmark {

    @Param({Size.PAPER_512_10, Size.PAPER_1024_100, Size.PAPER_1024_200, Size.PAPER_1024_1000})
    public String size;

    @Param({CpuBackends.EJML, CpuBackends.OPENBLAS})
    public String backend;

    EtfInstance<DMatrixRMaj> etf;
    TrustRegions<DMatrixRMaj> trustRegionsStart;
    TrustRegions<DMatrixRMaj> trustRegionsIteration;
    TrustRegions<DMatrixRMaj> trustRegionsSolve;
    ConjugateGradient<DMatrixRMaj> conjugateGradientStart;
    ConjugateGradient<DMatrixRMaj> conjugateGradientIteration;
    ConjugateGradient<DMatrixRMaj> conjugateGradientSolve;
    DMatrixRMaj out;

    @Setup
    public void setup() {
        etf = new EtfInstance<>(CpuBackends.create(backend), Size.parse(size));
        StoppingCriteria converged = etf.solverStopping();
        // A zero gradient tolerance so that the iteration caps, not convergence, end the capped solves.
        StoppingCriteria capped = converged.withMinGradientNorm(0).withMinStepSize(0);
        trustRegionsStart = trustRegions(capped.withMaxIterations(0));
        trustRegionsIteration = trustRegions(capped.withMaxIterations(1));
        trustRegionsSolve = trustRegions(converged);
        conjugateGradientStart = conjugateGradient(capped.withMaxIterations(0));
        conjugateGradientIteration = conjugateGradient(capped.withMaxIterations(1));
        conjugateGradientSolve = conjugateGradient(converged);
        out = etf.create();
    }

    private static TrustRegions<DMatrixRMaj> trustRegions(StoppingCriteria stopping) {
        return new TrustRegions<>(TrustRegionsOptions.defaults().withStopping(stopping).withRecordHistory(false));
    }

    private static ConjugateGradient<DMatrixRMaj> conjugateGradient(StoppingCriteria stopping) {
        return new ConjugateGradient<>(ConjugateGradientOptions.defaults().withStopping(stopping)
                .withRecordHistory(false));
    }

    @Benchmark
    public SolverResult<DMatrixRMaj> trustRegionsStart() {
        return trustRegionsStart.solve(etf.problem, etf.proximalPoint, out);
    }

    @Benchmark
    public SolverResult<DMatrixRMaj> trustRegionsIteration() {
        return trustRegionsIteration.solve(etf.problem, etf.proximalPoint, out);
    }

    @Benchmark
    public SolverResult<DMatrixRMaj> trustRegionsWarmSolve() {
        return trustRegionsSolve.solve(etf.problem, etf.proximalPoint, out);
    }

    @Benchmark
    public SolverResult<DMatrixRMaj> conjugateGradientStart() {
        return conjugateGradientStart.solve(etf.problem, etf.proximalPoint, out);
    }

    @Benchmark
    public SolverResult<DMatrixRMaj> conjugateGradientIteration() {
        return conjugateGradientIteration.solve(etf.problem, etf.proximalPoint, out);
    }

    @Benchmark
    public SolverResult<DMatrixRMaj> conjugateGradientWarmSolve() {
        return conjugateGradientSolve.solve(etf.problem, etf.proximalPoint, out);
    }
}
