package io.jdask.protocol;

import java.util.List;
import java.util.Map;

/** Messages the scheduler sends, to clients (reports) and to workers (work). */
public sealed interface SchedulerMsg extends Message {

    // ---- to clients ----

    /** The scheduler accepted a client and names it. */
    record ClientWelcome(String clientId, String schedulerId, String dashboardLink) implements SchedulerMsg {}

    /** A task of a key this client wants started running on a worker. */
    record KeyRunning(String key) implements SchedulerMsg {}

    /**
     * A key this client wants is in memory on {@code holders}; {@code inlineValue} is the serialized value when the
     * worker sent it along (small values), else null.
     */
    record KeyInMemory(String key, String typeName, long nbytes, List<String> holders, byte[] inlineValue)
            implements SchedulerMsg {}

    /** A key this client wants erred; {@code blamedKey} is the task that raised (this key or a dependency). */
    record KeyErred(
            String key, String blamedKey, byte[] exception, String exceptionType, String message, String traceback)
            implements SchedulerMsg {}

    /** A key this client wants was cancelled. */
    record KeyCancelled(String key, String reason) implements SchedulerMsg {}

    /** A key's data was lost and cannot be recomputed. */
    record KeyLost(String key, String reason) implements SchedulerMsg {}

    /**
     * A key this client wants, reported in memory before, lost every copy of its data with its workers and is being
     * computed again: it is pending until a {@link KeyInMemory}, {@link KeyErred} or {@link KeyLost} follows.
     */
    record KeyRecomputing(String key) implements SchedulerMsg {}

    /** Answer to {@link ClientMsg.ClusterInfoRequest}: workers and their threads, and what each holds. */
    record ClusterInfo(long requestId, Map<String, Integer> nthreads, Map<String, List<String>> hasWhat)
            implements SchedulerMsg {}

    /**
     * A worker needs one of this client's classes (the scheduler relays the worker's {@link WorkerMsg.FetchClass});
     * answer with {@link ClientMsg.ClassBytesForWorker}.
     */
    record FetchClassForWorker(long requestId, String worker, String className) implements SchedulerMsg {}

    /** Generic answer to a request: {@code error} is null on success. */
    record Ack(long requestId, String error) implements SchedulerMsg {}

    /**
     * Answer to {@link ClientMsg.Coordinate}: {@code value}/{@code futureKey} for operations returning a value (the
     * client already wants {@code futureKey} when this arrives), {@code number} for sizes and flags, {@code error}
     * when {@link CoordOutcome#FAILED}.
     */
    record CoordReply(long requestId, CoordOutcome outcome, byte[] value, String futureKey, long number, String error)
            implements SchedulerMsg {}

    /** A value published on {@code topic}, for the client's subscription {@code subscriber}. */
    record TopicMessage(String topic, String subscriber, byte[] value) implements SchedulerMsg {}

    /** Answer to {@link ClientMsg.TaskStreamRequest}: the matching entries, oldest first. */
    record TaskStreamReply(long requestId, List<TaskStreamEntry> entries) implements SchedulerMsg {}

    /**
     * One run of a task as its worker reported it: times are the worker's wall clock in microseconds since the
     * epoch, {@code thread} its task thread slot (-1 if unknown), {@code erred} whether the task raised.
     */
    record TaskStreamEntry(String key, String worker, int thread, long startMicros, long stopMicros, boolean erred) {}

    /**
     * Answer to {@link ClientMsg.ProfileRequest}: each worker's profile by address. Workers that did not answer in
     * time are missing from the map.
     */
    record ProfileReply(long requestId, Map<String, WorkerMsg.ProfileData> byWorker) implements SchedulerMsg {}

    /**
     * Lines that this client's tasks wrote or logged on the worker named {@code worker} (a worker's {@link
     * WorkerMsg.TaskOutput} relayed), for the client to print.
     */
    record TaskOutput(String worker, List<WorkerMsg.OutputLine> lines) implements SchedulerMsg {}

    /**
     * Answer to {@link ClientMsg.RunOnWorkers} or {@link ClientMsg.RegisterPlugin}: each worker's outcome by address;
     * {@code missing} lists the workers asked that left or did not answer within the scheduler's time limit.
     */
    record RunReply(long requestId, Map<String, WorkerMsg.RunOutcome> byWorker, List<String> missing)
            implements SchedulerMsg {}

    // ---- to workers ----

    /**
     * Asks for the worker's profile (one hop of a client's {@link ClientMsg.ProfileRequest}, or the dashboard's);
     * answered by {@link WorkerMsg.WorkerProfileReply} with the same id.
     */
    record WorkerProfileRequest(long requestId) implements SchedulerMsg {}

    /** The scheduler accepted a worker. */
    record WorkerWelcome(String schedulerId) implements SchedulerMsg {}

