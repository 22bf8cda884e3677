package io.jdask.worker.state;

import io.jdask.protocol.state.Priority;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Something that happened, handed to {@link WorkerState#handle}. Each event says what happened,
 * not what to do about it; the state decides.
 *
 * <p>Every event carries a {@code stimulusId} (an id chosen by whoever caused it, e.g. the
 * scheduler's id for a compute request, copied onto every resulting transition and instruction so
 * a task's story can be traced across machines) and {@code now}, the time in nanoseconds from the
 * shell's clock when the event was created. The state never reads a clock.
 *
 * <p>Events from the scheduler: {@link ComputeTask}, {@link FreeKeys}, {@link CancelCompute},
 * {@link RemoveReplicas}, {@link RefreshWhoHas}, {@link UpdateData}, {@link PeerRemoved}. Events from the shell's own work: {@link ExecuteSuccess}, {@link ExecuteFailure},
 * {@link ExecuteSkipped}, {@link Secede}, {@link Rejoin}, the three {@code GatherDep*} outcomes, {@link
 * StillRunning} and the periodic {@link FindMissing}.
 */
public sealed interface WorkerEvent {
    /** Id of the stimulus that caused this event; copied onto transitions and instructions. */
    String stimulusId();

    /** Nanoseconds from the shell's clock when the event was made; used only for logs. */
    long now();

    /**
     * The scheduler asks this worker to compute {@code key}.
     *
     * @param runId the scheduler's id of this assignment, echoed on the answers ({@link WorkerTask#runId()})
     * @param runSpec the user's code, opaque here; handed back through {@link WorkerTask#runSpec()}
     * @param priority smaller runs first
     * @param whoHas for each dependency not expected to be here already, the peers holding it
     * @param nbytes the size of each dependency (keys: every dependency)
     * @param resources abstract resources the task needs while it runs, e.g. {@code GPU=1}
     */
    record ComputeTask(
            String key,
            long runId,
            Object runSpec,
            Priority priority,
            Map<String, List<String>> whoHas,
            Map<String, Long> nbytes,
            Map<String, Double> resources,
            String stimulusId,
            long now)
            implements WorkerEvent {
        public ComputeTask {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(priority, "priority");
            Objects.requireNonNull(stimulusId, "stimulusId");
            whoHas = Copies.whoHas(whoHas, "whoHas");
            nbytes = Copies.map(nbytes, "nbytes");
            resources = Copies.map(resources, "resources");
        }

        /** Without a run id (0): a request whose answers need not be told from earlier ones (replays, tests). */
        public ComputeTask(
                String key,
                Object runSpec,
                Priority priority,
                Map<String, List<String>> whoHas,
                Map<String, Long> nbytes,
                Map<String, Double> resources,
                String stimulusId,
                long now) {
            this(key, 0, runSpec, priority, whoHas, nbytes, resources, stimulusId, now);
        }

        /** A task whose dependencies (if any) are all listed in {@code whoHas} and {@code nbytes}. */
        public static ComputeTask of(
                String key,
                Object runSpec,
                Priority priority,
                Map<String, ? extends Collection<String>> whoHas,
                Map<String, Long> nbytes,
                Map<String, Double> resources,
                String stimulusId,
                long now) {
            return new ComputeTask(
                    key, 0, runSpec, priority, Copies.whoHas(whoHas, "whoHas"), nbytes, resources, stimulusId, now);
        }
    }

    /** The scheduler no longer needs these keys from this worker. */
    record FreeKeys(List<String> keys, String stimulusId, long now) implements WorkerEvent {
        public FreeKeys {
            keys = Copies.list(keys, "keys");
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }

    /** The scheduler takes back a task that has not started yet (best effort; ignored otherwise). */
    record CancelCompute(String key, String stimulusId, long now) implements WorkerEvent {
        public CancelCompute {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }

    /**
     * Work stealing: the scheduler wants to move run {@code runId} of {@code key} to another worker. The task is
     * dropped if it has not started (waiting for or fetching its inputs, or ready), and the answer says which.
     */
    record StealRequest(String key, long runId, String stimulusId, long now) implements WorkerEvent {
        public StealRequest {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }

    /**
     * A task the shell ran (after an {@link WorkerInstruction.Execute}) returned; the shell has
     * already put the value in its data store.
     *
     * @param nbytes the size of the value
     * @param typeName the value's class name, for the scheduler
     * @param start when the task body started, shell clock nanoseconds
     * @param stop when it returned
     */
    record ExecuteSuccess(String key, long nbytes, String typeName, long start, long stop, String stimulusId, long now)
            implements WorkerEvent {
        public ExecuteSuccess {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(stimulusId, "stimulusId");
            if (nbytes < 0) throw new IllegalArgumentException("nbytes must be >= 0, got " + nbytes);
        }
    }

    /** A task the shell ran threw; {@code error} is opaque here and goes to the scheduler as is. */
    record ExecuteFailure(String key, Object error, String stimulusId, long now) implements WorkerEvent {
        public ExecuteFailure {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }

    /**
     * A cancel ({@link WorkerInstruction.CancelExecution}) took the task out of line before its function started;
     * {@code error} says so, for the case that the run ends here.
     */
    record ExecuteSkipped(String key, Object error, String stimulusId, long now) implements WorkerEvent {
        public ExecuteSkipped {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }

    /**
     * The functions of these tasks have been running for the shell's start-report delay without an outcome (a task
     * that ends sooner is reported by its outcome alone).
     */
    record StillRunning(List<String> keys, String stimulusId, long now) implements WorkerEvent {
        public StillRunning {
            keys = Copies.list(keys, "keys");
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }

    /** A running task called {@code Dask.secede()}: it no longer occupies a worker thread. */
    record Secede(String key, String stimulusId, long now) implements WorkerEvent {
        public Secede {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }

    /** A seceded task's thread called {@code Dask.rejoin()}: it waits for a free slot ({@link WorkerInstruction.Rejoined}). */
    record Rejoin(String key, String stimulusId, long now) implements WorkerEvent {
        public Rejoin {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }

    /**
     * A {@link WorkerInstruction.GatherDep} from {@code peer} completed; {@code received} maps each
     * key the peer sent to its size, and {@code missing} lists the keys asked for that the peer did
     * not send (it no longer had them). The shell has already put the received values in its data store.
     */
    record GatherDepSuccess(String peer, Map<String, Long> received, List<String> missing, String stimulusId, long now)
            implements WorkerEvent {
        public GatherDepSuccess {
            Objects.requireNonNull(peer, "peer");
            received = Copies.map(received, "received");
            missing = Copies.list(missing, "missing");
            Objects.requireNonNull(stimulusId, "stimulusId");
        }

        /** A reply that lacked none of the keys asked for. */
        public GatherDepSuccess(String peer, Map<String, Long> received, String stimulusId, long now) {
            this(peer, received, List.of(), stimulusId, now);
        }
    }

    /**
     * The peer could not be reached during a {@link WorkerInstruction.GatherDep}. The state assumes
     * it is gone and drops it from every task's holders, not only the requested ones.
     */
    record GatherDepNetworkFailure(String peer, List<String> keys, String stimulusId, long now) implements WorkerEvent {
        public GatherDepNetworkFailure {
            Objects.requireNonNull(peer, "peer");
            keys = Copies.list(keys, "keys");
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }

    /**
     * A {@link WorkerInstruction.GatherDep} failed for another reason than the network (e.g. a value
     * did not deserialize): the requested keys go to ERROR and so do local tasks waiting for them.
     */
    record GatherDepFailure(String peer, List<String> keys, Object error, String stimulusId, long now)
            implements WorkerEvent {
        public GatherDepFailure {
            Objects.requireNonNull(peer, "peer");
            keys = Copies.list(keys, "keys");
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }

    /**
     * Values were put on this worker directly (scatter); the shell has already stored them.
     *
     * @param data each key with the size of its value
     */
    record UpdateData(Map<String, Long> data, String stimulusId, long now) implements WorkerEvent {
        public UpdateData {
            data = Copies.map(data, "data");
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }

    /**
     * The scheduler wants copies of these keys here (it is moving data off a retiring worker): fetch each from the
     * listed holders and keep it until the scheduler frees it; each arrival is reported with an {@code AddKeysMsg}.
     *
     * @param whoHas each key with the workers that hold it
     * @param nbytes the sizes the scheduler knows, for the fetch planner's budget
     */
    record AcquireReplicas(Map<String, List<String>> whoHas, Map<String, Long> nbytes, String stimulusId, long now)
            implements WorkerEvent {
        public AcquireReplicas {
            whoHas = Copies.whoHas(whoHas, "whoHas");
            nbytes = Copies.map(nbytes, "nbytes");
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }

    /** The scheduler says these in-memory replicas are superfluous here. */
    record RemoveReplicas(List<String> keys, String stimulusId, long now) implements WorkerEvent {
        public RemoveReplicas {
            keys = Copies.list(keys, "keys");
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }

    /**
     * The scheduler's answer to {@link WorkerInstruction.RequestRefreshWhoHasMsg}: the current
     * holders of each key (an empty list: nobody).
     */
    record RefreshWhoHas(Map<String, List<String>> whoHas, String stimulusId, long now) implements WorkerEvent {
        public RefreshWhoHas {
            whoHas = Copies.whoHas(whoHas, "whoHas");
            Objects.requireNonNull(stimulusId, "stimulusId");
        }

        public static RefreshWhoHas of(Map<String, ? extends Collection<String>> whoHas, String stimulusId, long now) {
            return new RefreshWhoHas(Copies.whoHas(whoHas, "whoHas"), stimulusId, now);
        }
    }

    /**
     * The scheduler says the peer left the cluster: it is dropped from every task's holders. A
     * transfer in flight from it is left alone; the shell reports its failure when it happens.
     */
    record PeerRemoved(String peer, String stimulusId, long now) implements WorkerEvent {
        public PeerRemoved {
            Objects.requireNonNull(peer, "peer");
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }

    /**
     * Periodic tick from the shell (Dask does it every second): ask the scheduler again about keys
     * that no known peer holds.
     */
    record FindMissing(String stimulusId, long now) implements WorkerEvent {
        public FindMissing {
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }

    /**
     * The worker's memory passed its pause fraction: it starts no new task and fetches nothing until {@link Unpause}.
     * Running tasks go on, and a seceded task that rejoins still gets its slot back (it holds its memory already).
     */
    record Pause(String stimulusId, long now) implements WorkerEvent {
        public Pause {
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }

    /** The worker's memory is below its pause fraction again: it runs and fetches as before. */
    record Unpause(String stimulusId, long now) implements WorkerEvent {
        public Unpause {
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }
}
