package io.jdask.scheduler;

import io.jdask.protocol.SchedulerMsg.TaskStreamEntry;
import java.util.List;
import java.util.Map;

/**
 * What the scheduler knew at one instant, for the dashboard and for scripts: made on the scheduler's loop thread
 * (the only thread that may read its state) and immutable afterwards, so any thread may read it at leisure.
 * Obtain one with {@link SchedulerServer#snapshot()}.
 *
 * @param timeMicros when it was taken: the scheduler's wall clock in microseconds since the epoch
 * @param clients connected clients
 * @param workers the registered workers, in join order
 * @param taskCounts known tasks per state, by the lower-case name of the state ({@code "memory"},
 *     {@code "processing"}, ...; every state but {@code forgotten} is present)
 * @param progress per function name (a key's text before its last {@code '-'}), sorted by name
 * @param taskStream the task stream of the last {@link #STREAM_WINDOW_MICROS} (at most
 *     {@link #STREAM_MAX_ENTRIES} entries), oldest first
 * @param taskStreamTotal tasks ever reported finished or erred, including those no longer held
 * @param totals per function name, the tasks ever finished or erred and their compute time (counters that only grow)
 * @param transfers copies of values workers fetched from other workers, ever (as they reported them)
 * @param transferBytes their sizes in bytes, as the scheduler knows them
 */
public record ClusterSnapshot(
        long timeMicros,
        int clients,
        List<WorkerSnapshot> workers,
        Map<String, Long> taskCounts,
        List<PrefixProgress> progress,
        List<TaskStreamEntry> taskStream,
        long taskStreamTotal,
        List<PrefixTotals> totals,
        long transfers,
        long transferBytes) {

    /** How far back the task stream of a snapshot reaches: 10 s. */
    public static final long STREAM_WINDOW_MICROS = 10_000_000L;

    /** At most this many task stream entries go into one snapshot. */
    public static final int STREAM_MAX_ENTRIES = 5_000;

    public ClusterSnapshot {
        workers = List.copyOf(workers);
        taskCounts = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(taskCounts)); // keeps order
        progress = List.copyOf(progress);
        taskStream = List.copyOf(taskStream);
        totals = List.copyOf(totals);
    }

    /** Without the cumulative totals (all zero). */
    public ClusterSnapshot(
            long timeMicros,
            int clients,
            List<WorkerSnapshot> workers,
            Map<String, Long> taskCounts,
            List<PrefixProgress> progress,
            List<TaskStreamEntry> taskStream,
            long taskStreamTotal) {
        this(timeMicros, clients, workers, taskCounts, progress, taskStream, taskStreamTotal, List.of(), 0, 0);
    }

    /** Known (not forgotten) tasks. */
    public long taskCount() {
        long n = 0;
        for (long c : taskCounts.values()) {
            n += c;
        }
        return n;
    }

    /**
     * One worker as the scheduler sees it.
     *
     * @param processing tasks assigned to it (running, or queued in its own ready queue)
     * @param heldKeys results it holds
     * @param heldBytes their size in bytes (unknown sizes count as the scheduler's default size)
     * @param memoryLimit its memory limit in bytes, 0 if none
     * @param managedBytes sizes of the values it keeps in memory, as it last reported them; -1 before its first report
     * @param spilledBytes sizes of the values it spilled to disk, as last reported; -1 before its first report
     * @param heapBytes its JVM heap in use, as last reported; -1 when unknown (a worker sharing its JVM)
     * @param paused whether it is paused (memory past its pause fraction): no new task goes to it
     */
    public record WorkerSnapshot(
            String address,
            String name,
            int nthreads,
            int processing,
            int heldKeys,
            long heldBytes,
            long memoryLimit,
            long managedBytes,
            long spilledBytes,
            long heapBytes,
            boolean paused) {
        /** A worker that has not reported its memory. */
        public WorkerSnapshot(
                String address,
                String name,
                int nthreads,
                int processing,
                int heldKeys,
                long heldBytes,
                long memoryLimit) {
            this(address, name, nthreads, processing, heldKeys, heldBytes, memoryLimit, -1, -1, -1, false);
        }
    }

    /**
     * The tasks of one function name, by where they stand. {@code total} is every known task of the name; a task
     * counts as done while its result is in {@code memory}.
     */
    public record PrefixProgress(String name, long total, long waiting, long processing, long memory, long erred) {}

    /**
     * The tasks of one function name ever reported: finished, erred, and the time their function calls took
     * (microseconds, start to stop on the worker). Counters: they only grow while the scheduler runs.
     */
    public record PrefixTotals(String name, long finished, long erred, long computeMicros) {}
}
