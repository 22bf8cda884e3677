package io.jdask;

import io.jdask.graph.Node;
import io.jdask.graph.TaskGraph;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * jdask's entry points, made to be imported statically: {@code import static io.jdask.Dask.*;}
 *
 * {@snippet :
 * Delayed<Integer> x = delayed(Tutorial::inc).call(1);     // nothing runs yet
 * Delayed<Integer> y = delayed(Tutorial::inc).call(2);
 * Delayed<Integer> z = delayed(Tutorial::add).call(x, y);  // x and y become dependencies
 * int result = z.compute();                                // runs the graph: inc and inc in parallel
 * }
 *
 * <p>The {@code delayed(fn)} overloads, one per arity, are inherited from a generated class; they return a
 * {@code DelayedFunctionN} whose {@code call} builds a task.
 */
public final class Dask extends DelayedFunctions {
    private Dask() {}

    /**
     * Wraps a plain value as a lazy one, so it can be an input of tasks and part of their graph. A list, set, map
     * or array holding {@code Delayed}s or {@code Future}s becomes a task producing the same container with the
     * values filled in.
     */
    public static <T> Delayed<T> delayed(T value) {
        return Delayed.ofValue(value);
    }

    /** A lazy value standing for a future's result: graphs built on it use the future's key. */
    public static <T> Delayed<T> delayed(Future<T> future) {
        @SuppressWarnings("unchecked")
        Delayed<T> d = (Delayed<T>) (Delayed<?>) Delayed.ofValue((Object) future);
        return d;
    }

    /**
     * One lazy list of many lazy values: the fan-in argument,
     * {@code delayed(Tutorial::sum).call(all(results))} or {@code client.submit(Tutorial::sum, all(futures))}.
     */
    public static <T> Delayed<List<T>> all(Collection<? extends Ref<? extends T>> refs) {
        return Delayed.ofAll(refs);
    }

    /** Computes several values at once, computing their shared dependencies once; results in order. */
    @SafeVarargs
    public static <T> List<T> compute(Delayed<? extends T>... values) {
        return compute(List.of(values));
    }

    /** Computes several values at once, computing their shared dependencies once; results in order. */
    public static <T> List<T> compute(List<? extends Delayed<? extends T>> values) {
        return compute(values, ComputeOptions.defaults());
    }

    /** As {@link #compute(List)}, with options: {@code compute(values, opts -> opts.scheduler(SYNC))}. */
    public static <T> List<T> compute(
            List<? extends Delayed<? extends T>> values, UnaryOperator<ComputeOptions> options) {
        return compute(values, options.apply(ComputeOptions.defaults()));
    }

    /** As {@link #compute(List)}, with options. */
    @SuppressWarnings("unchecked")
    public static <T> List<T> compute(List<? extends Delayed<? extends T>> values, ComputeOptions options) {
        return (List<T>) new ArrayList<>(Computations.compute(values, options));
    }

    /** Starts computing several values and returns {@code Delayed}s backed by their results. */
    @SafeVarargs
    public static <T> List<Delayed<T>> persist(Delayed<? extends T>... values) {
        return persist(List.of(values));
    }

    /** Starts computing several values and returns {@code Delayed}s backed by their results. */
    @SuppressWarnings("unchecked")
    public static <T> List<Delayed<T>> persist(List<? extends Delayed<? extends T>> values) {
        List<Delayed<T>> out = new ArrayList<>();
        for (Delayed<?> d : Computations.persist(values, ComputeOptions.defaults())) out.add((Delayed<T>) d);
        return out;
    }

    /**
     * Inside a task running on a cluster: a client of that cluster, to submit more tasks or reach queues, locks
     * and variables by name. Outside a task it throws {@link IllegalStateException}.
     */
    public static Client client() {
        return io.jdask.spi.Runtimes.get().taskClient();
    }

    /**
     * Inside a task: gives this task's worker thread back to the pool while the task waits on other tasks (for
     * example futures it submitted), so waiting tasks cannot starve the cluster. Pair with {@link #rejoin()}.
     */
    public static void secede() {
        io.jdask.spi.Runtimes.get().secede();
    }

    /** Inside a task that {@link #secede() seceded}: waits for a free worker thread and takes it again. */
    public static void rejoin() {
        io.jdask.spi.Runtimes.get().rejoin();
    }

    /**
     * Inside a task running on a cluster (or a {@link Client#run} function): the worker it runs on, its address, name
     * and threads, and the running task's key. Outside one it throws {@link IllegalStateException}.
     */
    public static WorkerContext worker() {
        io.jdask.spi.TaskContext.Current here = io.jdask.spi.TaskContext.current()
                .orElseThrow(() -> new IllegalStateException("Dask.worker() works only inside a task (or a"
                        + " client.run function) running on a jdask worker, and thread '"
                        + Thread.currentThread().getName() + "' is not running one; a WorkerPlugin gets its"
                        + " WorkerContext as the argument of setup"));
        io.jdask.spi.TaskContext.Host host = here.host();
        return new CurrentWorker(host.address(), host.name(), host.nthreads(), here.key());
    }

    /** A picture of several values' merged graph. */
    public static io.jdask.viz.GraphPicture visualize(Collection<? extends Delayed<?>> values) {
        return graph(values).visualize();
    }

    /** The merged graph of several values. */
    public static TaskGraph graph(Collection<? extends Delayed<?>> values) {
        java.util.LinkedHashMap<String, Node> nodes = Computations.collect(new ArrayList<>(values));
        return TaskGraph.trusted(nodes);
    }
}
