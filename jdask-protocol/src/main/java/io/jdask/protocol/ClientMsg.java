package io.jdask.protocol;

import java.util.List;
import java.util.Map;

/**
 * Messages a client sends to the scheduler.
 *
 * <p>User code and values never appear as objects here: a task's function and arguments travel as
 * {@code runSpec} bytes made by {@link Serializer}, opaque to the scheduler, and opened only on the worker that runs
 * the task (with the class loader that can fetch the client's classes).
 */
public sealed interface ClientMsg extends Message {

    /**
     * A client message the scheduler answers, relays or carries out itself; every other client message changes what
     * its state machine knows (tasks and who wants them). The scheduler's translator tells the two kinds apart by
     * type, so a new message must say which it is.
     */
    sealed interface Request extends ClientMsg {}

    /**
     * Options of tasks in an {@link UpdateGraph}: a higher {@code priority} runs first; {@code retries} is how many
     * errors on a worker are retried; {@code workers} (names or addresses, empty for any) and {@code resources}
     * restrict where the task may run, {@code allowOtherWorkers} lets it fall back to any worker.
     */
    record TaskOptions(
            int priority, int retries, List<String> workers, boolean allowOtherWorkers, Map<String, Double> resources) {
        /** No priority, no retries, no restriction. */
        public static final TaskOptions NONE = new TaskOptions(0, 0, List.of(), false, Map.of());
    }

    /**
     * New tasks, and the keys this client wants (holds futures of), in columns: a graph of a million tasks is a few
     * arrays and one list of keys, not a million objects each holding lists (issue 17). Build one with {@link
     * GraphMessage}, which also documents the layout; in short, for task {@code i} of {@code keys}:
     *
     * <ul>
     *   <li>its dependencies are {@code dependencies[dependencyEnds[i - 1] .. dependencyEnds[i])} (from 0 for the
     *       first task), each a <em>reference</em>: {@code r >= 0} is the task {@code keys[r]} of this message, {@code
     *       r < 0} the key {@code knownKeys[-r - 1]}, which the scheduler must know already;
     *   <li>its run spec is {@code runSpecs[runSpecEnds[i - 1] .. runSpecEnds[i])};
     *   <li>its options are {@code options[optionOf[i]]}, or {@code options[0]} for every task when {@code optionOf}
     *       is empty (the usual case: one submission, one set of options);
     * </ul>
     *
     * and {@code wanted} holds references (same encoding) to the keys the client wants. Keys come in the order the
     * client made them, dependencies first, which is also their order of priority among equals.
     */
    record UpdateGraph(
            List<String> keys,
            int[] dependencyEnds,
            int[] dependencies,
            List<String> knownKeys,
            byte[] runSpecs,
            int[] runSpecEnds,
            List<TaskOptions> options,
            int[] optionOf,
            int[] wanted)
            implements ClientMsg {}

    /** The client dropped its last future of these keys. */
    record ReleaseKeys(List<String> keys) implements ClientMsg {}

    /** The client wants these keys again (a future was re-created for a key it had released). */
    record DesireKeys(List<String> keys) implements ClientMsg {}

    /** Cancel these keys' tasks. */
    record CancelKeys(List<String> keys) implements ClientMsg {}

    /** Run these erred keys (and their erred dependencies) again. */
    record RetryKeys(List<String> keys) implements ClientMsg {}

    /** Keep these keys computing and in memory even if no client wants them. */
    record FireAndForget(List<String> keys) implements ClientMsg {}

    /** Values the client has put on workers directly ({@link DataMsg.PutData}): who holds them and how big. */
    record ScatterDone(Map<String, List<String>> whoHas, Map<String, Long> nbytes) implements ClientMsg {}

    /** Asks for the workers, their threads and the keys they hold. Answered by {@link SchedulerMsg.ClusterInfo}. */
    record ClusterInfoRequest(long requestId) implements Request {}

    /**
     * The bytes of a class a worker asked for ({@link SchedulerMsg.FetchClassForWorker}); null bytes when the client has no
     * such class. {@code staticState} holds serialized values of static fields the worker must see (a notebook
     * cell's variables), by field name.
     */
    record ClassBytesForWorker(
            long requestId, String worker, String className, byte[] bytes, Map<String, byte[]> staticState)
            implements Request {}

