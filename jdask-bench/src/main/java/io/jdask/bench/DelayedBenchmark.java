package io.jdask.bench;

import io.jdask.Delayed;
import io.jdask.Scheduler;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The delayed API on the three graph shapes of {@link Graphs}, {@value Graphs#N} no-op tasks each: building a graph
 * and computing it, per {@link Shape} ({@code @Param shape}) and, for compute, per scheduler ({@code @Param
 * schedulerName}). One run compares them all.
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
 * <p>Figures. The primary score is nanoseconds per graph ({@code AverageTime}). The secondary score {@code :calls} is
 * nanoseconds per task: each invocation counts the shape's {@link Shape#calls} in the {@link Calls} counter, and JMH
 * divides the time by that count ({@code @OperationsPerInvocation} cannot, as it is one number for every shape). So
 * {@code 1e9 / :calls} is calls (= tasks) per second; {@code run-delayed-bench.sh} prints it that way, next to
 * Dask's.
 *
 * <p>Run, from the repository root, after {@code ./mvnw -pl jdask-bench -am package -DskipTests} with a JDK 21+:
 *
 * <pre>{@code
 * java -jar jdask-bench/target/benchmarks.jar DelayedBenchmark
 * java -jar jdask-bench/target/benchmarks.jar DelayedBenchmark -p shape=FANOUT -prof gc   # allocation per graph (per task: / 100,001)
 * }</pre>
 *
 * or {@code jdask-bench/run-delayed-bench.sh} for all three shapes and Dask in one run.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class DelayedBenchmark {

    /** The graph shapes; each builds a graph of {@value Graphs#N} tasks and knows the value it computes. */
    public enum Shape {
        /** (a) Fan-out into one sum: N leaves and the sum (the {@code all} list is one more node, not counted). */
        FANOUT(Graphs.FAN_OUT_CALLS),
        /** (b) A chain of N {@code inc}s, each of the previous. */
        CHAIN(Graphs.CHAIN_CALLS),
        /** (c) The seed-002 tree summation: N leaves and N - 1 additions. */
        TREE(Graphs.TREE_CALLS);

        /** The {@code delayed(...).call(...)} calls (= tasks) of one graph: what a figure per task divides by. */
        final int calls;

        Shape(int calls) {
            this.calls = calls;
        }

        /** Builds the graph of {@value Graphs#N} tasks. */
        Delayed<Long> build() {
            return switch (this) {
                case FANOUT -> Graphs.fanOut(Graphs.N);
                case CHAIN -> Graphs.chain(Graphs.N);
                case TREE -> Graphs.tree(Graphs.N);
            };
        }

        /** The value the graph of {@link #build} computes. */
        long value() {
            return switch (this) {
                case FANOUT, TREE -> Graphs.triangle(Graphs.N);
                case CHAIN -> Graphs.N;
            };
        }
    }

    /** Builds the graph; returns it so that the work is not optimized away. */
    @Benchmark
    public Delayed<Long> build(Shaped shaped, Calls calls) {
        calls.calls += shaped.shape.calls;
        return shaped.shape.build();
    }

    /** Computes the graph built by {@link Built#setUp}. */
    @Benchmark
    public long compute(Built built, Calls calls) {
        calls.calls += built.shape.calls;
        return built.graph.compute(built.scheduler);
    }

    /** The shape a benchmark builds. */
    @State(Scope.Benchmark)
    public static class Shaped {
        /** Which graph. */
        @Param({"FANOUT", "CHAIN", "TREE"})
        public Shape shape;
    }

    /** The graph, built once per trial and checked by computing it once. */
    @State(Scope.Benchmark)
    public static class Built extends Shaped {
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
            graph = shape.build();
            long value = graph.compute(scheduler);
            if (value != shape.value()) {
                throw new IllegalStateException(shape + " of " + Graphs.N + " tasks computed " + value + " on "
                        + scheduler + ", expected " + shape.value()
                        + ": the graph or the scheduler is wrong, so would the figures be");
            }
        }
    }

    /**
     * The tasks built or computed in the current iteration: JMH reports the time per task as the secondary score
     * {@code calls}. Reset before each iteration, as JMH requires of an operations counter.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Calls {
        /** Calls (= tasks) so far in this iteration. */
        public long calls;

        @Setup(Level.Iteration)
        public void reset() {
            calls = 0;
        }
    }
}
