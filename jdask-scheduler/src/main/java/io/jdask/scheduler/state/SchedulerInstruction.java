package io.jdask.scheduler.state;

import io.jdask.protocol.state.Priority;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Something the shell must do after a {@link SchedulerState#handle} call: send a message to one worker
 * ({@link ToWorker}) or to some clients ({@link ToClient}). The state performs nothing itself.
 *
 * <p>Order matters per destination (a {@link CancelCompute} followed by a {@link ComputeTask} of the
 * same key to the same worker must arrive in that order); order across destinations does not.
 * {@link #byWorker} groups while keeping that order.
 */
public sealed interface SchedulerInstruction {

    /** An instruction for exactly one worker. */
    sealed interface ToWorker extends SchedulerInstruction {
        /** The worker's address. */
        String worker();
    }

    /** A report for the clients that want a key. */
    sealed interface ToClient extends SchedulerInstruction {
        /** Ids of the clients to tell; never empty. */
        Set<String> clients();

        String key();
    }

    /**
     * Run {@code key} on {@code worker}.
     *
     * @param runId identifies this assignment; the worker echoes it in TaskFinished, TaskErred and
     *     LongRunning so that answers about an earlier, cancelled run of the same key are told apart
     * @param whoHas for each dependency, the workers holding it (the worker fetches what it lacks)
     * @param nbytes for each dependency, its size in bytes or -1 if unknown
     * @param resources the resources the run holds, as the task's restrictions declare
     */
    record ComputeTask(
            String worker,
            String key,
            long runId,
            Object runSpec,
            Priority priority,
            Map<String, List<String>> whoHas,
            Map<String, Long> nbytes,
            Map<String, Double> resources,
            String stimulusId)
            implements ToWorker {}

    /** Forget these keys: drop their data, or their error. */
    record FreeKeys(String worker, List<String> keys, String stimulusId) implements ToWorker {}

    /** Stop (or never start) running {@code key}; its result is no longer wanted from this worker. */
    record CancelCompute(String worker, String key, String stimulusId) implements ToWorker {}

    /**
     * Work stealing asks the worker running {@code key} to give it up: the worker drops the run {@code runId} if it
     * has not started it and answers with a {@link SchedulerEvent.StealResponse} either way.
     */
    record StealRequest(String worker, String key, long runId, String stimulusId) implements ToWorker {}

    /**
     * The state removed {@code worker} (it was silent past the worker time-to-live, {@code reason} says how long):
     * close its connection, telling it first that it was removed, so that a worker that was only frozen registers
     * again as a new one.
     */
    record DisconnectWorker(String worker, String reason, String stimulusId) implements ToWorker {}

    /**
     * Fetch these keys from their holders and keep them: the scheduler moves them off a retiring worker. The worker
     * reports each copy with AddKeys.
     */
    record AcquireReplicas(String worker, Map<String, List<String>> whoHas, Map<String, Long> nbytes, String stimulusId)
            implements ToWorker {}

    /** The worker's retirement is complete (no task runs there, its data is safe elsewhere): close for good. */
    record RetireWorker(String worker, String stimulusId) implements ToWorker {}

    /**
     * The worker cannot be retired ({@code reason} says why, e.g. no other worker can take its data); it takes tasks
     * again. For the shell, which answers whoever asked.
     */
    record RetirementFailed(String worker, String reason) implements SchedulerInstruction {}

    /** {@code key} is in memory. */
    record KeyInMemory(Set<String> clients, String key, String typeName, long nbytes) implements ToClient {}

    /**
     * {@code key} erred.
     *
     * @param error the error object of the task that failed: the worker's error, a {@link KilledWorker},
     *     or a {@link MissingDependency}
     * @param blamedKey the key that actually failed ({@code key} itself or a dependency)
     */
    record KeyErred(Set<String> clients, String key, Object error, String blamedKey) implements ToClient {}

    /** {@code key} was cancelled and is gone for these clients. */
    record KeyCancelled(Set<String> clients, String key) implements ToClient {}

    /** Every copy of {@code key} was lost and it cannot be recomputed (scattered data, or lost lineage). */
    record KeyLost(Set<String> clients, String key) implements ToClient {}

    /**
     * Every copy of {@code key}, reported in memory before, was lost and it is being computed again: not done any more
     * (Dask's lost-data report). A later KeyInMemory, KeyErred or KeyLost settles it.
     */
    record KeyRecomputing(Set<String> clients, String key) implements ToClient {}

    /**
     * Every worker has been paused by memory for {@link SchedulerConfig#pausedClusterWarningNanos()} while tasks wait:
     * a warning for every connected client, sent once per stall; {@code message} names the workers and their memory.
     * Not a {@link ToClient}: it is about the cluster, not a key.
     */
    record WorkersPaused(Set<String> clients, String message) implements SchedulerInstruction {}

    /**
     * Groups worker instructions by worker, keeping each worker's order; client instructions are
     * skipped. Costs one pass and one list per worker.
     */
    static Map<String, List<ToWorker>> byWorker(List<? extends SchedulerInstruction> instructions) {
        Objects.requireNonNull(instructions, "instructions");
        var out = new LinkedHashMap<String, List<ToWorker>>();
        for (SchedulerInstruction i : instructions) {
            if (i instanceof ToWorker w) {
                out.computeIfAbsent(w.worker(), k -> new ArrayList<>()).add(w);
            }
        }
        return out;
    }

    /**
     * Groups client reports by client id, keeping order; a report for several clients appears under
     * each of them.
     */
    static Map<String, List<ToClient>> byClient(List<? extends SchedulerInstruction> instructions) {
        Objects.requireNonNull(instructions, "instructions");
        var out = new LinkedHashMap<String, List<ToClient>>();
        for (SchedulerInstruction i : instructions) {
            if (i instanceof ToClient c) {
                for (String id : c.clients()) {
                    out.computeIfAbsent(id, k -> new ArrayList<>()).add(c);
                }
            }
        }
        return out;
    }
}
