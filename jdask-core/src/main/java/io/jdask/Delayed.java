package io.jdask;

import io.jdask.graph.Args;
import io.jdask.graph.Builtins;
import io.jdask.graph.DataNode;
import io.jdask.graph.Node;
import io.jdask.graph.Task;
import io.jdask.graph.TaskGraph;
import io.jdask.graph.TaskRef;
import io.jdask.graph.Tokens;
import io.jdask.viz.GraphPicture;
import io.jdask.viz.Rankdir;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * A lazy value: the result of a task graph that has not run yet. Made by {@code delayed(f).call(...)},
 * {@code delayed(value)}, {@link #then}, {@link #combine} and {@link Dask#all}; nothing runs until
 * {@link #compute()} or {@link #persist()}.
 *
 * <p>A {@code Delayed} is immutable and holds its own task plus the {@code Delayed}s (or {@link Future}s) that task
 * reads, so a graph is a DAG of these objects, shared freely between graphs. {@link #graph()} walks it into a
 * {@link TaskGraph}; computing several values together ({@link Dask#compute}) computes their shared parts once.
 *
 * @param <T> the type of the value
 */
public final class Delayed<T> implements Ref<T> {
    private static final Ref<?>[] NO_DEPS = new Ref<?>[0];

    /** The node defining {@link #key()}: a {@link Task} or a {@link DataNode}. */
    private final Node node;
    /** The distinct {@code Delayed}s and {@code Future}s whose keys {@link #node} references. */
    private final Ref<?>[] deps;

    Delayed(Node node, Ref<?>[] deps) {
        this.node = node;
        this.deps = deps;
    }

    @Override
    public String key() {
        return node.key();
    }

    /** Computes the value with the default scheduler (an open client's cluster, else a local thread pool). */
    public T compute() {
        return compute(ComputeOptions.defaults());
    }

    /** Computes the value with the given scheduler, e.g. {@link Scheduler#SYNC} for debugging. */
    public T compute(Scheduler scheduler) {
        return compute(ComputeOptions.defaults().scheduler(scheduler));
    }

    /** Computes the value with options, e.g. {@code z.compute(opts -> opts.retries(3))}. */
    public T compute(UnaryOperator<ComputeOptions> options) {
        return compute(options.apply(ComputeOptions.defaults()));
    }

    /**
     * Computes the value.
     *
     * @throws TaskFailedException if a task raised an exception: it names the task's key, and its cause is the
     *     exception, with its stack trace
     * @throws java.util.concurrent.CancellationException if the calling thread was interrupted (the interrupt
     *     status is kept); the computation's running tasks are interrupted and no further task starts
     */
    @SuppressWarnings("unchecked")
    public T compute(ComputeOptions options) {
        return (T) Computations.compute(List.of(this), options).get(0);
    }

    /**
     * Computes the value and returns a {@code Delayed} backed by it, with the same key: graphs built on the
     * result start from the value instead of recomputing it. On a cluster the work goes on in the background
     * and the result stays on the workers.
     */
    public Delayed<T> persist() {
        return persist(ComputeOptions.defaults());
    }

    /** As {@link #persist()}, with options. */
    @SuppressWarnings("unchecked")
    public Delayed<T> persist(ComputeOptions options) {
        return (Delayed<T>) Computations.persist(List.of(this), options).get(0);
    }

    /** A lazy task applying {@code f} to this value. */
    public <R> Delayed<R> then(Fn1<? super T, ? extends R> f) {
        return DelayedCall.of(f).call(new Object[] {this});
    }

    /**
     * A lazy task combining this value with another: {@code x.combine(y, Integer::sum)} is the Java for Dask's
     * {@code x + y} on two delayed values.
     */
    public <U, R> Delayed<R> combine(Ref<? extends U> other, Fn2<? super T, ? super U, ? extends R> f) {
        return DelayedCall.of(f).call(new Object[] {this, other});
    }

    /** The task graph this value needs, in dependency order. */
    public TaskGraph graph() {
        return TaskGraph.trusted(Computations.collect(List.of(this)));
    }

    /**
     * A picture of this value's task graph, top down: a box per function call, a circle per value. In a notebook
     * it shows inline; {@code save(Path)} writes {@code .svg}, {@code .png} or {@code .dot}.
     */
    public GraphPicture visualize() {
        return graph().visualize(Rankdir.TB);
    }

    /** As {@link #visualize()}, top down ({@link Rankdir#TB}) or left to right ({@link Rankdir#LR}). */
    public GraphPicture visualize(Rankdir direction) {
        return graph().visualize(direction);
    }

    /** Draws the graph into a file; the extension ({@code .svg}, {@code .png}, {@code .dot}) picks the format. */
    public GraphPicture visualize(java.nio.file.Path file) {
        return visualize().save(file);
    }

    /** The node defining this value: its function and arguments, or its data. */
    public Node node() {
        return node;
    }

    /** The {@code Delayed}s and {@code Future}s this value's own task reads directly. */
    public List<Ref<?>> dependencies() {
        return List.of(deps);
    }

    @Override
    public String toString() {
        return "Delayed('" + key() + "')";
    }

    // ---- construction helpers used by Dask and DelayedCall ----

    /** {@code delayed(value)}: a data node, or an identity task when the value holds references. */
    static <T> Delayed<T> ofValue(T value) {
        if (value instanceof Delayed<?> d) {
            @SuppressWarnings("unchecked")
            Delayed<T> same = (Delayed<T>) d;
            return same;
        }
        String prefix = value == null ? "none" : typeName(value.getClass());
        if (value instanceof Future<?> future) {
            return new Delayed<>(new Task(future.key(), Builtins.AWAIT, future), NO_DEPS);
        }
        if (Args.isContainer(value)) {
            List<Ref<?>> found = new ArrayList<>();
            Object rewritten = Args.rewrite(value, o -> {
                if (o instanceof Ref<?> ref) {
                    found.add(ref);
                    return new TaskRef(ref.key());
                }
                return Args.KEEP;
            });
            if (!found.isEmpty()) {
                Task task = new Task(Tokens.uniqueKey(prefix), Builtins.IDENTITY, rewritten);
                return new Delayed<>(task, distinct(found.toArray(NO_DEPS), found.size()));
            }
        }
        return new Delayed<>(new DataNode(Tokens.uniqueKey(prefix), value), NO_DEPS);
    }

    /** {@code Dask.all(refs)}: a task collecting the values into a list. */
    static <T> Delayed<List<T>> ofAll(java.util.Collection<? extends Ref<? extends T>> refs) {
        Objects.requireNonNull(refs, "all(refs): refs is null");
        Object[] args = new Object[refs.size()];
        Ref<?>[] deps = new Ref<?>[refs.size()];
        int i = 0;
        for (Ref<? extends T> r : refs) {
            if (r == null) throw new NullPointerException("all(refs): element " + i + " is null");
            deps[i] = r;
            args[i++] = new TaskRef(r.key());
        }
        Task task = Task.owning(Tokens.uniqueKey("all"), Builtins.LIST, args);
        return new Delayed<>(task, distinct(deps, deps.length));
    }

    /** A Delayed standing for an existing value under an existing key (a persisted result). */
    static <T> Delayed<T> ofResult(String key, Object value) {
        return new Delayed<>(new DataNode(key, value), NO_DEPS);
    }

    /** The first {@code n} refs without repeated keys. */
    static Ref<?>[] distinct(Ref<?>[] refs, int n) {
        if (n == 0 || refs == null) return NO_DEPS;
        Ref<?>[] out = new Ref<?>[n];
        int m = 0;
        if (n <= 8) {
            outer:
            for (int i = 0; i < n; i++) {
                String k = refs[i].key();
                for (int j = 0; j < m; j++) if (out[j].key().equals(k)) continue outer;
                out[m++] = refs[i];
            }
        } else {
            Set<String> seen = new HashSet<>(n * 2);
            for (int i = 0; i < n; i++) if (seen.add(refs[i].key())) out[m++] = refs[i];
        }
        return m == n ? out : java.util.Arrays.copyOf(out, m);
    }

    Ref<?>[] deps() {
        return deps;
    }

    private static String typeName(Class<?> type) {
        String s = type.getSimpleName();
        if (s.isEmpty()) s = "value";
        int bracket = s.indexOf('[');
        if (bracket > 0) s = s.substring(0, bracket) + "-array";
        return Character.toLowerCase(s.charAt(0)) + s.substring(1);
    }
}
