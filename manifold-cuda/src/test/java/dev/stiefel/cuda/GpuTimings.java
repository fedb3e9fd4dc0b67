package dev.stiefel.cuda;

import dev.stiefel.ddn.ProcrustesClosedFormBackward;
import dev.stiefel.etf.EtfOptions;
import dev.stiefel.etf.NearestEtf;
import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.manifold.StiefelRetraction;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;

/**
 * A command-line tool (not a test, and not a benchmark harness: module {@code jmh} owns those)
 * that prints rough wall-clock medians of the operations that dominate the nearest-ETF head at
 * the paper's sizes, on every backend that loads here: the CUDA kernels in float64 and float32
 * and the CPU kernels. Run by {@code run-on-gpu.sh timings}. Each figure is the median of
 * repeated calls after warm-up, with the device synchronised before the clock stops.
 */
public final class GpuTimings {

    private static final int[][] SIZES = {{512, 10}, {1024, 100}, {1024, 200}, {1024, 1000}};
    private static final int WARM_UP = 3;
    private static final int MAX_REPETITIONS = 30;
    private static final double MAX_SECONDS_PER_CASE = 1.5;

    private GpuTimings() {
    }

    public static void main(String[] args) {
        CudaBackends.Loaded loaded = CudaBackends.load();
        System.out.println(loaded.report());
        List<String> names = new ArrayList<>();
        List<DenseKernels<?>> backends = new ArrayList<>();
        loaded.binding().ifPresent(binding -> {
            backends.add(new CudaKernels(binding, CudaPrecision.FLOAT64));
            backends.add(new CudaKernels(binding, CudaPrecision.FLOAT32));
        });
        backends.add(Kernels.ejml());
        try {
            backends.add(Kernels.openBlas());
        } catch (RuntimeException | LinkageError e) {
            System.out.println("openblas unavailable: " + e.getMessage());
        }
        for (DenseKernels<?> backend : backends) {
            names.add(backend.name());
        }
        System.out.println("median milliseconds per call; backends: " + names);
        System.out.printf(Locale.ROOT, "%-34s%s%n", "operation (d x C)", header(names));
        for (int[] size : SIZES) {
            for (String operation : new String[] {"gemm G^T G", "qrPositive", "polar", "etf (7) closed form",
                    "etf (7) closed-form backward"}) {
                StringBuilder row = new StringBuilder();
                for (DenseKernels<?> backend : backends) {
                    boolean slowCpu = backend.name().equals("ejml") && size[1] >= 1000;
                    row.append(String.format(Locale.ROOT, "%14s",
                            slowCpu ? "skipped" : format(time(backend, operation, size[0], size[1]))));
                }
                System.out.printf(Locale.ROOT, "%-34s%s%n", operation + " (" + size[0] + " x " + size[1] + ")", row);
            }
        }
    }

    private static String header(List<String> names) {
        StringBuilder header = new StringBuilder();
        for (String name : names) {
            header.append(String.format(Locale.ROOT, "%14s", name));
        }
        return header.toString();
    }

    private static String format(double milliseconds) {
        return Double.isNaN(milliseconds) ? "failed" : String.format(Locale.ROOT, "%.3f", milliseconds);
    }

    private static <M> double time(DenseKernels<M> kernels, String operation, int d, int c) {
        SplittableRandom random = new SplittableRandom(d * 31L + c);
        DMatrixRMaj hostMeans = new DMatrixRMaj(d, c);
        DMatrixRMaj hostUpstream = new DMatrixRMaj(d, c);
        for (int i = 0; i < hostMeans.data.length; i++) {
            hostMeans.data[i] = random.nextGaussian() / Math.sqrt(d);
            hostUpstream.data[i] = random.nextGaussian();
        }
        Stiefel<M> stiefel = new Stiefel<>(kernels, d, c, StiefelRetraction.POLAR);
        NearestEtf<M> etf = new NearestEtf<>(kernels, stiefel, d, c, EtfOptions.defaults());
        ProcrustesClosedFormBackward<M> backward = new ProcrustesClosedFormBackward<>(kernels);
        M means = kernels.fromHost(hostMeans);
        M upstream = kernels.fromHost(hostUpstream);
        M proximal = stiefel.allocate();
        stiefel.randomPoint(random, proximal);
        M tall = kernels.create(d, c);
        M square = kernels.create(c, c);
        M gradient = kernels.create(d, c);
        Runnable call = switch (operation) {
            case "gemm G^T G" -> () -> kernels.gemm(1.0, means, true, means, false, 0.0, square);
            case "qrPositive" -> () -> kernels.qrPositive(means, tall, square);
            case "polar" -> () -> kernels.polar(means, tall);
            case "etf (7) closed form" -> () -> etf.solve(means, proximal, null, tall);
            default -> {
                etf.solve(means, proximal, null, tall);
                yield () -> backward.vjp(etf.problem(), tall, upstream, gradient);
            }
        };
        try {
            double[] samples = new double[MAX_REPETITIONS];
            int count = 0;
            double spent = 0;
            for (int i = 0; i < WARM_UP + MAX_REPETITIONS && spent < MAX_SECONDS_PER_CASE; i++) {
                long begin = System.nanoTime();
                call.run();
                if (kernels instanceof CudaKernels cuda) {
                    cuda.synchronize();
                }
                double seconds = (System.nanoTime() - begin) * 1e-9;
                spent += seconds;
                if (i >= WARM_UP) {
                    samples[count++] = seconds * 1e3;
                }
            }
            if (count == 0) {
                return spent * 1e3 / WARM_UP;
            }
            double[] taken = Arrays.copyOf(samples, count);
            Arrays.sort(taken);
            return taken[count / 2];
        } catch (RuntimeException e) {
            return Double.NaN;
        } finally {
            for (M matrix : List.of(means, upstream, tall, square, gradient)) {
                kernels.free(matrix);
            }
            stiefel.free(proximal);
        }
    }
}
