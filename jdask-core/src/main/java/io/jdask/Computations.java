package io.jdask;

import io.jdask.graph.Builtins;
import io.jdask.graph.Node;
import io.jdask.graph.Task;
import io.jdask.local.LocalScheduler;
import io.jdask.spi.ClusterBackend;
import io.jdask.spi.ClusterBackends;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The path from {@code compute()} to a scheduler: collect the graph the outputs need, then hand it to the open
 * client's cluster or to a local scheduler.
 */
final class Computations {
    private Computations() {}

    static List<Object> compute(List<? extends Delayed<?>> outputs, ComputeOptions options) {
        if (outputs.isEmpty()) return List.of();
        Optional<ClusterBackend> cluster = cluster(options);
        if (cluster.isPresent()) return cluster.get().compute(outputs, options);
        ArrayList<Node> nodes = new ArrayList<>();
        HashMap<String, Integer> index = new HashMap<>();
        collect(outputs, nodes, index);
        List<String> keys = new ArrayList<>(outputs.size());
        for (Delayed<?> d : outputs) keys.add(d.key());
        Scheduler s = options.scheduler();
        Object[] results = LocalScheduler.compute(
                nodes, index, keys, s.kind() == Scheduler.Kind.SYNC, s.threadCount(), options.retries());
        return Arrays.asList(results);
    }

    static List<Delayed<?>> persist(List<? extends Delayed<?>> outputs, ComputeOptions options) {
        if (outputs.isEmpty()) return List.of();
        Optional<ClusterBackend> cluster = cluster(options);
        if (cluster.isPresent()) return cluster.get().persist(outputs, options);
        List<Object> values = compute(outputs, options);
        List<Delayed<?>> out = new ArrayList<>(outputs.size());
        for (int i = 0; i < outputs.size(); i++)
            out.add(Delayed.ofResult(outputs.get(i).key(), values.get(i)));
        return out;
    }

    private static Optional<ClusterBackend> cluster(ComputeOptions options) {
        if (options.scheduler().kind() != Scheduler.Kind.DEFAULT) return Optional.empty();
        return ClusterBackends.active();
    }

    /** The nodes the outputs need, each after its dependencies, keyed in insertion order. */
    static LinkedHashMap<String, Node> collect(List<? extends Ref<?>> outputs) {
        ArrayList<Node> nodes = new ArrayList<>();
        collect(outputs, nodes, new HashMap<>());
        LinkedHashMap<String, Node> out = new LinkedHashMap<>(nodes.size() * 2);
        for (Node n : nodes) out.put(n.key(), n);
        return out;
    }

    /**
     * Appends to {@code nodes} every node the outputs need, each after its dependencies, and records its position
     * in {@code index}: an iterative depth-first walk, so a chain of a million tasks does not overflow the stack. A
     * {@link Future} becomes a task awaiting it. Two objects with the same key (a {@code pure()} call made twice)
     * are one node. The walk needs no cycle check: a {@code Delayed} can only point at values that existed before
     * it, so the objects form a DAG. This is the hot path of {@code compute()}: one hash lookup per edge and one
     * insertion per node.
     */
    static void collect(List<? extends Ref<?>> outputs, List<Node> nodes, Map<String, Integer> index) {
        Ref<?>[] stack = new Ref<?>[64];
        int[] next = new int[64];
        for (Ref<?> root : outputs) {
            if (index.containsKey(root.key())) continue;
            int top = 0;
            stack[0] = root;
            next[0] = 0;
            while (top >= 0) {
                Ref<?> r = stack[top];
                Ref<?>[] deps = r instanceof Delayed<?> d ? d.deps() : NONE;
                if (next[top] < deps.length) {
                    Ref<?> dep = deps[next[top]++];
                    if (index.containsKey(dep.key())) continue;
                    if (++top == stack.length) {
                        stack = Arrays.copyOf(stack, top * 2);
                        next = Arrays.copyOf(next, top * 2);
                    }
                    stack[top] = dep;
                    next[top] = 0;
                } else {
                    if (index.putIfAbsent(r.key(), nodes.size()) == null) nodes.add(nodeOf(r));
                    stack[top--] = null;
                }
            }
        }
    }

    private static final Ref<?>[] NONE = new Ref<?>[0];

    private static Node nodeOf(Ref<?> r) {
        return switch (r) {
            case Delayed<?> d -> d.node();
            case Future<?> f -> new Task(f.key(), Builtins.AWAIT, f);
        };
    }
}
