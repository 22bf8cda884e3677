package io.jdask.bench;

/** Checks for the numeric command-line options the benchmark mains share. */
final class BenchOptions {
    private BenchOptions() {}

    /** {@code v} as an int of at least 1, or an error naming the option {@code name}. */
    static int positive(String name, String v) {
        int n = Integer.parseInt(v);
        if (n < 1) throw new IllegalArgumentException(name + " must be >= 1, got " + v);
        return n;
    }

    /** {@code v} as an int of at least 0, or an error naming the option {@code name}. */
    static int nonNegative(String name, String v) {
        int n = Integer.parseInt(v);
        if (n < 0) throw new IllegalArgumentException(name + " must be >= 0, got " + v);
        return n;
    }
}
