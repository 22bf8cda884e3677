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

    /** One task of an {@link UpdateGraph}. {@code dependencies} are keys the task reads (existing or in the update). */
    record GraphTask(
            String key,
            List<String> dependencies,
            byte[] runSpec,
            int priority,
            int retries,
            List<String> workers,
            boolean allowOtherWorkers,
            Map<String, Double> resources) {}

    /** New tasks, and the keys this client wants (holds futures of). */
    record UpdateGraph(List<GraphTask> tasks, List<String> wanted) implements ClientMsg {}

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
}
