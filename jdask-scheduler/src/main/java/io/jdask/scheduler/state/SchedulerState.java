package io.jdask.scheduler.state;

import io.jdask.protocol.state.InvalidTransition;
import io.jdask.protocol.state.Transition;
import io.jdask.protocol.state.TransitionCounterMaxExceeded;
import io.jdask.scheduler.state.SchedulerEvent.AddClient;
import io.jdask.scheduler.state.SchedulerEvent.AddKeys;
import io.jdask.scheduler.state.SchedulerEvent.AddWorker;
import io.jdask.scheduler.state.SchedulerEvent.Balance;
import io.jdask.scheduler.state.SchedulerEvent.CancelKeys;
import io.jdask.scheduler.state.SchedulerEvent.CheckDeadlines;
import io.jdask.scheduler.state.SchedulerEvent.CheckWorkerTtl;
import io.jdask.scheduler.state.SchedulerEvent.LongRunning;
import io.jdask.scheduler.state.SchedulerEvent.MissingData;
import io.jdask.scheduler.state.SchedulerEvent.ReleaseKeys;
import io.jdask.scheduler.state.SchedulerEvent.RemoveClient;
import io.jdask.scheduler.state.SchedulerEvent.RemoveWorker;
import io.jdask.scheduler.state.SchedulerEvent.RetireWorkers;
import io.jdask.scheduler.state.SchedulerEvent.RetryKeys;
import io.jdask.scheduler.state.SchedulerEvent.StealResponse;
import io.jdask.scheduler.state.SchedulerEvent.TaskErred;
import io.jdask.scheduler.state.SchedulerEvent.TaskFinished;
import io.jdask.scheduler.state.SchedulerEvent.UpdateData;
import io.jdask.scheduler.state.SchedulerEvent.UpdateGraph;
import io.jdask.scheduler.state.SchedulerEvent.WorkerHeartbeat;
import io.jdask.scheduler.state.SchedulerEvent.WorkerMemory;
import io.jdask.scheduler.state.SchedulerEvent.WorkerReleasedKey;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/*
 * Design note. The scheduler's brain: a pure, single-threaded, deterministic state machine in the
 * shape of distributed's SchedulerState (dask/distributed, distributed/scheduler.py).
 *
 * One door in: handle(events...) applies each event in order and returns the instructions the shell
 * must send; nothing else mutates. Per event: a handler (stimulus) in ClientEvents or WorkerEvents
 * interprets the event, making direct, typed transitions where the event carries data an edge needs
 * (a result's size, an error; see Recommendation) and recommendations otherwise; then
 * TransitionLoop.settle() drains the recommendations and refills freed worker slots. The transition
 * table and edges live in SchedulerTransitions, the loop that runs them in TransitionLoop, worker
 * choice in WorkerPicker, the indexes and their paired mutations in ClusterModel, the invariant checks
 * in StateValidator. This class is the door and the read-only queries.
 *
 * Determinism: no clock (time is the event's now), no randomness, and every collection iterated in a
 * decision is insertion-ordered; so the same event sequence gives the same instructions and story.
 * Collections the caller passes in keep their iteration order, so a caller wanting replayable runs
 * passes ordered ones (List, LinkedHashSet/Map), not Set.of/Map.of.
 *
 * Errors: events about unknown clients, workers or keys, and late results, are ignored and noted in
 * the story. An InvalidTransition or TransitionCounterMaxExceeded is a bug in this machine; the state is
 * then inconsistent and must be discarded.
 *
 * Concurrency: none; confine an instance to one thread (the shell's event loop). Views returned by
 * task() and workers() are live and must be read on that thread too.
 */
/**
 * The scheduler's pure state machine.
 *
 * <p>Create one with {@link #create()} or {@link #create(SchedulerConfig)}, feed it events with
 * {@link #handle}, send the returned instructions. Read it through {@link #task}, {@link #workers},
 * {@link #tasks}, {@link #story}; check it with {@link #validate}.
 *
 * <pre>{@code
 * var state = SchedulerState.create();
 * state.handle(new AddClient("c1", "s1", now), new AddWorker("tcp://w1", 4, 1L << 30, Map.of(), "w1", "s2", now));
 * List<SchedulerInstruction> out = state.handle(
 *     new UpdateGraph("c1", List.of(TaskSpec.of("inc-1", code)), List.of("inc-1"), "s3", now));
 * // out: [ComputeTask(worker=tcp://w1, key=inc-1, ...)]
 * }</pre>
 */
