package io.jdask.scheduler.state;

import java.util.Map;
import java.util.Set;

/**
 * A read-only, live view of one connected worker; same rules as {@link TaskView}. Counts are free,
 * key sets are copied.
 */
public interface WorkerView {
    String address();

    String name();

    int nthreads();

    long memoryLimitBytes();

    /** Resources it declared. */
    Map<String, Double> resources();

    /** Resources currently held by its processing tasks. */
    Map<String, Double> usedResources();

    /** Tasks assigned to it, including long-running ones. */
    int processingCount();

    /** Tasks that seceded and no longer occupy a thread slot. */
    int longRunningCount();

    /** How many queued root-ish tasks it may run or hold at once now (more while its tasks are short). */
    int rootTaskSlots();

    /** Sum of the duration estimates of its processing tasks, in nanoseconds. */
    long occupancyNanos();

    /** Number of results it holds. */
    int heldCount();

    /** Bytes of results it holds (unknown sizes count as the default data size). */
    long heldBytes();

    Set<String> processingKeys();

    /** Whether the worker is paused (memory past its pause fraction): the scheduler places no new task on it. */
    boolean paused();

    /** Whether the worker is being retired: the scheduler places no new task on it and moves its data away. */
    boolean retiring();

    /** Sizes of the values it keeps in memory, as it last reported them; -1 before its first report. */
    long managedBytes();

    /** Sizes of the values it spilled to disk, as it last reported them; -1 before its first report. */
    long spilledBytes();

    /** Its JVM heap in use as last reported; -1 when unknown (a worker sharing its JVM cannot tell). */
    long heapBytes();

    Set<String> heldKeys();

    /** When the scheduler last heard from it (the {@code now} of its latest event); see the worker time-to-live. */
    long lastSeenNanos();
}
