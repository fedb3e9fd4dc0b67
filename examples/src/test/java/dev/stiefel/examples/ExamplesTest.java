package dev.stiefel.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.RandomMatrices_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;
import org.junit.jupiter.api.Test;

/** Runs each example's {@code main} as a user would and checks what it prints against an independent answer. */
class ExamplesTest {

    private static final Pattern SUMMARY_COST = Pattern.compile("cost (-?[0-9.]+e[+-][0-9]+)");

    /** Standard output of {@code main}, captured. */
    static String run(ThrowingMain main) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            main.run();
        } finally {
            System.setOut(original);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** A {@code main} method. */
    interface ThrowingMain {
        void run() throws Exception;
    }

    /**
     * The minimum of Brockett's cost {@code tr(X^T A X N)}, {@code N = diag(1..p)}, on St(n, p):
     * {@code sum_j j lambda_(p - j)} over A's ascending eigenvalues (Absil, Mahony, Sepulchre
     * 2008, sec. 4.8), from EJML's eigendecomposition of the example's A.
     */
    static double brockettMinimum(int n, int p, long seed) {
        DMatrixRMaj a = RandomMatrices_DDRM.symmetric(n, -1, 1, new Random(seed));
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(n, false, true);
        assertTrue(eig.decompose(a));
        double[] lambda = new double[n];
        for (int i = 0; i < n; i++) {
            lambda[i] = eig.getEigenvalue(i).real;
        }
        Arrays.sort(lambda);
        double minimum = 0;
        for (int j = 1; j <= p; j++) {
            minimum += j * lambda[p - j];
        }
        return minimum;
    }

    static double summaryCost(String output) {
        Matcher cost = SUMMARY_COST.matcher(output);
        assertTrue(cost.find(), output);
        return Double.parseDouble(cost.group(1));
    }

    @Test
    void brockettExampleReachesTheEigenvalueMinimum() throws Exception {
        String output = run(() -> BrockettExample.main(new String[0]));
        String[] lines = output.split("\n");
        assertTrue(lines[lines.length - 1].startsWith("GRADIENT_NORM"), lines[lines.length - 1]);
        double minimum = brockettMinimum(200, 20, 42);
        assertEquals(minimum, summaryCost(lines[lines.length - 1]), 1e-12 * Math.abs(minimum) * 10);
    }

    @Test
    void plainArrayHeadExampleGivesAFiniteLossAndGradient() throws Exception {
        String output = run(() -> PlainArrayHeadExample.main(new String[0]));
        Matcher line = Pattern.compile("loss ([0-9.]+), \\|dL/dH\\[0\\]\\| ([0-9.]+e[+-][0-9]+)").matcher(output);
        assertTrue(line.find(), output);
        double loss = Double.parseDouble(line.group(1));
        // ten classes at the start: the loss is near log(10) and never below the ETF bound
        assertTrue(loss > 0.03 && loss < 2 * Math.log(10), String.format(Locale.ROOT, "loss %s", loss));
        assertTrue(Double.parseDouble(line.group(2)) > 0);
    }

    @Test
    void djlHeadExampleSeparatesTheClusters() throws Exception {
        String output = run(() -> DjlHeadExample.main(new String[0]));
        Matcher line = Pattern.compile("training accuracy ([0-9.]+)").matcher(output);
        assertTrue(line.find(), output);
        assertTrue(Double.parseDouble(line.group(1)) > 0.9, output);
    }

    @Test
    void splitTrainingExampleSeparatesTheClusters() throws Exception {
        String output = run(() -> SplitTrainingExample.main(new String[0]));
        Matcher line = Pattern.compile("training accuracy ([0-9.]+) after ([0-9]+) steps of the head").matcher(output);
        assertTrue(line.find(), output);
        assertTrue(Double.parseDouble(line.group(1)) > 0.9, output);
        // 1000 samples in batches of 20: one step of the head per batch, not one per split
        assertEquals(50, Integer.parseInt(line.group(2)), output);
    }

    @Test
    void obliqueHeadExampleSeparatesTheClustersWithUnitRows() throws Exception {
        String output = run(() -> ObliqueHeadExample.main(new String[0]));
        Matcher line = Pattern.compile("training accuracy ([0-9.]+), largest \\| \\|\\|row\\|\\| - 1 \\| ([0-9.eE+-]+)")
                .matcher(output);
        assertTrue(line.find(), output);
        assertTrue(Double.parseDouble(line.group(1)) > 0.9, output);
        assertTrue(Double.parseDouble(line.group(2)) < 1e-5, output);
    }

    @Test
    void riemannianAdamExampleRecoversTheMapOnTheStiefelManifold() throws Exception {
        String output = run(() -> RiemannianAdamExample.main(new String[0]));
        Matcher line = Pattern.compile("\\|\\|W - W\\*\\|\\|_F = ([0-9.e+-]+), \\|\\|W W\\^T - I\\|\\|_F = ([0-9.e+-]+)")
                .matcher(output);
        assertTrue(line.find(), output);
        assertTrue(Double.parseDouble(line.group(1)) < 1e-4, output);   // noise-free samples of a map 2.8 away
        assertTrue(Double.parseDouble(line.group(2)) < 1e-5, output);   // float32 iterates on St(16, 4)
    }

    @Test
    void costOnlyBrockettExamplePrintsTheHandWrittenExamplesOptimum() throws Exception {
        String automatic = run(() -> CostOnlyBrockettExample.main(new String[0]));
        String handWritten = run(() -> BrockettExample.main(new String[0]));
        String[] lines = automatic.strip().split("\n");
        assertTrue(lines[lines.length - 1].startsWith("GRADIENT_NORM"), automatic);
        double minimum = brockettMinimum(200, 20, 42);
        assertEquals(minimum, summaryCost(automatic), 1e-11 * Math.abs(minimum));
        assertEquals(summaryCost(handWritten.substring(handWritten.lastIndexOf("GRADIENT_NORM"))),
                summaryCost(automatic), 1e-11 * Math.abs(minimum), "the same optimum as the hand-written problem");
    }

    @Test
    void productCostExampleConverges() throws Exception {
        String output = run(() -> ProductCostExample.main(new String[0]));
        assertTrue(output.strip().startsWith("GRADIENT_NORM"), output);
    }
}
