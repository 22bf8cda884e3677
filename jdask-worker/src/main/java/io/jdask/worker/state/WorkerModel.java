package io.jdask.worker.state;

import static io.jdask.worker.state.WorkerTaskState.EXECUTING;
import static io.jdask.worker.state.WorkerTaskState.LONG_RUNNING;

import io.jdask.protocol.state.BoundedLog;
import io.jdask.protocol.state.Priority;
import io.jdask.protocol.state.Transition;
import io.jdask.worker.state.WorkerInstruction.TaskFinishedMsg;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/*
 * Design note. Every index of the worker state in one place, with the options it was built with and the
 * per-event scratch, like the scheduler's ClusterModel. The parts of the state machine share this object
 * (composition, no inheritance): WorkerState handles events and runs the recommendation loop,
 * WorkerTransitions holds the edges, FetchPlanner and ComputePlanner decide what to fetch and what to run,
 * WorkerStateValidator checks the invariants stated on the fields below.
 *
 * Concurrency: none. One thread owns the WorkerState and with it this object.
 */
/** The worker's tasks, peers and indexes; shared by the parts of the state machine. */
final class WorkerModel {

    // Options (immutable)

    final String address;
    /** The host part of {@link #address}; peers on it are preferred for transfers. */
    final String host;

    final int nthreads;
    final Map<String, Double> totalResources;
    final int transferIncomingCountLimit;
    final long transferIncomingBytesLimit;
    final long transferMessageBytesLimit;
    final long defaultNbytes;
    final long transitionCounterMax;
    final int executeAhead;
    final long shortTaskNanos;

    // State. All of it is owned by the thread calling WorkerState.handle().

    /** False while the worker is paused (its memory is too full): no task starts and nothing is fetched. */
    boolean running = true;
    /** Every known task by key; never a FORGOTTEN one. */
    final HashMap<String, WorkerTask> tasks = new HashMap<>();
    /** Known peers by address, in first-seen order; see {@link Peer} for when one is dropped. */
    final LinkedHashMap<String, Peer> peers = new LinkedHashMap<>();
    /** Exactly the READY tasks. */
    final TaskHeap ready = new TaskHeap();
    /** Exactly the CONSTRAINED tasks. */
    final TaskHeap constrained = new TaskHeap();
    /**
     * Exactly the tasks handed to the task threads: EXECUTING, or CANCELLED/RESUMED from EXECUTING. Never more than
     * {@link #nthreads}, plus {@link #executeAhead} short tasks queued behind the running ones.
     */
    final HashSet<WorkerTask> executing = new HashSet<>();
    /** Exactly the seceded running tasks: LONG_RUNNING, or CANCELLED/RESUMED from LONG_RUNNING. */
    final HashSet<WorkerTask> longRunning = new HashSet<>();
    /**
     * Seceded tasks whose threads called rejoin and wait for a slot, in arrival order; each is in {@link
     * #longRunning} (or was cancelled meanwhile, and is answered at once when served). Served before READY tasks
     * when a slot frees: a task already holding a thread and its memory finishes first.
     */
    final ArrayDeque<WorkerTask> rejoining = new ArrayDeque<>();
    /** Exactly the tasks being transferred: FLIGHT, or CANCELLED/RESUMED from FLIGHT. */
    final HashSet<WorkerTask> inFlightTasks = new HashSet<>();
    /** Exactly the MISSING tasks, in the order they went missing. */
    final LinkedHashSet<WorkerTask> missing = new LinkedHashSet<>();
    /** Resources not held by running tasks; total minus the sum over executing and long-running. */
    final HashMap<String, Double> availableResources;
    /** Number of FETCH tasks. */
    int fetchCount;
    /** Number of peers with an outstanding GatherDep. */
    int inFlightPeerCount;
    /** Sum of {@link Peer#inFlightBytes} over all peers. */
    long transferIncomingBytes;
    /** Sum of nbytes over MEMORY tasks. */
    long nbytesInMemory;
    /** Decremented on every accepted ComputeTask; newer requests win priority ties (as in Dask). */
    long generation;
    /** Source of {@link WorkerTask#seq}. */
    long taskSeq;
    /** Transitions since the state was built. */
    long transitionCounter;

    /** The only randomness: tie-breaks between equally good peers, seeded by the builder. */
    final Random rng;

    /** The story: every transition, bounded; see {@link WorkerState#story}. */
    final BoundedLog<Transition<WorkerTaskState>> transitionLog;

    final BoundedLog<WorkerEvent> eventLog;

    /** The event being handled; clear between events. */
    final EventScratch scratch = new EventScratch();

    WorkerModel(WorkerStateBuilder b) {
        this.address = b.address;
        this.host = Peer.hostOf(b.address);
        this.nthreads = b.nthreads;
        this.totalResources = Copies.map(b.resources, "resources");
        this.availableResources = new HashMap<>(totalResources);
        this.transferIncomingCountLimit = b.transferIncomingCountLimit;
        this.transferIncomingBytesLimit = b.transferIncomingBytesLimit;
        this.transferMessageBytesLimit = b.transferMessageBytesLimit;
        this.defaultNbytes = b.defaultNbytes;
        this.transitionCounterMax = b.transitionCounterMax;
        this.executeAhead = b.executeAhead;
        this.shortTaskNanos = b.shortTaskNanos;
        this.rng = new Random(b.seed);
        this.transitionLog = new BoundedLog<>(b.transitionLogCapacity);
        this.eventLog = new BoundedLog<>(b.eventLogCapacity);
    }

    // The current event

    String stimulusId() {
        return scratch.stimulusId;
    }

    /** Appends an instruction of the current event. */
    void emit(WorkerInstruction instruction) {
        scratch.out.add(instruction);
    }

