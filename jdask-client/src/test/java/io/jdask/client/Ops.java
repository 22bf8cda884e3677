package io.jdask.client;

import java.io.IOException;
import java.util.List;

/** Task functions for the tests, as a user writes them: static methods passed by method reference. */
public final class Ops {
    private Ops() {}

    public static int inc(int x) {
        return x + 1;
    }

    public static int add(int x, int y) {
        return x + y;
    }

    public static int square(int x) {
        return x * x;
    }

    public static int sum(List<Integer> xs) {
        int s = 0;
        for (int x : xs) s += x;
        return s;
    }

    public static int slowInc(int x) throws InterruptedException {
        Thread.sleep(300);
        return x + 1;
    }

    public static int sleepThenInc(int ms, int x) throws InterruptedException {
        Thread.sleep(ms);
        return x + 1;
    }

    public static int mightFail(int x) {
        if (x < 0) throw new IllegalArgumentException("negative input: " + x);
        return x * 2;
    }

    public static int checkedFail(int x) throws IOException {
        throw new IOException("disk on fire at " + x);
    }

    public static long length(double[] data) {
        return data.length;
    }

    public static double weightedSum(double[] data, int weight) {
        double s = 0;
        for (double d : data) s += d;
        return s * weight;
    }

    public static String whereAmI(int ignored) {
        return Thread.currentThread().getName();
    }

    public static byte[] bytes(int n) {
        return new byte[n];
    }

    /** The id of the process the task runs in. */
    public static long pid(int ignored) {
        return ProcessHandle.current().pid();
    }
}