    /**
     * Compute {@code key}. {@code clientId} is whose code {@code runSpec} holds (where to fetch missing classes);
     * {@code whoHas} lists holders of dependencies, {@code nbytes} every dependency's size; smaller
     * {@code priority} runs first. {@code runId} identifies this assignment: the worker echoes it in
     * {@link WorkerMsg.TaskFinished}, {@link WorkerMsg.TaskErred} and {@link WorkerMsg.LongRunning}, so a late
     * answer for an earlier, cancelled assignment of the same key is recognised and ignored.
     */
    record ComputeTask(
            String key,
            long runId,
            byte[] runSpec,
            String clientId,
            long[] priority,
            Map<String, List<String>> whoHas,
            Map<String, Long> nbytes,
            Map<String, Double> resources,
            String stimulusId)
            implements SchedulerMsg {}

    /** The worker may drop these keys (and forget their tasks). */
    record FreeKeys(List<String> keys, String stimulusId) implements SchedulerMsg {}

    /** Stop computing {@code key} if it has not finished. */
    record CancelCompute(String key, String stimulusId) implements SchedulerMsg {}

    /**
     * Work stealing: give up run {@code runId} of {@code key} if it has not started; answer with
     * {@link WorkerMsg.StealResponse} either way.
     */
    record StealRequest(String key, long runId, String stimulusId) implements SchedulerMsg {}

    /** The current holders of keys a worker asked about ({@link WorkerMsg.RequestWhoHas}). */
    record RefreshWhoHas(Map<String, List<String>> whoHas, String stimulusId) implements SchedulerMsg {}

    /**
     * The bytes of a client's class that a worker asked for ({@link WorkerMsg.FetchClass}), with static field values
     * to restore: the client's {@link ClientMsg.ClassBytesForWorker} relayed, or null bytes when no client can answer.
     */
    record ClassBytes(long requestId, String clientId, String className, byte[] bytes, Map<String, byte[]> staticState)
            implements SchedulerMsg {}

    /**
     * Static field values of {@code clientId}'s classes to apply where those classes are loaded already (a client's
     * {@link ClientMsg.StaticStateForWorkers} relayed to every worker).
     */
    record StaticState(String clientId, Map<String, Map<String, byte[]>> fields) implements SchedulerMsg {}

    /**
     * Classes of {@code clientId} for the worker to define when its tasks need them (a client's
     * {@link ClientMsg.PushClasses} relayed); they arrive before the tasks that use them.
     */
    record PushedClasses(String clientId, List<ClientMsg.ClassFile> classes) implements SchedulerMsg {}

    /** A jar to add to the worker's class path. */
    record AddJar(String name, byte[] bytes) implements SchedulerMsg {}

    /** Shut down (e.g. on scale-down or restart); a restarted worker process is replaced by its nanny. */
    record CloseWorker(String reason) implements SchedulerMsg {}

    /**
     * A warning about the cluster for the user (today: every worker has been paused by memory for a while with work
     * waiting); the client logs it.
     */
    record ClusterWarning(String message) implements SchedulerMsg {}

    /**
     * The scheduler removed this worker (why: {@code reason}, e.g. it was silent past the worker time-to-live) and ran
     * its tasks elsewhere; the connection closes after this. A worker that reads it is alive after all: it drops every
     * task and value it holds and registers again as a new worker.
     */
    record WorkerRemoved(String reason) implements SchedulerMsg {}

    /**
     * Output of tasks of {@code clientId} that the scheduler could not relay (that client is gone): the worker writes
     * it to its own log, so it is never lost silently.
     */
    record OutputUndelivered(String clientId, List<WorkerMsg.OutputLine> lines) implements SchedulerMsg {}

    /**
     * Run {@code fn} (a serialized {@code Fn0} of {@code clientId}, {@link ClientMsg.RunOnWorkers} relayed) once, now,
     * off the worker's loop; answer with {@link WorkerMsg.RunResult} and the same id.
     */
    record RunOnWorker(long requestId, String clientId, byte[] fn) implements SchedulerMsg {}

    /**
     * Set up the worker plugin {@code name} (a serialized {@code WorkerPlugin} of {@code clientId}), replacing (tearing
     * down) one of the same name; answer with {@link WorkerMsg.RunResult} and the same id unless {@code requestId} is
     * 0 (sent to a worker that joined after the plugin was registered: nobody waits).
     */
    record SetupPlugin(long requestId, String clientId, String name, byte[] plugin) implements SchedulerMsg {}

    /**
     * Fetch these keys from the listed holders and keep them (the scheduler moves data off a retiring worker); each
     * copy that arrives is reported with {@link WorkerMsg.AddKeys}. {@code nbytes} are the sizes the scheduler knows.
     */
    record AcquireReplicas(Map<String, List<String>> whoHas, Map<String, Long> nbytes, String stimulusId)
            implements SchedulerMsg {}

    /**
     * The worker was retired: its data is safe elsewhere, so close for good; a worker process then exits with
     * {@code WorkerServer.EXIT_RETIRED}, which tells its nanny not to start it again.
     */
    record RetireWorker(String reason) implements SchedulerMsg {}

    /** The answer to {@link ClientMsg.AdaptiveTargetRequest}: the workers wanted, and idle ones that could be retired. */
    record AdaptiveTargetReply(long requestId, int workers, List<String> toClose) implements SchedulerMsg {}
}
