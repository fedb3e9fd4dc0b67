package dev.stiefel.examples;

import dev.stiefel.etf.CrossEntropy;
import dev.stiefel.etf.EtfOptions;
import dev.stiefel.etf.ImplicitEtfHead;
import java.util.Random;

public class PlainArrayHeadExample {
    public static void main(String[] args) {
        int batch = 64, d = 32, numClasses = 10;
        Random random = new Random(7);
        double[][] features = new double[batch][d];          // from your backbone
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = i % numClasses;
            for (int j = 0; j < d; j++) {
                features[i][j] = random.nextGaussian();
            }
        }
        try (ImplicitEtfHead head = new ImplicitEtfHead(d, numClasses, EtfOptions.defaults())) { // tau 5, delta 1e-3
            double[][] logits = head.forward(features, labels);                 // W = U* Mh, b = -W^T hG
            double[][] logitsGradient = new double[batch][numClasses];
            double loss = CrossEntropy.lossAndGradient(logits, labels, logitsGradient);
            double[][] featureGradient = head.backward(logitsGradient);         // through U*, the EMA, the normalisation
            System.out.printf("loss %.6f, |dL/dH[0]| %.3e%n", loss, norm(featureGradient[0]));
        }
    }

    static double norm(double[] row) {
        double sum = 0;
        for (double value : row) {
            sum += value * value;
        }
        return Math.sqrt(sum);
    }
}