    void recommend(WorkerTask ts, WorkerTaskState to) {
        scratch.recommend(ts, to);
    }

    void recommend(WorkerTask ts, Recommendation rec) {
        scratch.recommend(ts, rec);
    }

    TaskFinishedMsg finishedMsg(WorkerTask ts) {
        return new TaskFinishedMsg(ts.key, ts.runId, ts.nbytes, ts.typeName, ts.startTime, ts.stopTime, stimulusId());
    }

    // Tasks

    WorkerTask newTask(String key) {
        var ts = new WorkerTask(key, taskSeq++);
        tasks.put(key, ts);
        return ts;
    }

    WorkerTask ensureTaskExists(String key, Priority priority, long gen) {
        WorkerTask ts = tasks.get(key);
        if (ts == null) ts = newTask(key);
        if (ts.priority == null) {
            ts.priority = priority;
            ts.generation = gen;
        }
        return ts;
    }

    static void link(WorkerTask dependent, WorkerTask dependency) {
        dependent.addDependency(dependency);
        dependency.addDependent(dependent);
    }

    boolean isRunning(WorkerTask ts) {
        return executing.contains(ts) || longRunning.contains(ts);
    }

    /** Whether {@code d} needs the values of its dependencies now or later. */
    static boolean usesDependencies(WorkerTask d) {
        return switch (d.state) {
            case WAITING, READY, CONSTRAINED, EXECUTING, LONG_RUNNING -> true;
            case CANCELLED, RESUMED -> d.previous == EXECUTING || d.previous == LONG_RUNNING;
            default -> false;
        };
    }

    static boolean hasUsingDependent(WorkerTask ts) {
        for (WorkerTask d : ts.dependents) if (usesDependencies(d)) return true;
        return false;
    }

    /** The size to count for a task: its own, or the default when unknown. */
    long sizeOf(WorkerTask ts) {
        return ts.nbytes >= 0 ? ts.nbytes : defaultNbytes;
    }

    /**
     * The logged transitions involving any of the given keys or stimulus ids (as the task, or among its
     * recommendations), oldest first.
     */
    List<Transition<WorkerTaskState>> story(String... keysOrStimulusIds) {
        Set<String> wanted = Set.of(keysOrStimulusIds);
        return transitionLog.filter(t -> t.concerns(wanted));
    }

    /**
     * A canonical text dump of the whole state (tasks sorted by key, every field and index). Two states that dump
     * the same are the same; used to check replays and to debug.
     */
    String describe() {
        var sb = new StringBuilder();
        sb.append("address=")
                .append(address)
                .append(" nthreads=")
                .append(nthreads)
                .append(" generation=")
                .append(generation)
                .append(" taskSeq=")
                .append(taskSeq)
                .append(" transitions=")
                .append(transitionCounter)
                .append('\n');
        sb.append("available=")
                .append(new TreeMap<>(availableResources))
                .append(" fetchCount=")
                .append(fetchCount)
                .append(" inFlightPeers=")
                .append(inFlightPeerCount)
                .append(" incomingBytes=")
                .append(transferIncomingBytes)
                .append(" memoryBytes=")
                .append(nbytesInMemory)
                .append('\n');
        sb.append("ready=")
                .append(keysOf(ready.sorted()))
                .append(" constrained=")
                .append(keysOf(constrained.sorted()))
                .append(" executing=")
                .append(sortedKeys(executing))
                .append(" longRunning=")
                .append(sortedKeys(longRunning))
                .append(" inFlight=")
                .append(sortedKeys(inFlightTasks))
                .append(" missing=")
                .append(keysOf(missing))
                .append('\n');
        for (Peer p : peers.values()) {
            sb.append("peer ")
                    .append(p.address)
                    .append(" hasWhat=")
                    .append(sortedKeys(p.hasWhat))
                    .append(" dataNeeded=")
                    .append(keysOf(p.dataNeeded))
                    .append(" inFlight=")
                    .append(p.inFlight == null ? null : keysOf(p.inFlight))
                    .append(" inFlightBytes=")
                    .append(p.inFlightBytes)
                    .append('\n');
        }
        for (WorkerTask t : new TreeMap<>(tasks).values()) {
            sb.append("task ")
                    .append(t.key)
                    .append(' ')
                    .append(t.state)
                    .append(" prev=")
                    .append(t.previous)
                    .append(" next=")
                    .append(t.next)
                    .append(" prio=")
                    .append(t.priority)
                    .append('/')
                    .append(t.generation)
                    .append(" seq=")
                    .append(t.seq)
                    .append(" nbytes=")
                    .append(t.nbytes)
                    .append(" type=")
                    .append(t.typeName)
                    .append(" deps=")
                    .append(t.dependencyKeys())
                    .append(" dependents=")
                    .append(t.dependentKeys())
                    .append(" waitingFor=")
                    .append(t.waitingForDataKeys())
                    .append(" waiters=")
                    .append(sortedKeys(t.waiters))
                    .append(" whoHas=")
                    .append(t.whoHas())
                    .append(" from=")
                    .append(t.comingFrom)
                    .append(" resources=")
                    .append(new TreeMap<>(t.resources))
                    .append(" error=")
                    .append(t.error)
                    .append(" freed=")
                    .append(t.freed)
                    .append('\n');
        }
        return sb.toString();
    }

    static List<String> keysOf(Iterable<WorkerTask> ts) {
        var keys = new ArrayList<String>();
        for (WorkerTask t : ts) keys.add(t.key);
        return keys;
    }

    static List<String> sortedKeys(Iterable<WorkerTask> ts) {
        var keys = keysOf(ts);
        Collections.sort(keys);
        return keys;
    }
}
