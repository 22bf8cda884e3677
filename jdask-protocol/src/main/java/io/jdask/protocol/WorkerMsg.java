package io.jdask.protocol;

import java.util.List;
import java.util.Map;

/** Messages a worker sends to the scheduler. */
public sealed interface WorkerMsg extends Message {

    /**
     * A worker message the scheduler answers, relays or reports on itself; every other worker message (but
     * {@link RegisterWorker}, which makes a connection a worker) is an event for its state machine. The scheduler's
     * translator tells the kinds apart by type, so a new message must say which it is.
     */
    sealed interface Request extends WorkerMsg {}

    /** The first message of a worker: where peers reach it and what it offers. */
    record RegisterWorker(
            String address, String name, int nthreads, long memoryLimit, Map<String, Double> resources, long pid)
            implements WorkerMsg {}

    /** A worker thread started running the task (so clients can tell RUNNING from PENDING). */
    record TaskStarted(String key) implements Request {}

    /**
     * The task succeeded ({@code runId} echoes the {@link SchedulerMsg.ComputeTask} it answers). {@code inlineValue}
     * carries the serialized result when it is small, so the scheduler can hand it to the clients that want it
     * without a fetch from this worker; null otherwise. {@code startNanos}/{@code stopNanos} are the worker's wall
     * clock (nanoseconds since the epoch) around the function call, {@code thread} the worker's task thread slot
     * (0 .. nthreads-1, higher while tasks secede) that ran it: the task stream draws one row per slot.
     */
    record TaskFinished(
            String key,
            long runId,
            long nbytes,
            String typeName,
            long startNanos,
            long stopNanos,
            int thread,
            byte[] inlineValue,
            String stimulusId)
            implements WorkerMsg {}

    /**
     * The task raised: the exception serialized, and its stack trace as text (also when it cannot be opened).
     * {@code startNanos}/{@code stopNanos}/{@code thread} as in {@link TaskFinished}; 0, 0, -1 when the task failed
     * before its function was called (e.g. its code could not be loaded).
     */
    record TaskErred(
            String key,
            long runId,
            byte[] exception,
            String exceptionType,
            String message,
            String traceback,
            long startNanos,
            long stopNanos,
            int thread,
            String stimulusId)
            implements WorkerMsg {}

    /** This worker now holds replicas of these keys. */
    record AddKeys(List<String> keys, String stimulusId) implements WorkerMsg {}

    /** This worker dropped its copy of a key. */
    record ReleaseWorkerData(String key, String stimulusId) implements WorkerMsg {}

    /** Nobody this worker knows holds these keys any more; the scheduler should say who does. */
    record RequestWhoHas(List<String> keys, String stimulusId) implements Request {}

    /** The task seceded from its thread (it waits on other tasks) and no longer occupies a slot. */
    record LongRunning(String key, long runId, String stimulusId) implements WorkerMsg {}

    /**
     * The answer to a {@link SchedulerMsg.StealRequest}: {@code released} when the worker had not started run
     * {@code runId} and dropped it; {@code state} is the task's state on the worker when the request came.
     */
    record StealResponse(String key, long runId, boolean released, String state, String stimulusId)
            implements WorkerMsg {}

    /** A peer that the scheduler listed as holding {@code key} did not have it. */
    record MissingData(String key, String erringWorker, String stimulusId) implements WorkerMsg {}

    /**
     * How full the worker's memory is, sent when it changed (a pause or unpause at once, sizes at most twice a
     * second). {@code managedBytes} are the sizes of the stored values kept in memory, {@code spilledBytes} those on
     * disk, {@code heapBytes} the JVM heap in use (-1 when the worker shares its JVM and cannot tell its own part);
     * {@code paused} says the worker starts no new task until its memory is below the pause fraction again.
     * {@code exitReason} is non-empty only in the last report of a worker that is about to exit because its memory
     * passed the terminate fraction.
     */
    record MemoryStatus(
            long managedBytes,
            long spilledBytes,
            int spilledCount,
            long heapBytes,
            boolean paused,
            String exitReason,
            String stimulusId)
            implements WorkerMsg {}

    /** The worker needs a class of the client that submitted a task; forwarded to that client. */
    record FetchClass(long requestId, String clientId, String className) implements Request {}

    /**
     * Answer to {@link SchedulerMsg.WorkerProfileRequest}: this worker's statistical profile of its task threads since it
     * started, as a call tree.
     */
    record WorkerProfileReply(long requestId, ProfileData profile) implements Request {}

    /**
     * A call tree in preorder, flat so it travels as three arrays: node {@code i} is the frame {@code frames[i]},
     * seen in {@code counts[i]} samples (its own and its callees'), called by node {@code parents[i]} ({@code -1}
     * for the root, which is node 0 when the tree is not empty). Parents always come before their children.
     */
    record ProfileData(List<String> frames, int[] parents, long[] counts) {}

    /**
     * Sent every second or so while the worker is connected: it is alive (the scheduler removes a worker it has not
     * heard from for the worker time-to-live; any message counts), with what it is doing and holding now: tasks
     * occupying a thread ({@code executing}), tasks waiting for one ({@code ready}), the sizes of the values it keeps
     * in memory and on disk, and its heap in use (-1 when it shares its JVM and cannot tell).
     */
    record Heartbeat(int executing, int ready, long managedBytes, long spilledBytes, long heapBytes)
            implements WorkerMsg {}

    /**
     * Lines that tasks of {@code clientId} wrote to {@code System.out}/{@code System.err} or logged on this worker
     * (named {@code workerName}), in the order written per task, for the scheduler to relay to that client as {@link
     * SchedulerMsg.TaskOutput}. Sent in batches, at most every 50 ms, and before the outcome of a task that wrote them.
     */
    record TaskOutput(String clientId, String workerName, List<OutputLine> lines) implements Request {}

    /** One line of a task's output: {@code key} the task, {@code error} for its error stream and logs, no line end. */
    record OutputLine(String key, boolean error, String text) {}

    /**
     * The answer to {@link SchedulerMsg.RunOnWorker} or {@link SchedulerMsg.SetupPlugin} with the same id: what the
     * function returned, or how it or the plugin's setup failed.
     */
    record RunResult(long requestId, RunOutcome outcome) implements Request {}

    /**
     * How a function run on a worker ended: {@code value} is its serialized result when it returned (null for a
     * plugin's setup); otherwise {@code exception} (serialized, may be null when it could not be), its type, message
     * and stack trace as text.
     */
    record RunOutcome(
            boolean ok, byte[] value, byte[] exception, String exceptionType, String message, String traceback) {}
}
