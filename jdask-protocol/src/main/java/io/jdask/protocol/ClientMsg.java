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

    /** One task of an {@link UpdateGraph}. {@code dependencies} are keys the task reads (existing or in the update). */
    record TaskSpec(
            String key,
            List<String> dependencies,
            byte[] runSpec,
            int priority,
            int retries,
            List<String> workers,
            boolean allowOtherWorkers,
            Map<String, Double> resources) {}

    /** New tasks, and the keys this client wants (holds futures of). */
    record UpdateGraph(List<TaskSpec> tasks, List<String> wanted) implements ClientMsg {}

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
    record ClusterInfoRequest(long requestId) implements ClientMsg {}

    /**
     * The bytes of a class a worker asked for ({@link SchedulerMsg.FetchClass}); null bytes when the client has no
     * such class. {@code staticState} holds serialized values of static fields the worker must see (a notebook
     * cell's variables), by field name.
     */
    record ClassBytes(long requestId, String worker, String className, byte[] bytes, Map<String, byte[]> staticState)
            implements ClientMsg {}

    /**
     * New values of static fields of this client's classes that workers may have loaded already (a notebook
     * cell assigned a variable of an earlier cell): class name -> field name -> serialized value. Sent before the
     * tasks that may read them; relayed to every worker as {@link SchedulerMsg.StaticState}.
     */
    record StaticState(Map<String, Map<String, byte[]>> fields) implements ClientMsg {}

    /** A jar every worker should load, now and when joining later. */
    record UploadJar(String name, byte[] bytes) implements ClientMsg {}

    /** Restart every worker; answered by {@link SchedulerMsg.Ack}. */
    record RestartWorkers(long requestId) implements ClientMsg {}

    /** An operation on a coordination primitive; answered by {@link SchedulerMsg.CoordReply} with {@code requestId}. */
    record Coordinate(long requestId, CoordOp op) implements ClientMsg {}

    /** The client stopped waiting for request {@code requestId} (interrupted): drop its parked wait. */
    record CancelWait(long requestId) implements ClientMsg {}

    /**
     * Asks for the task stream: the scheduler's record of recently run tasks (the last 10,000 or so) that stopped at
     * or after {@code sinceMicros} (wall clock, microseconds since the epoch; 0 for all). Answered by
     * {@link SchedulerMsg.TaskStreamReply}.
     */
    record TaskStreamRequest(long requestId, long sinceMicros) implements ClientMsg {}

    /**
     * Asks for the statistical profile of every worker's task threads; the scheduler gathers them and answers with
     * {@link SchedulerMsg.ProfileReply}.
     */
    record ProfileRequest(long requestId) implements ClientMsg {}
}
