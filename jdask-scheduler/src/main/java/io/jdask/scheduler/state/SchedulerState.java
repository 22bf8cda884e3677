package io.jdask.scheduler.state;

import static io.jdask.scheduler.state.SchedulerTaskState.ERRED;
import static io.jdask.scheduler.state.SchedulerTaskState.FORGOTTEN;
import static io.jdask.scheduler.state.SchedulerTaskState.MEMORY;
import static io.jdask.scheduler.state.SchedulerTaskState.PROCESSING;
import static io.jdask.scheduler.state.SchedulerTaskState.RELEASED;
import static io.jdask.scheduler.state.SchedulerTaskState.WAITING;

import io.jdask.protocol.state.InvalidTransition;
import io.jdask.protocol.state.Priority;
import io.jdask.protocol.state.Transition;
import io.jdask.protocol.state.TransitionCounterMaxExceeded;
import io.jdask.scheduler.state.SchedulerEvent.AddClient;
import io.jdask.scheduler.state.SchedulerEvent.AddKeys;
import io.jdask.scheduler.state.SchedulerEvent.AddWorker;
import io.jdask.scheduler.state.SchedulerEvent.CancelKeys;
import io.jdask.scheduler.state.SchedulerEvent.LongRunning;
import io.jdask.scheduler.state.SchedulerEvent.MissingData;
import io.jdask.scheduler.state.SchedulerEvent.ReleaseKeys;
import io.jdask.scheduler.state.SchedulerEvent.RemoveClient;
import io.jdask.scheduler.state.SchedulerEvent.RemoveWorker;
import io.jdask.scheduler.state.SchedulerEvent.RetryKeys;
import io.jdask.scheduler.state.SchedulerEvent.TaskErred;
import io.jdask.scheduler.state.SchedulerEvent.TaskFinished;
import io.jdask.scheduler.state.SchedulerEvent.UpdateData;
import io.jdask.scheduler.state.SchedulerEvent.UpdateGraph;
import io.jdask.scheduler.state.SchedulerEvent.WorkerReleasedKey;
import io.jdask.scheduler.state.SchedulerInstruction.FreeKeys;
import io.jdask.scheduler.state.SchedulerInstruction.KeyCancelled;
import io.jdask.scheduler.state.SchedulerInstruction.KeyErred;
import io.jdask.scheduler.state.SchedulerInstruction.KeyInMemory;
import io.jdask.scheduler.state.SchedulerInstruction.KeyLost;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/*
 * Design note. The scheduler's brain: a pure, single-threaded, deterministic state machine in the
 * shape of distributed's SchedulerState (dask/distributed, distributed/scheduler.py).
 *
 * One door in: handle(events...) applies each event in order and returns the instructions the shell
 * must send; nothing else mutates. Per event: the handler (stimulus) below interprets the event,
 * making direct transitions where the event carries data an edge needs (a result's size, an error)
 * and recommendations otherwise; then TransitionLoop.settle() drains the recommendations and refills
 * freed worker slots. The transition table and edges live in SchedulerTransitions, worker choice in
 * WorkerPicker, the indexes and their paired mutations in ClusterModel, the invariant checks in
 * StateValidator.
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

    private SchedulerState(SchedulerConfig config) {
        this.m = new ClusterModel(config);
        this.picker = new WorkerPicker(m);
        this.t = new TransitionLoop(m, picker);
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
            switch (e) {
                case AddClient ev -> addClient(ev);
                case RemoveClient ev -> removeClient(ev);
                case AddWorker ev -> addWorker(ev);
                case RemoveWorker ev -> removeWorker(ev);
                case UpdateGraph ev -> updateGraph(ev);
                case TaskFinished ev -> taskFinished(ev);
                case TaskErred ev -> taskErred(ev);
                case ReleaseKeys ev -> releaseKeys(ev);
                case CancelKeys ev -> cancelKeys(ev);
                case RetryKeys ev -> retryKeys(ev);
                case UpdateData ev -> updateData(ev);
                case AddKeys ev -> addKeys(ev);
                case MissingData ev -> missingData(ev);
                case WorkerReleasedKey ev -> workerReleasedKey(ev);
                case LongRunning ev -> longRunning(ev);
            }
            t.settle();
        }
        m.out = new ArrayList<>(0);
        return out;
    }

    // ======================================================================================
    // Clients
    // ======================================================================================

    private void addClient(AddClient e) {
        if (m.clients.containsKey(e.clientId())) {
            m.note(e.clientId(), "AddClient ignored: client already connected");
            return;
        }
        m.clients.put(e.clientId(), new ClientInfo(e.clientId()));
    }

    private void removeClient(RemoveClient e) {
        ClientInfo c = m.clients.get(e.clientId());
        if (c == null) {
            m.note(e.clientId(), "RemoveClient ignored: unknown client");
            return;
        }
        for (SchedulerTask ts : new ArrayList<>(c.wantsWhat)) {
            releaseWant(c, ts);
        }
        m.clients.remove(e.clientId());
    }

    /** The client stops wanting the task; if nobody needs it any more it is released or forgotten. */
    private void releaseWant(ClientInfo c, SchedulerTask ts) {
        m.removeWant(c, ts);
        if (!ts.whoWants.isEmpty()) {
            return;
        }
        if (ts.dependents.isEmpty()) {
            t.recommend(ts, FORGOTTEN);
        } else if (ts.waiters.isEmpty() && ts.state != ERRED && ts.state != RELEASED) {
            t.recommend(ts, RELEASED);
        }
    }

    private ClientInfo client(String id, String eventName) {
        ClientInfo c = m.clients.get(id);
        if (c == null) {
            m.note(id, eventName + " ignored: unknown client");
        }
        return c;
    }

    private void updateGraph(UpdateGraph e) {
        ClientInfo c = client(e.clientId(), "UpdateGraph");
        if (c == null) {
            return;
        }
        long gen = ++m.generation;
        var specs = new LinkedHashMap<String, TaskSpec>(e.tasks().size() * 2);
        for (TaskSpec s : e.tasks()) {
            specs.putIfAbsent(s.key(), s);
        }
        // Cull: the specs reachable from the wanted keys, stopping at keys the scheduler knows.
        var needed = new HashSet<String>(specs.size() * 2);
        Map<String, String> missingDep = null; // spec key -> a dependency that exists nowhere
        var stack = new ArrayDeque<String>();
        for (String k : e.wantedKeys()) {
            if (!m.tasks.containsKey(k) && specs.containsKey(k) && needed.add(k)) {
                stack.push(k);
            }
        }
        while (!stack.isEmpty()) {
            TaskSpec s = specs.get(stack.pop());
            for (String d : s.dependencies()) {
                if (m.tasks.containsKey(d)) {
                    continue;
                }
                if (specs.containsKey(d)) {
                    if (needed.add(d)) {
                        stack.push(d);
                    }
                } else {
                    if (missingDep == null) {
                        missingDep = new HashMap<>();
                    }
                    missingDep.putIfAbsent(s.key(), d);
                }
            }
        }
        if (missingDep != null) {
            propagateMissing(specs, needed, missingDep);
        }
        // Create the new tasks in submission order (which is their priority order) and link them.
        var created = new ArrayList<SchedulerTask>(needed.size());
        long order = 0;
        for (TaskSpec s : specs.values()) {
            if (!needed.contains(s.key()) || (missingDep != null && missingDep.containsKey(s.key()))) {
                order++;
                continue;
            }
            created.add(m.newTask(
                    s.key(),
                    s.runSpec(),
                    Priority.ofSubmission(s.userPriority(), gen, order++),
                    s.retries(),
                    s.restrictions()));
        }
        for (SchedulerTask ts : created) {
            for (String d : specs.get(ts.key).dependencies()) {
                SchedulerTask dts = m.tasks.get(d);
                ts.dependencies.add(dts);
                dts.dependents.add(ts);
            }
        }
        // Wants, and reports for wanted keys that already had an outcome or cannot be built.
        for (String k : e.wantedKeys()) {
            SchedulerTask ts = m.tasks.get(k);
            if (ts == null) {
                String missing = missingDep == null ? null : missingDep.get(k);
                String blamed = missing == null ? k : missing;
                m.emit(new KeyErred(Set.of(c.id), k, new MissingDependency(k, blamed), blamed));
                m.note(k, "UpdateGraph from " + c.id + ": cannot build, depends on missing '" + blamed + "'");
                continue;
            }
            m.addWant(c, ts);
            if (ts.state == MEMORY) {
                m.emit(new KeyInMemory(Set.of(c.id), ts.key, ts.typeName, ts.nbytes));
            } else if (ts.state == ERRED) {
                m.emit(new KeyErred(Set.of(c.id), ts.key, ts.exception, ts.exceptionBlame));
            } else if (ts.state == RELEASED && ts.priority.get(Priority.GENERATION) != gen) {
                t.recommend(ts, WAITING); // an old task released earlier (kept as lineage) is wanted again
            }
        }
        // New tasks wait in priority order, so that when slots are scarce the first ones to take them are
        // the ones that should run first (user priority can reorder the submission).
        if (!isSorted(created)) {
            created.sort((a, b) -> a.priority.compareTo(b.priority));
        }
        for (SchedulerTask ts : created) {
            if (ts.state == RELEASED) {
                t.recommend(ts, WAITING);
            }
        }
    }

    private static boolean isSorted(List<SchedulerTask> tasks) {
        for (int i = 1; i < tasks.size(); i++) {
            if (tasks.get(i - 1).priority.compareTo(tasks.get(i).priority) > 0) {
                return false;
            }
        }
        return true;
    }

    /** Marks every needed spec that depends (transitively) on a missing key as missing too. */
    private static void propagateMissing(Map<String, TaskSpec> specs, Set<String> needed, Map<String, String> missing) {
        var dependents = new HashMap<String, List<String>>();
        for (String k : needed) {
            for (String d : specs.get(k).dependencies()) {
                if (needed.contains(d)) {
                    dependents.computeIfAbsent(d, x -> new ArrayList<>()).add(k);
                }
            }
        }
        var stack = new ArrayDeque<>(missing.keySet());
        while (!stack.isEmpty()) {
            String k = stack.pop();
            String blame = missing.get(k);
            for (String dep : dependents.getOrDefault(k, List.of())) {
                if (missing.putIfAbsent(dep, blame) == null) {
                    stack.push(dep);
                }
            }
        }
    }

    private void releaseKeys(ReleaseKeys e) {
        ClientInfo c = client(e.clientId(), "ReleaseKeys");
        if (c == null) {
            return;
        }
        for (String k : e.keys()) {
            SchedulerTask ts = m.tasks.get(k);
            if (ts == null || !ts.whoWants.contains(c)) {
                m.note(k, "ReleaseKeys from " + c.id + " ignored: client does not want it");
                continue;
            }
            releaseWant(c, ts);
        }
    }

    private void cancelKeys(CancelKeys e) {
        ClientInfo c = client(e.clientId(), "CancelKeys");
        if (c == null) {
            return;
        }
        var visited = new HashSet<SchedulerTask>();
        var stack = new ArrayDeque<SchedulerTask>();
        for (String k : e.keys()) {
            SchedulerTask ts = m.tasks.get(k);
            if (ts == null || (!e.force() && !ts.whoWants.contains(c)) || ts.whoWants.isEmpty()) {
                m.note(k, "CancelKeys from " + c.id + " ignored: not wanted by it");
                continue;
            }
            stack.push(ts);
        }
        while (!stack.isEmpty()) {
            SchedulerTask ts = stack.pop();
            if (!visited.add(ts)) {
                continue;
            }
            boolean onlyThisClient = ts.whoWants.isEmpty() || (ts.whoWants.size() == 1 && ts.whoWants.contains(c));
            if (e.force() || onlyThisClient) {
                // Work that depends on a cancelled key is cancelled with it (for this client).
                for (SchedulerTask dts : ts.dependents) {
                    stack.push(dts);
                }
            }
            List<ClientInfo> losing;
            if (e.force()) {
                losing = new ArrayList<>(ts.whoWants);
            } else {
                losing = ts.whoWants.contains(c) ? List.of(c) : List.of();
            }
            if (losing.isEmpty()) {
                continue;
            }
            var ids = new LinkedHashSet<String>();
            for (ClientInfo cl : losing) {
                ids.add(cl.id);
                releaseWant(cl, ts);
            }
            m.emit(new KeyCancelled(Collections.unmodifiableSet(ids), ts.key));
        }
    }

    private void retryKeys(RetryKeys e) {
        ClientInfo c = client(e.clientId(), "RetryKeys");
        if (c == null) {
            return;
        }
        var seen = new HashSet<SchedulerTask>();
        var stack = new ArrayDeque<SchedulerTask>();
        for (String k : e.keys()) {
            SchedulerTask ts = m.tasks.get(k);
            if (ts == null || ts.state != ERRED) {
                m.note(k, "RetryKeys from " + c.id + " ignored: not erred");
                continue;
            }
            stack.push(ts);
        }
        // Retry the roots of the failure: erred tasks none of whose dependencies erred.
        while (!stack.isEmpty()) {
            SchedulerTask ts = stack.pop();
            if (!seen.add(ts)) {
                continue;
            }
            boolean root = true;
            for (SchedulerTask dts : ts.dependencies) {
                if (dts.state == ERRED) {
                    root = false;
                    stack.push(dts);
                }
            }
            if (root) {
                t.recommend(ts, WAITING);
            }
        }
    }

    private void updateData(UpdateData e) {
        ClientInfo c = client(e.clientId(), "UpdateData");
        if (c == null) {
            return;
        }
        long gen = ++m.generation;
        long order = 0;
        for (var entry : e.data().entrySet()) {
            String key = entry.getKey();
            SchedulerEvent.ScatteredData sd = entry.getValue();
            var holders = new ArrayList<WorkerInfo>(sd.workers().size());
            for (String w : sd.workers()) {
                WorkerInfo ws = m.workers.get(w);
                if (ws != null && !holders.contains(ws)) {
                    holders.add(ws);
                }
            }
            if (holders.isEmpty()) {
                m.note(key, "UpdateData from " + c.id + ": none of the workers " + sd.workers() + " is connected");
                m.emit(new KeyLost(Set.of(c.id), key));
                continue;
            }
            var scatter = new Recommendation.Scattered(holders, sd.nbytes(), sd.typeName());
            SchedulerTask ts = m.tasks.get(key);
            if (ts == null) {
                ts = m.newTask(key, null, Priority.ofSubmission(0, gen, order++), 0, Restrictions.NONE);
                m.addWant(c, ts);
                t.transition(ts, scatter);
            } else if (ts.state == MEMORY) {
                m.addWant(c, ts);
                m.setNbytes(ts, sd.nbytes());
                for (WorkerInfo ws : holders) {
                    m.addReplica(ts, ws);
                }
                m.emit(new KeyInMemory(Set.of(c.id), key, ts.typeName, ts.nbytes));
            } else {
                m.addWant(c, ts);
                t.transition(ts, Recommendation.Plain.of(RELEASED));
                if (ts.state == RELEASED) {
                    t.transition(ts, scatter);
                }
            }
        }
    }

    // ======================================================================================
    // Workers
    // ======================================================================================

    private WorkerInfo worker(String address, String key, String eventName) {
        WorkerInfo ws = m.workers.get(address);
        if (ws == null) {
            m.note(key, eventName + " ignored: unknown worker " + address);
        }
        return ws;
    }

    private void addWorker(AddWorker e) {
        if (m.workers.containsKey(e.address())) {
            m.note(e.address(), "AddWorker ignored: worker already connected");
            return;
        }
        WorkerInfo ws = m.newWorker(e);
        t.slotsMaybeOpened();
        t.reexamineUnrunnableOn(ws);
    }

    private void removeWorker(RemoveWorker e) {
        WorkerInfo ws = m.workers.remove(e.address());
        if (ws == null) {
            m.note(e.address(), "RemoveWorker ignored: unknown worker");
            return;
        }
        // Lost results first, so that a rescheduled dependent sees them gone and waits for them again
        // instead of being sent to a worker with a dead address in its who-has.
        for (SchedulerTask ts : new ArrayList<>(ws.hasWhat)) {
            m.removeReplica(ts, ws);
            if (ts.whoHas.isEmpty() && ts.state == MEMORY) {
                ts.dataLost = true;
                t.recommend(ts, ts.runSpec != null ? RELEASED : FORGOTTEN);
            }
        }
        int maxDeaths = m.config.maxWorkerDeathsPerTask();
        for (SchedulerTask ts : new ArrayList<>(ws.processing)) {
            ts.suspicious++;
            if (ts.suspicious >= maxDeaths) {
                t.transition(ts, new Recommendation.WorkerDied(new KilledWorker(ts.key, ws.address, ts.suspicious)));
            } else {
                t.recommend(ts, RELEASED); // no CancelCompute: the worker is gone
            }
        }
    }

    /** The task if it is processing on that worker, else null (and the event is noted as stale). */
    private SchedulerTask processingOn(String key, WorkerInfo ws, long runId, String eventName) {
        SchedulerTask ts = m.tasks.get(key);
        if (ts == null || ts.state != PROCESSING || ts.processingOn != ws) {
            m.note(
                    key,
                    eventName + " from " + ws.address + " ignored: stale, the task is "
                            + (ts == null
                                    ? "unknown"
                                    : ts.state + (ts.processingOn == null ? "" : " on " + ts.processingOn.address)));
            return null;
        }
        if (ts.runId != runId) {
            // The worker was told to cancel run `runId` and then to run the key again: this answer is about
            // the cancelled run, whose result the worker dropped.
            m.note(
                    key,
                    eventName + " from " + ws.address + " ignored: stale run " + runId + ", current run is "
                            + ts.runId);
            return null;
        }
        return ts;
    }

    private void taskFinished(TaskFinished e) {
        WorkerInfo ws = worker(e.worker(), e.key(), "TaskFinished");
        if (ws == null) {
            return;
        }
        SchedulerTask ts = processingOn(e.key(), ws, e.runId(), "TaskFinished");
        if (ts != null) {
            t.transition(ts, new Recommendation.Finished(e));
        }
    }

    private void taskErred(TaskErred e) {
        WorkerInfo ws = worker(e.worker(), e.key(), "TaskErred");
        if (ws == null) {
            return;
        }
        SchedulerTask ts = processingOn(e.key(), ws, e.runId(), "TaskErred");
        if (ts == null) {
            return;
        }
        if (e.retryable() && ts.retriesLeft > 0) {
            ts.retriesLeft--;
            t.transition(ts, new Recommendation.ErredOnWorker(e, WAITING));
        } else {
            t.transition(ts, new Recommendation.ErredOnWorker(e, ERRED));
        }
    }

    private void addKeys(AddKeys e) {
        WorkerInfo ws =
                worker(e.worker(), e.keys().isEmpty() ? e.worker() : e.keys().getFirst(), "AddKeys");
        if (ws == null) {
            return;
        }
        List<String> redundant = null;
        for (String k : e.keys()) {
            SchedulerTask ts = m.tasks.get(k);
            if (ts != null && ts.state == MEMORY) {
                m.addReplica(ts, ws);
            } else {
                m.note(k, "AddKeys from " + ws.address + ": replica not needed, asking the worker to free it");
                if (redundant == null) {
                    redundant = new ArrayList<>();
                }
                redundant.add(k);
            }
        }
        if (redundant != null) {
            m.emit(new FreeKeys(ws.address, List.copyOf(redundant), m.stimulusId));
        }
    }

    private void missingData(MissingData e) {
        SchedulerTask ts = m.tasks.get(e.key());
        if (ts == null) {
            m.note(e.key(), "MissingData ignored: unknown key");
            return;
        }
        WorkerInfo ws = m.workers.get(e.erringWorker());
        if (ws == null || !ts.whoHas.contains(ws)) {
            m.note(e.key(), "MissingData: " + e.erringWorker() + " was not listed as a holder anyway");
            return;
        }
        dropReplica(ts, ws);
    }

    private void workerReleasedKey(WorkerReleasedKey e) {
        WorkerInfo ws = worker(e.worker(), e.key(), "WorkerReleasedKey");
        if (ws == null) {
            return;
        }
        SchedulerTask ts = m.tasks.get(e.key());
        if (ts == null || !ts.whoHas.contains(ws)) {
            m.note(e.key(), "WorkerReleasedKey from " + ws.address + " ignored: not a holder");
            return;
        }
        dropReplica(ts, ws);
    }

    /** The worker no longer has the result; if it was the last copy, recompute or report it lost. */
    private void dropReplica(SchedulerTask ts, WorkerInfo ws) {
        m.removeReplica(ts, ws);
        if (ts.whoHas.isEmpty() && ts.state == MEMORY) {
            ts.dataLost = true;
            t.recommend(ts, ts.runSpec != null ? RELEASED : FORGOTTEN);
        }
    }

    private void longRunning(LongRunning e) {
        WorkerInfo ws = worker(e.worker(), e.key(), "LongRunning");
        if (ws == null) {
            return;
        }
        SchedulerTask ts = processingOn(e.key(), ws, e.runId(), "LongRunning");
        if (ts == null || ts.longRunning) {
            return;
        }
        ts.longRunning = true;
        ws.longRunningCount++;
        ws.occupancy -= ts.occupancyEstimate;
        ts.occupancyEstimate = 0;
        m.note(ts.key, "LongRunning: seceded on " + ws.address + ", no longer holds a thread slot");
        t.slotsMaybeOpened();
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
    }
}
