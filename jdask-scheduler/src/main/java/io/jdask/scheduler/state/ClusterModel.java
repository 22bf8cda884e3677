package io.jdask.scheduler.state;

import io.jdask.protocol.state.BoundedLog;
import io.jdask.protocol.state.Priority;
import io.jdask.protocol.state.Transition;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/*
 * Design note. Every index of the scheduler in one place, plus the primitive mutations that keep two
 * sides of a relation in step (a replica is added to the task's whoHas and the worker's hasWhat
 * together, a want to the task's whoWants and the client's wantsWhat together, a state change updates
 * the per-state counters). Edges and event handlers only mutate through these helpers or through
 * fields whose invariant they restore before the handle call returns; StateValidator checks the result.
 *
 * Concurrency: none. One thread owns the SchedulerState and with it this object.
 *
 * The per-event context (stimulusId, now, output list) lives here so edges can emit instructions and
 * log to the story without passing it around; it is set by SchedulerState for each event.
 */
/** The scheduler's indexes and the mutations that keep them consistent. */
final class ClusterModel {

    /** Orders queued and unrunnable tasks: priority first, key as a total tie-break. */
    static final Comparator<SchedulerTask> BY_PRIORITY = (a, b) -> {
        int c = SchedulerTask.comparePriority(a, b);
        return c != 0 ? c : a.key.compareTo(b.key);
    };

    /** Beyond this many prefixes, a prefix is dropped as soon as its last task is forgotten. */
    private static final int PREFIXES_KEPT = 10_000;

    final SchedulerConfig config;

    /** Every task not FORGOTTEN, by key. */
    final HashMap<String, SchedulerTask> tasks = new HashMap<>();

    /** Connected workers in join order (iteration order is the deterministic tie-break). */
    final LinkedHashMap<String, WorkerInfo> workers = new LinkedHashMap<>();

    final HashMap<String, ClientInfo> clients = new HashMap<>();

    /** Exactly the QUEUED tasks, by priority. Non-empty only while every worker is saturated. */
    final TreeSet<SchedulerTask> queued = new TreeSet<>(BY_PRIORITY);

    /** Exactly the NO_WORKER tasks, by priority. */
    final TreeSet<SchedulerTask> unrunnable = new TreeSet<>(BY_PRIORITY);

    final HashMap<String, TaskPrefix> prefixes = new HashMap<>();

    /** Number of tasks per state (index = ordinal); FORGOTTEN counts tasks forgotten so far. */
    final long[] stateCounts = new long[SchedulerTaskState.values().length];

    /** The story: every transition and ignored event, bounded; see {@link SchedulerState#story}. */
    final BoundedLog<Transition<SchedulerTaskState>> story;

    private long workerCounter;

    /** Connected workers whose {@link WorkerInfo#paused} is set. */
    int pausedWorkers;

    /** Since when every worker is paused while tasks wait (event time), or -1; see PausedCluster. */
    long allPausedSince = -1;

    /** True once the clients were warned of the current all-paused stall. */
    boolean allPausedWarned;

    /** Run id of the last ComputeTask; strictly increasing. */
    long lastRunId;

    /** Generation of the last UpdateGraph / UpdateData; strictly increasing. */
    long generation;

    // ---- per-event context, set by SchedulerState ----
    String stimulusId = "";
    long now;
    ArrayList<SchedulerInstruction> out = new ArrayList<>();

    ClusterModel(SchedulerConfig config) {
        this.config = config;
        this.story = new BoundedLog<>(config.storyCapacity());
    }

    // ---- tasks ----

    /**
     * Makes and indexes a RELEASED task whose priority is {@link Priority#ofSubmission}{@code (userPriority,
     * generation, order)}.
     */
    SchedulerTask newTask(
            String key,
            Object runSpec,
            int userPriority,
            long generation,
            int order,
            int retries,
            Restrictions restrictions) {
        String prefixName = TaskPrefix.prefixOf(key);
        TaskPrefix prefix = prefixes.get(prefixName);
        if (prefix == null) {
            prefix = new TaskPrefix(prefixName);
            prefixes.put(prefixName, prefix);
        }
        prefix.liveTasks++;
        var ts = new SchedulerTask(key, prefix, runSpec, userPriority, generation, order, retries, restrictions);
        tasks.put(key, ts);
        stateCounts[SchedulerTaskState.RELEASED.ordinal()]++;
        return ts;
    }

