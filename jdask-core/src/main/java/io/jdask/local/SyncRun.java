package io.jdask.local;

import io.jdask.TaskFailedException;
import io.jdask.graph.Task;
import java.util.concurrent.CancellationException;

/**
 * {@code Scheduler.SYNC}: every node in the calling thread, in dependency order. Deliberately the simplest
 * correct executor: property tests compare the threaded one against it.
 */
final class SyncRun {
    private final Plan plan;
    private final int retries;

    SyncRun(Plan plan, int retries) {
        this.plan = plan;
        this.retries = retries;
    }

    Object[] run() {
        int n = plan.size;
        Object[] results = new Object[n];
        int[] holds = new int[n];
        for (int i = 0; i < n; i++) holds[i] = plan.dependentCount(i) + plan.outputPins[i];
        for (int i = 0; i < n; i++) {
            if (Thread.currentThread().isInterrupted()) {
                throw new CancellationException("computation interrupted before " + plan.nodes[i].key());
            }
            results[i] = evaluateWithRetries(i, results);
            for (int d : plan.deps[i]) if (--holds[d] == 0) results[d] = null;
        }
        Object[] out = new Object[plan.outputs.length];
        for (int k = 0; k < out.length; k++) out[k] = results[plan.outputs[k]];
        return out;
    }

    private Object evaluateWithRetries(int i, Object[] results) {
        for (int attempt = 0; ; attempt++) {
            try {
                return plan.evaluate(i, results);
            } catch (Throwable t) {
                if (attempt < retries && plan.nodes[i] instanceof Task && !(t instanceof InterruptedException)) {
                    continue;
                }
                if (t instanceof InterruptedException) Thread.currentThread().interrupt();
                throw new TaskFailedException(plan.nodes[i].key(), t);
            }
        }
    }
}