public final class SchedulerState {
    private final ClusterModel m;
    private final WorkerPicker picker;
    private final TransitionLoop t;
    private final ClientEvents clients;
    private final WorkerEvents workers;
    private final WorkStealing stealing;
    private final PausedCluster pausedCluster;
    private final Retirement retirement;

    private SchedulerState(SchedulerConfig config) {
        this.m = new ClusterModel(config);
        this.picker = new WorkerPicker(m);
        this.stealing = new WorkStealing(m);
        this.t = new TransitionLoop(m, picker, stealing);
        this.clients = new ClientEvents(m, t);
        this.workers = new WorkerEvents(m, t, stealing);
        this.pausedCluster = new PausedCluster(m);
        this.retirement = new Retirement(m, t);
    }

    /** A state with {@link SchedulerConfig#defaults()}. */
    public static SchedulerState create() {
        return new SchedulerState(SchedulerConfig.defaults());
    }

    public static SchedulerState create(SchedulerConfig config) {
        return new SchedulerState(Objects.requireNonNull(config, "config"));
    }

    public SchedulerConfig config() {
        return m.config;
    }

    /**
     * Applies the events in order and returns the instructions to carry out, in order (see
     * {@link SchedulerInstruction} on ordering). The only mutator.
     *
     * @throws InvalidTransition or {@link TransitionCounterMaxExceeded} on a bug in the state machine; the
     *     state must then be discarded
     */
    public List<SchedulerInstruction> handle(SchedulerEvent... events) {
        var out = new ArrayList<SchedulerInstruction>();
        m.out = out;
        for (SchedulerEvent e : events) {
            m.stimulusId = e.stimulusId();
            m.now = e.now();
            t.beginEvent();
            switch (e) { // word from a worker, whatever it says, keeps it alive (the worker time-to-live)
                case TaskFinished ev -> workers.heard(ev.worker(), ev.now());
                case TaskErred ev -> workers.heard(ev.worker(), ev.now());
                case AddKeys ev -> workers.heard(ev.worker(), ev.now());
                case WorkerReleasedKey ev -> workers.heard(ev.worker(), ev.now());
                case LongRunning ev -> workers.heard(ev.worker(), ev.now());
                case WorkerMemory ev -> workers.heard(ev.worker(), ev.now());
                case WorkerHeartbeat ev -> workers.heard(ev.worker(), ev.now());
                default -> {}
            }
            switch (e) {
                case AddClient ev -> clients.addClient(ev);
                case RemoveClient ev -> clients.removeClient(ev);
                case AddWorker ev -> workers.addWorker(ev);
                case RemoveWorker ev -> workers.removeWorker(ev);
                case UpdateGraph ev -> clients.updateGraph(ev);
                case TaskFinished ev -> workers.taskFinished(ev);
                case TaskErred ev -> workers.taskErred(ev);
                case ReleaseKeys ev -> clients.releaseKeys(ev);
                case CancelKeys ev -> clients.cancelKeys(ev);
                case RetryKeys ev -> clients.retryKeys(ev);
                case UpdateData ev -> clients.updateData(ev);
                case AddKeys ev -> workers.addKeys(ev);
                case MissingData ev -> workers.missingData(ev);
                case WorkerReleasedKey ev -> workers.workerReleasedKey(ev);
                case LongRunning ev -> workers.longRunning(ev);
                case WorkerMemory ev -> workers.workerMemory(ev);
                case Balance ev -> stealing.balance();
                case StealResponse ev -> workers.stealResponse(ev);
                case CheckDeadlines ev -> {} // the watch below is all there is to do
                case WorkerHeartbeat ev -> workers.heartbeat(ev);
                case CheckWorkerTtl ev -> workers.checkWorkerTtl(ev);
                case RetireWorkers ev -> retirement.retire(ev);
            }
            t.settle();
            if (retirement.active()) {
                retirement.progress();
                t.settle(); // a retirement that stopped gave its worker back
            }
            pausedCluster.watch();
        }
        m.out = new ArrayList<>(0);
        return out;
    }

    // ======================================================================================
    // Reading
    // ======================================================================================

    /** A live view of the task, or null if the key is unknown (never submitted, or forgotten). */
    public TaskView task(String key) {
        return m.tasks.get(key);
    }