    /**
     * New values of static fields of this client's classes that workers may have loaded already (a notebook
     * cell assigned a variable of an earlier cell): class name -> field name -> serialized value. Sent before the
     * tasks that may read them; relayed to every worker as {@link SchedulerMsg.StaticState}.
     */
    record StaticStateForWorkers(Map<String, Map<String, byte[]>> fields) implements Request {}

    /**
     * A class file of this client's for workers to define without asking for it: {@code bytes} is the class file,
     * {@code staticState} the serialized values of its static fields (a notebook cell's variables), by field name.
     */
    record ClassFile(String name, byte[] bytes, Map<String, byte[]> staticState) {}

    /**
     * Classes that no worker can have (defined in memory on the client: notebook cells, generated code), sent ahead of
     * the first task that needs them so that a worker defines them when asked instead of fetching them one by one
     * ({@link SchedulerMsg.FetchClassForWorker}). Relayed to every worker as {@link SchedulerMsg.PushedClasses}, now
     * and when one joins later; sent before the tasks that use them, on the same connection.
     */
    record PushClasses(List<ClassFile> classes) implements Request {}

    /** A jar every worker should load, now and when joining later. */
    record UploadJar(String name, byte[] bytes) implements Request {}

    /** Restart every worker; answered by {@link SchedulerMsg.Ack}. */
    record RestartWorkers(long requestId) implements Request {}

    /** An operation on a coordination primitive; answered by {@link SchedulerMsg.CoordReply} with {@code requestId}. */
    record Coordinate(long requestId, CoordOp op) implements Request {}

    /** The client stopped waiting for request {@code requestId} (interrupted): drop its parked wait. */
    record CancelWait(long requestId) implements Request {}

    /**
     * Asks for the task stream: the scheduler's record of recently run tasks (the last 10,000 or so) that stopped at
     * or after {@code sinceMicros} (wall clock, microseconds since the epoch; 0 for all). Answered by
     * {@link SchedulerMsg.TaskStreamReply}.
     */
    record TaskStreamRequest(long requestId, long sinceMicros) implements Request {}

    /**
     * Asks for the statistical profile of every worker's task threads; the scheduler gathers them and answers with
     * {@link SchedulerMsg.ProfileReply}.
     */
    record ProfileRequest(long requestId) implements Request {}

    /**
     * Sent every second or so by a client connected over the network: it is alive. The scheduler drops a client it has
     * not heard from (this or anything else) for the client time-to-live, releasing its futures.
     */
    record Heartbeat() implements Request {}

    /**
     * Run {@code fn} (a serialized {@code Fn0}) once on every worker now; answered by {@link SchedulerMsg.RunReply}
     * with the same id once every worker answered or left.
     */
    record RunOnWorkers(long requestId, byte[] fn) implements Request {}

    /**
     * Register a worker plugin (a serialized {@code WorkerPlugin}) under {@code name}, replacing one of that name: set
     * up on every worker now (answered by {@link SchedulerMsg.RunReply}) and on every worker that joins later.
     */
    record RegisterPlugin(long requestId, String name, byte[] plugin) implements Request {}

    /**
     * Retire these workers (addresses) gracefully: no new tasks, their unique data copied to other workers, then closed
     * for good; answered by {@link SchedulerMsg.Ack} once they have left, or with an error.
     */
    record RetireWorkers(long requestId, List<String> addresses) implements Request {}

    /**
     * Asks how many workers the work known now calls for to finish within {@code targetDurationNanos}, and which idle
     * workers could go (Dask's adaptive_target); answered by {@link SchedulerMsg.AdaptiveTargetReply}.
     */
    record AdaptiveTargetRequest(long requestId, long targetDurationNanos) implements Request {}

    /**
     * A nanny in another process ({@code jdask worker --nworkers N}) says why its worker process {@code pid} ended:
     * the scheduler puts it on that worker's removal (its tasks' KilledWorker errors), as for LocalCluster's nanny.
     */
    record WorkerExited(long pid, String cause) implements Request {}
}