    /**
     * Undoes {@link #newTask} for a task that nothing links to yet and that never moved (an update made it, then
     * found it was not needed): it is gone as if never made, not counted as forgotten.
     */
    void discardNew(SchedulerTask ts) {
        removeTask(ts);
        stateCounts[SchedulerTaskState.FORGOTTEN.ordinal()]--;
    }

    void setState(SchedulerTask ts, SchedulerTaskState kind) {
        stateCounts[ts.state.ordinal()]--;
        stateCounts[kind.ordinal()]++;
        ts.state = kind;
    }

    /** Removes a task that has no links left; it becomes FORGOTTEN. */
    void removeTask(SchedulerTask ts) {
        tasks.remove(ts.key);
        setState(ts, SchedulerTaskState.FORGOTTEN);
        TaskPrefix p = ts.prefix;
        if (--p.liveTasks == 0 && (p.averageDurationNanos < 0 || prefixes.size() > PREFIXES_KEPT)) {
            prefixes.remove(p.name);
        }
    }

    long sizeOf(SchedulerTask ts) {
        return ts.nbytes >= 0 ? ts.nbytes : config.defaultDataSizeBytes();
    }

    /** Duration estimate of one run of the task. */
    long estimate(SchedulerTask ts) {
        long avg = ts.prefix.averageDurationNanos;
        return avg >= 0 ? avg : config.defaultTaskDurationNanos();
    }

    // ---- replicas ----

    void addReplica(SchedulerTask ts, WorkerInfo ws) {
        if (ts.addHolder(ws)) {
            ws.hasWhat.add(ts);
            ws.nbytes += sizeOf(ts);
        }
    }

    void removeReplica(SchedulerTask ts, WorkerInfo ws) {
        if (ts.whoHas.remove(ws)) {
            ws.hasWhat.remove(ts);
            ws.nbytes -= sizeOf(ts);
        }
    }

    /** Changes a task's size, keeping its holders' byte counts exact. Negative sizes are ignored. */
    void setNbytes(SchedulerTask ts, long nbytes) {
        if (nbytes < 0 || nbytes == ts.nbytes) {
            return;
        }
        long before = sizeOf(ts);
        ts.nbytes = nbytes;
        long delta = sizeOf(ts) - before;
        for (WorkerInfo ws : ts.whoHas) {
            ws.nbytes += delta;
        }
    }

    // ---- wants ----

    void addWant(ClientInfo c, SchedulerTask ts) {
        if (ts.addWanter(c)) {
            c.wantsWhat.add(ts);
        }
    }

    void removeWant(ClientInfo c, SchedulerTask ts) {
        if (ts.whoWants.remove(c)) {
            c.wantsWhat.remove(ts);
        }
    }

    // ---- workers ----

    WorkerInfo newWorker(SchedulerEvent.AddWorker e) {
        var ws = new WorkerInfo(
                e.address(),
                e.name(),
                e.nthreads(),
                e.memoryLimitBytes(),
                e.resources(),
                workerCounter++,
                config.workerSaturation());
        ws.lastSeenNanos = e.now();
        workers.put(ws.address, ws);
        return ws;
    }

    /** True while the worker is connected (a removed worker's object may still be referenced). */
    boolean alive(WorkerInfo ws) {
        return workers.get(ws.address) == ws;
    }

    // ---- output and story ----

    void emit(SchedulerInstruction i) {
        out.add(i);
    }

    /** The story entries about these keys (or worker addresses, client ids, stimulus ids), oldest first. */
    List<Transition<SchedulerTaskState>> story(String... keysOrStimulusIds) {
        Set<String> wanted = Set.of(keysOrStimulusIds);
        return story.filter(t -> t.concerns(wanted));
    }

    /** Notes in the story that an event about {@code key} was ignored or changed nothing. */
    void note(String key, String why) {
        if (config.storyCapacity() == 0) {
            return;
        }
        SchedulerTask ts = tasks.get(key);
        SchedulerTaskState s = ts == null ? SchedulerTaskState.FORGOTTEN : ts.state;
        story.add(Transition.note(key, s, stimulusId, now, why));
    }
}
