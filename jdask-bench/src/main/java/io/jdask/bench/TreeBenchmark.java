package io.jdask.bench;

import io.jdask.Delayed;
import io.jdask.Scheduler;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Graph shape (c) the seed-002 tree summation: {@value Graphs#N} leaves {@code noop(i)}, then levels of pairwise
 * {@code add} until one value is left.
 *
 * <p>Both figures are nanoseconds per task ({@code AverageTime} over {@link Graphs#TREE_CALLS} = 2N - 1 calls: N
 * leaves, N - 1 additions), so {@code 1e9 / score} is tasks per second; {@code run-delayed-bench.sh} prints them that
 * way, next to Dask's.
 *
 * <ul>
 *   <li>{@link #build}: building the graph with {@code delayed(...).call(...)}, nothing computed. Target: at least
 *       2,000,000 calls/s.
 *   <li>{@link #compute}: {@code compute(scheduler)} of a graph built once per trial, on {@code Scheduler.THREADS}
 *       (one thread per core; target at least 1,000,000 tasks/s on 2 cores) and on {@code Scheduler.SYNC} for
 *       reference. It includes what every {@code compute()} does: walking the {@code Delayed}s into a graph,
 *       planning it and running it.
 * </ul>
 *
 * <p>Run, from the repository root, after {@code ./mvnw -pl jdask-bench -am package -DskipTests} with a JDK 21+:
 * <pre>{@code
 * java -jar jdask-bench/target/benchmarks.jar TreeBenchmark
 * java -jar jdask-bench/target/benchmarks.jar TreeBenchmark -prof gc     # allocation per task
 * }</pre>
 * or {@code jdask-bench/run-delayed-bench.sh} for all three shapes and Dask in one run.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class TreeBenchmark {

    /** Builds the graph; returns it so that the work is not optimized away. */
    @Benchmark
    @OperationsPerInvocation(Graphs.TREE_CALLS)
    public Delayed<Long> build() {
        return Graphs.tree(Graphs.N);
    }

    /** Computes the graph built by {@link Built#setUp}. */
    @Benchmark
    @OperationsPerInvocation(Graphs.TREE_CALLS)
    public long compute(Built built) {
        return built.graph.compute(built.scheduler);
    }

    /** The graph, built once per trial and checked by computing it once. */
    @State(Scope.Benchmark)
    public static class Built {
        /** {@code THREADS} or {@code SYNC}. */
        @Param({"THREADS", "SYNC"})
        public String schedulerName;

        /** Set by {@link #setUp}: the scheduler named by {@link #schedulerName}. */
        Scheduler scheduler;
        /** Set by {@link #setUp}: a graph already computed once with the right value. */
        Delayed<Long> graph;

        @Setup(Level.Trial)
        public void setUp() {
            scheduler = Graphs.scheduler(schedulerName);
            graph = Graphs.tree(Graphs.N);
            long value = graph.compute(scheduler);
            long expected = Graphs.triangle(Graphs.N);
            if (value != expected) {
                throw new IllegalStateException("tree(" + Graphs.N + ") computed " + value + " on " + scheduler
                        + ", expected " + expected + ": the graph or the scheduler is wrong, so would the figures be");
            }
        }
    }
}
