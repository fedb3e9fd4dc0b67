package dev.stiefel.djl.riemannian;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.random.RandomGenerator;

/** Plain double[][] matrices for the tests: conversion to and from NDArrays, and checks written without EJML or DJL. */
final class Matrices {

    private Matrices() {
    }

    static NDArray create(NDManager manager, double[][] a, DataType type) {
        int rows = a.length;
        int cols = a[0].length;
        double[] flat = new double[rows * cols];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(a[i], 0, flat, i * cols, cols);
        }
        NDArray array = manager.create(flat, new Shape(rows, cols));
        return type == DataType.FLOAT64 ? array : array.toType(type, false);
    }

    static double[][] read(NDArray array) {
        int rows = Math.toIntExact(array.getShape().get(0));
        int cols = Math.toIntExact(array.getShape().get(1));
        double[] flat = HostArrays.toDoubles(array);
        double[][] a = new double[rows][cols];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(flat, i * cols, a[i], 0, cols);
        }
        return a;
    }

    static double[][] gaussian(int rows, int cols, RandomGenerator random) {
        double[][] a = new double[rows][cols];
        for (double[] row : a) {
            for (int j = 0; j < cols; j++) {
                row[j] = random.nextGaussian();
            }
        }
        return a;
    }

    static double[][] transpose(double[][] a) {
        double[][] t = new double[a[0].length][a.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                t[j][i] = a[i][j];
            }
        }
        return t;
    }

    static double[][] multiply(double[][] a, double[][] b) {
        double[][] c = new double[a.length][b[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int k = 0; k < b.length; k++) {
                for (int j = 0; j < b[0].length; j++) {
                    c[i][j] += a[i][k] * b[k][j];
                }
            }
        }
        return c;
    }

    /** {@code ||X^T X - I||_F}. */
    static double orthonormalColumnsDefect(double[][] x) {
        double[][] gram = multiply(transpose(x), x);
        double sum = 0.0;
        for (int i = 0; i < gram.length; i++) {
            for (int j = 0; j < gram.length; j++) {
                double entry = gram[i][j] - (i == j ? 1.0 : 0.0);
                sum += entry * entry;
            }
        }
        return Math.sqrt(sum);
    }

    /** {@code max_j | ||x_j|| - 1 |} over the columns. */
    static double unitColumnsDefect(double[][] x) {
        double defect = 0.0;
        for (int j = 0; j < x[0].length; j++) {
            double sum = 0.0;
            for (double[] row : x) {
                sum += row[j] * row[j];
            }
            defect = Math.max(defect, Math.abs(Math.sqrt(sum) - 1.0));
        }
        return defect;
    }

    /** {@code ||a - b||_F}. */
    static double distance(double[][] a, double[][] b) {
        double sum = 0.0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                sum += (a[i][j] - b[i][j]) * (a[i][j] - b[i][j]);
            }
        }
        return Math.sqrt(sum);
    }

    /** {@code max |a_ij - b_ij|}. */
    static double maxDifference(double[][] a, double[][] b) {
        double largest = 0.0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                largest = Math.max(largest, Math.abs(a[i][j] - b[i][j]));
            }
        }
        return largest;
    }
}
