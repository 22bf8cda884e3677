package io.jdask.scheduler.state;

import io.jdask.protocol.state.Priority;
import java.util.Set;

/**
 * A read-only, live view of one task, for the shell, tests and the dashboard. Read it on the thread
 * that owns the {@link SchedulerState}, between {@code handle} calls; once the task is forgotten the
 * view is stale (its state reads {@link SchedulerTaskState#FORGOTTEN}). Accessors returning sets copy them;
 * the others are free.
 */
public interface TaskView {
    String key();

    SchedulerTaskState state();

    /** Keys of the tasks this one needs. */
    Set<String> dependencies();

    /** Keys of the known tasks that need this one. */
    Set<String> dependents();

    /** Addresses of the workers holding the result; empty unless {@link SchedulerTaskState#MEMORY}. */
    Set<String> whoHas();

    /** Ids of the clients that want the result. */
    Set<String> whoWants();

    /** Address of the worker running it while {@link SchedulerTaskState#PROCESSING}, else null. */
    String processingOn();

    Priority priority();

    /** Run id of the latest {@link SchedulerInstruction.ComputeTask} for it (0 if never assigned). */
    long runId();

    /** Worker errors that will still be retried. */
    int retriesLeft();

    /** How many workers died while running it. */
    int suspiciousCount();

    /** The error while {@link SchedulerTaskState#ERRED}, else null; for a task blamed on a dependency, that one's error. */
    Object erredReason();

    /** The key that failed while {@link SchedulerTaskState#ERRED} (itself or a dependency), else null. */
    String erredBlame();

    /** Size of the result in bytes, or -1 when unknown. */
    long nbytes();

    /** The result's type name, or "" when unknown. */
    String typeName();

    /** False for scattered data, which cannot be recomputed. */
    boolean hasRunSpec();
}
