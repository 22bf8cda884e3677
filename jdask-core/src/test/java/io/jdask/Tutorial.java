package io.jdask;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** The seeds' toy functions, as a Java user writes them: static methods used by method reference. */
public final class Tutorial {
    private Tutorial() {}

    /** Counts calls of {@link #counted}, so tests can see how often a task really ran. */
    public static final AtomicInteger CALLS = new AtomicInteger();

    public static int inc(int x) {
        return x + 1;
    }

    public static int dec(int x) {
        return x - 1;
    }

    public static int add(int x, int y) {
        return x + y;
    }

    public static int doubleIt(int x) {
        return 2 * x;
    }

    public static boolean isEven(int x) {
        return x % 2 == 0;
    }

    public static int sum(List<Integer> xs) {
        int s = 0;
        for (int x : xs) s += x;
        return s;
    }

    public static int counted(int x) {
        CALLS.incrementAndGet();
        return x;
    }

    public static int slowInc(int x) throws InterruptedException {
        Thread.sleep(200);
        return x + 1;
    }

    public static int fail(int x) {
        throw new IllegalStateException("I died on " + x);
    }
}
