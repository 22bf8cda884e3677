package io.jdask.graph;

import io.jdask.viz.GraphPicture;
import io.jdask.viz.Rankdir;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An immutable task graph: keys mapped to {@link Node}s, checked when built to be closed (every dependency is a
 * key of the graph) and acyclic. Errors name the keys: a missing dependency names the task that wanted it, a
 * cycle lists its keys in order.
 *
 * <p>Nodes are kept in dependency order (each after all it depends on), so iterating {@link #nodes()} is a valid
 * order of execution. Dependents are derived on first use.
 */
public final class TaskGraph {
    /** Every node, each after its dependencies. */
    private final Map<String, Node> nodes;
    /** Derived lazily from {@link #nodes}; immutable once set. */
    private volatile Map<String, List<String>> dependents;

    private TaskGraph(Map<String, Node> orderedNodes) {
        this.nodes = Collections.unmodifiableMap(orderedNodes);
    }

    /** A graph of the given nodes, in any order. */
    public static TaskGraph of(Collection<? extends Node> nodes) {
        Map<String, Node> byKey = new LinkedHashMap<>();
        for (Node n : nodes) {
            Node previous = byKey.putIfAbsent(n.key(), n);
            if (previous != null && previous != n) {
                throw new IllegalArgumentException("key " + n.key() + " is defined twice in the graph");
            }
        }
        return new TaskGraph(topologicallyOrdered(byKey));
    }

    /** A graph of the given nodes. */
    public static TaskGraph of(Node... nodes) {
        return of(List.of(nodes));
    }

    /**
     * For graph builders that already produce nodes in dependency order with closed references (no check beyond
     * an assertion): the {@code Delayed} API.
     */
    public static TaskGraph trusted(LinkedHashMap<String, Node> orderedNodes) {
        return new TaskGraph(orderedNodes);
    }

    /** Merges graphs; a key present in several must map to the same node. */
    public static TaskGraph merge(TaskGraph... graphs) {
        Map<String, Node> all = new LinkedHashMap<>();
        for (TaskGraph g : graphs) {
            for (Node n : g.nodes.values()) {
                Node previous = all.putIfAbsent(n.key(), n);
                if (previous != null && !previous.equals(n) && previous != n) {
                    throw new IllegalArgumentException("cannot merge graphs: key " + n.key() + " has two definitions");
                }
            }
        }
        return new TaskGraph(topologicallyOrdered(all));
    }

    public int size() {
        return nodes.size();
    }

    /** All keys, in dependency order. */
    public Set<String> keys() {
        return nodes.keySet();
    }

    /** All nodes in dependency order, by key. */
    public Map<String, Node> nodes() {
        return nodes;
    }

    public boolean contains(String key) {
        return nodes.containsKey(key);
    }

    /** The node for {@code key}; an unknown key is an {@link IllegalArgumentException} naming it. */
    public Node node(String key) {
        Node n = nodes.get(key);
        if (n == null) throw new IllegalArgumentException("no key " + key + " in this graph of " + size() + " nodes");
        return n;
    }

    /** The tasks (function calls) of the graph, in dependency order. */
    public List<Task> tasks() {
        List<Task> out = new ArrayList<>();
        for (Node n : nodes.values()) if (n instanceof Task t) out.add(t);
        return out;
    }

    /** The keys {@code key} needs. */
    public List<String> dependencies(String key) {
        return node(key).dependencies();
    }

    /** The keys that need {@code key}. */
    public List<String> dependents(String key) {
        node(key);
        return dependentsMap().getOrDefault(key, List.of());
    }

    /** Keys that nothing in the graph depends on: what computing the graph would return. */
    public List<String> outputs() {
        Map<String, List<String>> deps = dependentsMap();
        List<String> out = new ArrayList<>();
        for (String k : nodes.keySet()) if (!deps.containsKey(k)) out.add(k);
        return out;
    }

    /** The subgraph that the given keys need, and nothing else. */
    public TaskGraph cull(Collection<String> wanted) {
        Set<String> keep = new LinkedHashSet<>();
        ArrayDeque<String> stack = new ArrayDeque<>();
        for (String k : wanted) {
            node(k);
            stack.push(k);
        }
        while (!stack.isEmpty()) {
            String k = stack.pop();
            if (keep.add(k)) for (String d : nodes.get(k).dependencies()) stack.push(d);
        }
        LinkedHashMap<String, Node> out = new LinkedHashMap<>();
        for (var e : nodes.entrySet()) if (keep.contains(e.getKey())) out.put(e.getKey(), e.getValue());
        return new TaskGraph(out);
    }

    /** The graph in Graphviz DOT syntax, one box per function call and one circle per value, top down. */
    public String toDot() {
        return visualize(Rankdir.TB).dot();
    }

    /**
     * A picture of the graph, top down: one box per function call labelled with the function's name, one circle
     * per value, arrows for dependencies. {@code svg()}, {@code png()}, {@code dot()}, {@code save(path)}.
     */
    public GraphPicture visualize() {
        return visualize(Rankdir.TB);
    }

    /** A picture of the graph, top down ({@link Rankdir#TB}) or left to right ({@link Rankdir#LR}). */
    public GraphPicture visualize(Rankdir direction) {
        return GraphPictures.picture(this, direction);
    }

    @Override
    public String toString() {
        return "TaskGraph[" + size() + " nodes]";
    }

    private Map<String, List<String>> dependentsMap() {
        Map<String, List<String>> d = dependents;
        if (d == null) {
            Map<String, List<String>> m = new HashMap<>();
            for (Node n : nodes.values()) {
                for (String dep : n.dependencies())
                    m.computeIfAbsent(dep, k -> new ArrayList<>(2)).add(n.key());
            }
            for (var e : m.entrySet()) e.setValue(List.copyOf(e.getValue()));
            dependents = d = Collections.unmodifiableMap(m);
        }
        return d;
    }

    /**
     * Orders nodes so each follows its dependencies (iterative depth-first search). Throws on a dependency that
     * is not a key, and on a cycle, listing the cycle's keys.
     */
    private static LinkedHashMap<String, Node> topologicallyOrdered(Map<String, Node> byKey) {
        LinkedHashMap<String, Node> out = new LinkedHashMap<>(Math.max(16, byKey.size() * 2));
        Map<String, Integer> onStack = new HashMap<>(); // key -> position on the path
        List<String> path = new ArrayList<>();
        ArrayDeque<java.util.Iterator<String>> iterators = new ArrayDeque<>();
        for (String root : byKey.keySet()) {
            if (out.containsKey(root)) continue;
            path.add(root);
            onStack.put(root, 0);
            iterators.push(byKey.get(root).dependencies().iterator());
            while (!iterators.isEmpty()) {
                var it = iterators.peek();
                String current = path.get(path.size() - 1);
                if (it.hasNext()) {
                    String dep = it.next();
                    if (out.containsKey(dep)) continue;
                    Node depNode = byKey.get(dep);
                    if (depNode == null) {
                        throw new IllegalArgumentException(
                                "task " + current + " depends on " + dep + ", which is not in the graph");
                    }
                    Integer at = onStack.get(dep);
                    if (at != null) {
                        List<String> cycle = new ArrayList<>(path.subList(at, path.size()));
                        cycle.add(dep);
                        throw new IllegalArgumentException("the graph has a cycle: " + String.join(" -> ", cycle));
                    }
                    onStack.put(dep, path.size());
                    path.add(dep);
                    iterators.push(depNode.dependencies().iterator());
                } else {
                    iterators.pop();
                    path.remove(path.size() - 1);
                    onStack.remove(current);
                    out.put(current, byKey.get(current));
                }
            }
        }
        return out;
    }
}
