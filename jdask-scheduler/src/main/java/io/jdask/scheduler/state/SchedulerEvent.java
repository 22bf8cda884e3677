package io.jdask.scheduler.state;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Something that happened, fed to {@link SchedulerState#handle}. Each event names what happened, not
 * what to do about it.
 *
 * <p>Every event carries a {@code stimulusId} (an opaque id the shell makes up, echoed in instructions
 * and in the {@linkplain SchedulerState#story story} so a result can be traced to its cause) and
 * {@code now}, nanoseconds from the shell's clock: the state never reads a clock itself, so replaying
 * the same events gives the same state.
 *
 * <p>Events are validated only for shape (non-null fields) when built. Events that refer to unknown
 * clients, workers or keys, or that arrive too late (a result from a worker that no longer runs the
 * task) are not errors: the state ignores them and notes that in the story.
 */
public sealed interface SchedulerEvent {

    String stimulusId();

    long now();

    /** A client connected. */
    record AddClient(String clientId, String stimulusId, long now) implements SchedulerEvent {
        public AddClient {
            Objects.requireNonNull(clientId, "clientId");
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }

    /** A client disconnected: everything it wanted is released as by {@link ReleaseKeys}. */
    record RemoveClient(String clientId, String stimulusId, long now) implements SchedulerEvent {
        public RemoveClient {
            Objects.requireNonNull(clientId, "clientId");
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }

    /**
     * A worker joined.
     *
     * @param name a human name, usable in {@link Restrictions#workers()} like the address
     * @param resources abstract resources it offers, e.g. {@code {"GPU": 2.0}}
     */
    record AddWorker(
            String address,
            int nthreads,
            long memoryLimitBytes,
            Map<String, Double> resources,
            String name,
            String stimulusId,
            long now)
            implements SchedulerEvent {
        public AddWorker {
            Objects.requireNonNull(address, "address");
            resources = Map.copyOf(Objects.requireNonNull(resources, "resources"));
            name = name == null ? address : name;
            Objects.requireNonNull(stimulusId, "stimulusId");
            if (nthreads < 1) {
                throw new IllegalArgumentException("worker " + address + " must have nthreads >= 1, was " + nthreads);
            }
        }
    }

    /**
     * A worker died or left. Its running tasks are rescheduled (each counts a suspicious strike; see
     * {@link SchedulerConfig.Builder#maxWorkerDeathsPerTask}); results only it held are recomputed
     * when possible and still needed, else reported lost.
     */
    record RemoveWorker(String address, String cause, String stimulusId, long now) implements SchedulerEvent {
        /** A worker left or its connection closed, for no known reason. */
        public RemoveWorker(String address, String stimulusId, long now) {
            this(address, "", stimulusId, now);
        }

        /**
         * @param cause why the worker died when known (its nanny's account: exit code, out of memory, last lines of
         *     its error output), else empty; carried by the {@link KilledWorker} errors it causes
         */
        public RemoveWorker {
            Objects.requireNonNull(address, "address");
            cause = cause == null ? "" : cause;
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }

    /**
     * A worker said how full its memory is ({@code WorkerMsg.MemoryStatus}). A pause stops new placements on it; an
     * unpause makes queued and NO_WORKER tasks look at it again. {@code exitReason} is non-empty when the worker is
     * about to exit for lack of memory: the scheduler keeps it as the cause of that worker's death.
     */
    record WorkerMemory(
            String worker,
            long managedBytes,
            long spilledBytes,
            long heapBytes,
            boolean paused,
            String exitReason,
            String stimulusId,
            long now)
            implements SchedulerEvent {
        public WorkerMemory {
            Objects.requireNonNull(worker, "worker");
            exitReason = exitReason == null ? "" : exitReason;
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }

    /**
     * A client submitted tasks and asks for the graph's wanted keys. Only tasks reachable from the wanted keys
     * through dependencies are added; a wanted key may also be one the scheduler already knows (a future).
     */
    record UpdateGraph(String clientId, GraphSpec graph, String stimulusId, long now) implements SchedulerEvent {
        public UpdateGraph {
            Objects.requireNonNull(clientId, "clientId");
            Objects.requireNonNull(graph, "graph");
            Objects.requireNonNull(stimulusId, "stimulusId");
        }

        /** An update of these specs (converted to columns by {@link GraphSpec#of}). */
        public UpdateGraph(
                String clientId, List<TaskSpec> tasks, List<String> wantedKeys, String stimulusId, long now) {
            this(clientId, GraphSpec.of(tasks, wantedKeys), stimulusId, now);
        }

        /** The keys the client wants, in order. */
        public List<String> wantedKeys() {
            return graph.wantedKeys();
        }
    }

    /**
     * A worker finished a task.
     *
     * @param runId the run id of the {@link SchedulerInstruction.ComputeTask} this answers; a result of an
     *     older run (one cancelled while its result was already on the way) is ignored
     * @param nbytes size of the result, or -1 when unknown
     * @param startNanos when the run started, on the worker's clock; only {@code stopNanos - startNanos}
     *     is used
     */
    record TaskFinished(
            String worker,
            String key,
            long runId,
            long nbytes,
            String typeName,
            long startNanos,
            long stopNanos,
            String stimulusId,
            long now)
            implements SchedulerEvent {
        public TaskFinished {
            Objects.requireNonNull(worker, "worker");
            Objects.requireNonNull(key, "key");
            typeName = typeName == null ? "" : typeName;
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }

    /**
     * A task raised an error on a worker.
     *
     * @param runId the run id of the ComputeTask this answers, see {@link TaskFinished#runId()}
     * @param error the error as the worker reports it, opaque to the scheduler and passed to clients
     * @param retryable false for errors a retry cannot fix (for example the run spec failed to
     *     deserialize): the task errs at once even with retries left
     */
    record TaskErred(
            String worker, String key, long runId, Object error, boolean retryable, String stimulusId, long now)
            implements SchedulerEvent {
        public TaskErred {
            Objects.requireNonNull(worker, "worker");
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }

    /** A client dropped its futures for these keys (no reply is sent). */
    record ReleaseKeys(String clientId, List<String> keys, String stimulusId, long now) implements SchedulerEvent {
        public ReleaseKeys {
            Objects.requireNonNull(clientId, "clientId");
            keys = List.copyOf(keys);
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }

    /**
     * A client cancelled these keys: it stops wanting them and whatever of its work depends on them, and
     * gets {@link SchedulerInstruction.KeyCancelled}. Unless {@code force}, other clients' interest is
     * untouched; with {@code force} every client loses the keys.
     */
    record CancelKeys(String clientId, List<String> keys, boolean force, String stimulusId, long now)
            implements SchedulerEvent {
        public CancelKeys {
            Objects.requireNonNull(clientId, "clientId");
            keys = List.copyOf(keys);
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }

    /** A client asks to rerun erred keys (and the erred dependencies they were blamed on). */
    record RetryKeys(String clientId, List<String> keys, String stimulusId, long now) implements SchedulerEvent {
        public RetryKeys {
            Objects.requireNonNull(clientId, "clientId");
            keys = List.copyOf(keys);
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }

    /** Where one scattered value was placed and how big it is. */
    record ScatteredData(List<String> workers, long nbytes, String typeName) {
        public ScatteredData {
            workers = List.copyOf(workers);
            typeName = typeName == null ? "" : typeName;
        }
    }

    /**
     * A client scattered data: the values already sit on the named workers. The client wants each key;
     * such keys have no run spec, so losing every copy loses them for good.
     */
    record UpdateData(String clientId, Map<String, ScatteredData> data, String stimulusId, long now)
            implements SchedulerEvent {
        public UpdateData {
            Objects.requireNonNull(clientId, "clientId");
            data = Collections.unmodifiableMap(new LinkedHashMap<>(data)); // keep the caller's order
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }

    /** A worker now holds replicas of these keys (it fetched them from a peer). */
    record AddKeys(String worker, List<String> keys, String stimulusId, long now) implements SchedulerEvent {
        public AddKeys {
            Objects.requireNonNull(worker, "worker");
            keys = List.copyOf(keys);
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }

    /** A worker tried to fetch {@code key} from {@code erringWorker}, which did not have it. */
    record MissingData(String key, String erringWorker, String stimulusId, long now) implements SchedulerEvent {
        public MissingData {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(erringWorker, "erringWorker");
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }

    /** A worker dropped its copy of {@code key} on its own (for example under memory pressure). */
    record WorkerReleasedKey(String worker, String key, String stimulusId, long now) implements SchedulerEvent {
        public WorkerReleasedKey {
            Objects.requireNonNull(worker, "worker");
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }

    /**
     * A running task seceded from its worker's thread pool (for example to wait on other futures): it
     * keeps processing there but no longer occupies a thread slot or counts toward occupancy.
     */
    record LongRunning(String worker, String key, long runId, String stimulusId, long now) implements SchedulerEvent {
        public LongRunning {
            Objects.requireNonNull(worker, "worker");
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }

    /**
     * Time to look for work to steal (see {@link SchedulerState#balanceWanted()}): the shell sends one every ~100 ms
     * while some worker has a free thread and another has tasks waiting for one. Moves nothing itself; it may emit
     * {@link SchedulerInstruction.StealRequest}s.
     */
    record Balance(String stimulusId, long now) implements SchedulerEvent {
        public Balance {
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }

    /**
     * A worker's answer to a {@link SchedulerInstruction.StealRequest}.
     *
     * @param runId the run the request was about
     * @param released true when the worker had not started the run and dropped it (the task may move); false when it
     *     runs, ran, or holds the result (nothing moves)
     * @param workerState the task's state on the worker when the request arrived, for the story
     */
    record StealResponse(
            String worker, String key, long runId, boolean released, String workerState, String stimulusId, long now)
            implements SchedulerEvent {
        public StealResponse {
            Objects.requireNonNull(worker, "worker");
            Objects.requireNonNull(key, "key");
            workerState = workerState == null ? "" : workerState;
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }

    /**
     * A worker's heartbeat: it is alive, with what it last said it was doing and holding (see
     * {@code WorkerMsg.Heartbeat}). Every event from a worker counts as word from it; this one also refreshes the
     * figures.
     */
    record WorkerHeartbeat(
            String worker,
            int executing,
            int ready,
            long managedBytes,
            long spilledBytes,
            long heapBytes,
            String stimulusId,
            long now)
            implements SchedulerEvent {
        public WorkerHeartbeat {
            Objects.requireNonNull(worker, "worker");
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }

    /**
     * Nothing happened but time: the shell's timer asks the state to look at what waits for a deadline (today, whether
     * a cluster whose workers are all paused has been so long enough to warn; see
     * {@link SchedulerState#pausedWarningDeadline()}).
     */
    record CheckDeadlines(String stimulusId, long now) implements SchedulerEvent {
        public CheckDeadlines {
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }

    /**
     * Time to look for silent workers: each worker not heard from for longer than
     * {@link SchedulerConfig#workerTtlNanos()} before {@code now} is removed as by {@link RemoveWorker} (its tasks
     * rerun elsewhere, its data recomputed), and the shell is told to disconnect it
     * ({@link SchedulerInstruction.DisconnectWorker}).
     */
    record CheckWorkerTtl(String stimulusId, long now) implements SchedulerEvent {
        public CheckWorkerTtl {
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }

    /**
     * Retire these workers gracefully (Dask's retire_workers): they get no new tasks, the tasks running there finish,
     * every key whose only copy they hold is copied to another worker, and then each is told to close for good.
     */
    record RetireWorkers(List<String> workers, String stimulusId, long now) implements SchedulerEvent {
        public RetireWorkers {
            workers = List.copyOf(workers);
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }
}
