package io.jdask.local;

import io.jdask.graph.Alias;
import io.jdask.graph.Args;
import io.jdask.graph.DataNode;
import io.jdask.graph.Node;
import io.jdask.graph.Task;
import io.jdask.graph.TaskRef;
import java.util.List;
import java.util.Map;

/**
 * A graph compiled for one local run: nodes numbered in dependency order, dependencies and dependents as int
 * arrays, and for each task the positions of its bare {@link TaskRef} arguments, so that running a task touches no
 * hash map. Immutable; the per-run mutable state lives in the runners.
 */
final class Plan {
    final int size;
    final Node[] nodes;
    /** deps[i]: indices of the distinct nodes node i reads; all smaller than i. */
    final int[][] deps;
    /** Dependents of node i are dependents[dependentsStart[i] .. dependentsStart[i + 1]). */
    final int[] dependentsStart;

    final int[] dependents;
    /** argRefs[i][k]: for a task, the index of argument k's bare TaskRef, or -1; null when it has none. */
    final int[][] argRefs;
    /** Output indices, in the caller's order (repeats allowed). */
    final int[] outputs;
    /** How many times node i is an output. */
    final int[] outputPins;
    /** Key -> index; used only for references nested inside containers. */
    private final Map<String, Integer> index;

    /**
     * {@code nodes} must be in dependency order and closed over their dependencies; {@code index} maps each key to
     * its position (the plan keeps it, for references nested in containers).
     */
    Plan(List<Node> orderedNodes, Map<String, Integer> index, List<String> outputKeys) {
        size = orderedNodes.size();
        nodes = orderedNodes.toArray(new Node[0]);
        this.index = index;
        deps = new int[size][];
        argRefs = new int[size][];
        int[] dependentCount = new int[size + 1];
        for (int i = 0; i < size; i++) {
            List<String> d = nodes[i].dependencies();
            int[] di = new int[d.size()];
            for (int j = 0; j < di.length; j++) {
                Integer at = index.get(d.get(j));
                if (at == null || at >= i) {
                    throw new IllegalArgumentException("task " + nodes[i].key() + " depends on " + d.get(j)
                            + ", which is " + (at == null ? "not in the graph" : "not before it (a cycle?)"));
                }
                di[j] = at;
                dependentCount[at]++;
            }
            deps[i] = di;
            if (nodes[i] instanceof Task t && di.length > 0) {
                int[] refs = null;
                int hint = 0;
                for (int k = 0; k < t.argCount(); k++) {
                    if (t.isRef(k)) {
                        if (refs == null) {
                            refs = new int[t.argCount()];
                            java.util.Arrays.fill(refs, -1);
                        }
                        // The TaskRef and the dependency list share the key's String object, in the same order
                        // for plain calls: look there first, by identity, before hashing.
                        String key = ((TaskRef) t.arg(k)).key();
                        int j = hint < d.size() && d.get(hint) == key ? hint : -1;
                        if (j < 0 && d.size() <= 8) {
                            for (int m = 0; m < d.size(); m++) if (d.get(m) == key) j = m;
                        }
                        refs[k] = j >= 0 ? di[j] : index.get(key);
                        hint = j >= 0 ? j + 1 : hint;
                    }
                }
                argRefs[i] = refs;
            }
        }
        dependentsStart = new int[size + 1];
        for (int i = 0; i < size; i++) dependentsStart[i + 1] = dependentsStart[i] + dependentCount[i];
        dependents = new int[dependentsStart[size]];
        int[] fill = java.util.Arrays.copyOf(dependentsStart, size);
        for (int i = 0; i < size; i++) for (int d : deps[i]) dependents[fill[d]++] = i;
        outputs = new int[outputKeys.size()];
        outputPins = new int[size];
        for (int k = 0; k < outputs.length; k++) {
            Integer at = index.get(outputKeys.get(k));
            if (at == null) throw new IllegalArgumentException("output " + outputKeys.get(k) + " is not in the graph");
            outputs[k] = at;
            outputPins[at]++;
        }
    }

    int dependentCount(int i) {
        return dependentsStart[i + 1] - dependentsStart[i];
    }

    /**
     * Computes node {@code i} from {@code results}, in which all its dependencies are set. Task exceptions
     * propagate as thrown.
     */
    Object evaluate(int i, Object[] results) throws Exception {
        return switch (nodes[i]) {
            case DataNode d -> d.value();
            case Alias a -> results[deps[i][0]];
            case Task t -> t.invoke(resolveArgs(t, i, results));
        };
    }

    private Object[] resolveArgs(Task t, int i, Object[] results) {
        int n = t.argCount();
        Object[] args = new Object[n];
        int[] refs = argRefs[i];
        for (int k = 0; k < n; k++) {
            if (refs != null && refs[k] >= 0) {
                args[k] = results[refs[k]];
            } else if (t.isNestedRef(k)) {
                args[k] = Args.rewrite(t.arg(k), o -> o instanceof TaskRef r ? results[index.get(r.key())] : Args.KEEP);
            } else {
                args[k] = t.arg(k);
            }
        }
        return args;
    }
}