    /** Live views of the connected workers, in join order. */
    public Collection<WorkerView> workers() {
        return Collections.unmodifiableCollection(m.workers.values());
    }

    /** A live view of one worker, or null. */
    public WorkerView worker(String address) {
        return m.workers.get(address);
    }

    /** Number of known tasks in each state (FORGOTTEN counts every task forgotten so far). */
    public Map<SchedulerTaskState, Long> tasks() {
        var out = new EnumMap<SchedulerTaskState, Long>(SchedulerTaskState.class);
        for (SchedulerTaskState k : SchedulerTaskState.values()) {
            out.put(k, m.stateCounts[k.ordinal()]);
        }
        return out;
    }

    /** Number of tasks not done yet: waiting, queued, without a worker, or processing. */
    public long activeTaskCount() {
        long[] c = m.stateCounts;
        return c[SchedulerTaskState.WAITING.ordinal()]
                + c[SchedulerTaskState.QUEUED.ordinal()]
                + c[SchedulerTaskState.NO_WORKER.ordinal()]
                + c[SchedulerTaskState.PROCESSING.ordinal()];
    }

    /** Live views of every known (not forgotten) task, in no particular order; for snapshots of the whole state. */
    public Collection<TaskView> allTasks() {
        return Collections.unmodifiableCollection(m.tasks.values());
    }

    /** Number of known (not forgotten) tasks. */
    public int taskCount() {
        return m.tasks.size();
    }

    /** Ids of the connected clients. */
    public Set<String> clients() {
        return Collections.unmodifiableSet(m.clients.keySet());
    }

    /** Keys the client wants, in the order it started wanting them; empty for an unknown client. */
    public Set<String> wantedKeys(String clientId) {
        ClientInfo c = m.clients.get(clientId);
        return c == null ? Set.of() : SchedulerTask.keysOf(c.wantsWhat);
    }

    /** Keys in QUEUED, highest priority first. */
    /**
     * When the clients are to be warned that every worker is paused (event time; see
     * {@link SchedulerConfig#pausedClusterWarningNanos()}), or {@link Long#MAX_VALUE} if no such warning is due. The
     * shell hands in a {@link SchedulerEvent.CheckDeadlines} at that time.
     */
    public long pausedWarningDeadline() {
        return pausedCluster.deadline();
    }

    public List<String> queuedKeys() {
        var out = new ArrayList<String>(m.queued.size());
        for (SchedulerTask ts : m.queued) {
            out.add(ts.key);
        }
        return out;
    }

    /** The current duration estimate for tasks of this key's prefix, in nanoseconds. */
    public long durationEstimateNanos(String key) {
        TaskPrefix p = m.prefixes.get(TaskPrefix.prefixOf(key));
        return p == null || p.averageDurationNanos < 0 ? m.config.defaultTaskDurationNanos() : p.averageDurationNanos;
    }

    /**
     * True when a {@link SchedulerEvent.Balance} could move work: stealing is on, some worker has a free thread and
     * another has tasks waiting for one. Cheap (one pass over the workers); the shell asks before each balance.
     */
    public boolean balanceWanted() {
        return stealing.balanceWanted();
    }

    /** Keys with a steal request out, oldest request first. */
    public List<String> stealsInFlight() {
        return stealing.inFlightKeys();
    }

    /**
     * How many workers the work known now calls for so that it finishes within {@code targetDurationNanos}, and
     * which idle workers could be retired when that is fewer than there are (Dask's adaptive_target); see
     * {@link AdaptiveTarget}.
     */
    public AdaptiveTarget adaptiveTarget(long targetDurationNanos) {
        return AdaptiveTarget.of(m, targetDurationNanos);
    }

    /**
     * The story of these keys (or worker addresses, or client ids): every transition and ignored event
     * that mentions them, oldest first, as far back as the bounded log reaches.
     */
    public List<Transition<SchedulerTaskState>> story(String... keysOrStimulusIds) {
        return m.story(keysOrStimulusIds);
    }

    /**
     * Checks every cross-index invariant and throws {@link IllegalStateException} naming the first
     * violation. Linear in the size of the state; meant for tests and debugging, not for every event in
     * production.
     */
    public void validate() {
        StateValidator.validate(m, picker);
        stealing.validate();
    }
}
