package io.jdask.local;

import io.jdask.TaskFailedException;
import io.jdask.graph.Node;
import io.jdask.graph.TaskGraph;
import java.util.List;
import java.util.Map;

/**
 * The schedulers that run a graph inside this JVM: {@code Scheduler.SYNC} ({@link SyncRun}: the calling thread,
 * one task after another, the reference the others are tested against) and {@code Scheduler.THREADS}
 * ({@link ThreadedRun}: a work-stealing pool). Both run a task as soon as its inputs are ready (SYNC in
 * dependency order), drop an intermediate result as soon as no remaining task needs it, retry failing tasks, and
 * stop at the first failure with a {@link TaskFailedException} naming the key.
 */
public final class LocalScheduler {
    private LocalScheduler() {}

    /**
     * Runs the nodes that the outputs need and returns the outputs' values in order.
     *
     * @param orderedNodes every node the outputs need, each after its dependencies
     * @param sync run in the calling thread instead of a pool
     * @param threads the pool size (ignored when {@code sync})
     * @param retries how many times a failing task is run again
     */
    public static Object[] compute(
            Map<String, Node> orderedNodes, List<String> outputs, boolean sync, int threads, int retries) {
        List<Node> nodes = new java.util.ArrayList<>(orderedNodes.values());
        Map<String, Integer> index = new java.util.HashMap<>(nodes.size() * 2);
        for (int i = 0; i < nodes.size(); i++) index.put(nodes.get(i).key(), i);
        return compute(nodes, index, outputs, sync, threads, retries);
    }

    /**
     * As above, for a caller that already numbered the nodes: {@code index} maps each node's key to its position
     * in {@code nodes}, which is in dependency order.
     */
    public static Object[] compute(
            List<Node> nodes,
            Map<String, Integer> index,
            List<String> outputs,
            boolean sync,
            int threads,
            int retries) {
        Plan plan = new Plan(nodes, index, outputs);
        return sync ? new SyncRun(plan, retries).run() : new ThreadedRun(plan, retries, LocalPools.pool(threads)).run();
    }

    /** Runs a hand-built graph: only what {@code outputs} need. */
    public static Object[] compute(TaskGraph graph, List<String> outputs, boolean sync, int threads, int retries) {
        return compute(graph.cull(outputs).nodes(), outputs, sync, threads, retries);
    }
}
