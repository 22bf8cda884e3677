package io.jdask.bench;

import static io.jdask.Dask.all;
import static io.jdask.Dask.delayed;

import io.jdask.Delayed;
import io.jdask.Scheduler;
import java.util.ArrayList;
import java.util.List;

/**
 * The three graph shapes of the issue "building and computing 100,000 no-op tasks", shared by {@link
 * DelayedBenchmark} (one {@link DelayedBenchmark.Shape} each), its smoke test and (in Python)
 * {@code jdask-bench/dask/delayed_bench.py}, which builds the same shapes.
 *
 * <p>Every task is a static method reached by method reference that does no real work, so a figure measures
 * jdask's per-task overhead (building a {@code Delayed}, collecting the graph, planning, scheduling, running), not
 * the task. The functions still compute something checkable ({@code inc} instead of a pure identity in the
 * chain), so a smoke test can tell that every task ran with the right inputs.
 *
 * <p>The builders use the API the way a user writes it, {@code delayed(Graphs::noop).call(i)} inside the loop
 * (Dask users write {@code delayed(inc)(i)}), so building includes making the {@code DelayedFunctionN} each time.
 */
final class Graphs {
    private Graphs() {}

    /** Tasks (leaves, or links of the chain) per graph: the N of the issue. */
    static final int N = 100_000;

    /** {@code delayed(...).call(...)} calls made by {@link #fanOut}: N leaves and the sum. */
    static final int FAN_OUT_CALLS = N + 1;
    /** Calls made by {@link #chain}. */
    static final int CHAIN_CALLS = N;
    /** Calls made by {@link #tree}: N leaves and N - 1 additions (each addition removes one value). */
    static final int TREE_CALLS = 2 * N - 1;

    static long noop(long x) {
        return x;
    }

    static long inc(long x) {
        return x + 1;
    }

    static long add(long a, long b) {
        return a + b;
    }

    static long sum(List<Long> xs) {
        long s = 0;
        for (long x : xs) s += x;
        return s;
    }

    /**
     * (a) Fan-out into one sum: {@code n} independent {@code noop(i)} tasks, then {@code sum(all(list))}. Its
     * graph has {@code n + 2} nodes: the leaves, the {@code all} list task and the sum. Value: n(n-1)/2.
     */
    static Delayed<Long> fanOut(int n) {
        List<Delayed<Long>> leaves = new ArrayList<>(n);
        for (int i = 0; i < n; i++) leaves.add(delayed(Graphs::noop).call((long) i));
        return delayed(Graphs::sum).call(all(leaves));
    }

    /** (b) A chain: {@code inc(0)}, then {@code n - 1} more {@code inc}s, each of the previous. Value: n. */
    static Delayed<Long> chain(int n) {
        Delayed<Long> x = delayed(Graphs::inc).call(0L);
        for (int i = 1; i < n; i++) x = delayed(Graphs::inc).call(x);
        return x;
    }

    /**
     * (c) The seed-002 tree summation: {@code n} leaves {@code noop(i)}, then levels of pairwise {@code add}
     * until one value is left; a level of odd size carries its last value up unchanged. Makes {@code n - 1}
     * additions, so {@code 2n - 1} nodes. Value: n(n-1)/2.
     */
    static Delayed<Long> tree(int n) {
        List<Delayed<Long>> level = new ArrayList<>(n);
        for (int i = 0; i < n; i++) level.add(delayed(Graphs::noop).call((long) i));
        while (level.size() > 1) {
            List<Delayed<Long>> next = new ArrayList<>((level.size() + 1) / 2);
            for (int i = 0; i + 1 < level.size(); i += 2) {
                next.add(delayed(Graphs::add).call(level.get(i), level.get(i + 1)));
            }
            if (level.size() % 2 == 1) next.add(level.get(level.size() - 1));
            level = next;
        }
        return level.get(0);
    }

    /** The value {@link #fanOut} and {@link #tree} compute: 0 + 1 + ... + (n - 1). */
    static long triangle(int n) {
        return (long) n * (n - 1) / 2;
    }

    /** The scheduler named by a benchmark's {@code @Param}. */
    static Scheduler scheduler(String name) {
        return switch (name) {
            case "THREADS" -> Scheduler.THREADS;
            case "SYNC" -> Scheduler.SYNC;
            default -> throw new IllegalArgumentException("unknown scheduler '" + name + "': use THREADS or SYNC");
        };
    }
}
