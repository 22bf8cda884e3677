package io.jdask.scheduler.state;

import io.jdask.scheduler.state.SchedulerEvent.*;
import io.jdask.scheduler.state.SchedulerInstruction.*;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Test fixture around a {@link SchedulerState}: short event factories with generated stimulus ids and a
 * fake clock, {@code validate()} after every handle, and a compact rendering of instructions for exact
 * yet readable assertions ({@link #render}), which works as a partial matcher: it ignores priorities,
 * run specs and the who-has maps unless a test looks at them.
 */
final class Sched {
    final SchedulerState state;
    private long now = 1_000;
    private int stimulus;

    private Sched(SchedulerState state) {
        this.state = state;
    }

    /**
     * A scheduler with default settings, except that a worker's slots stay at ceil(nthreads * saturation) (the tests
     * finish tasks that "took" 100 ns, which would otherwise let workers take more of the queue; tests of that
     * adaptation pass a config of their own).
     */
    static Sched create() {
        return new Sched(SchedulerState.create(
                SchedulerConfig.builder().shortTaskLatencyNanos(0).build()));
    }

    static Sched create(SchedulerConfig config) {
        return new Sched(SchedulerState.create(config));
    }

    /** Handles the events, validates every invariant, returns the instructions. */
    List<SchedulerInstruction> handle(SchedulerEvent... events) {
        var out = state.handle(events);
        state.validate();
        return out;
    }

    /** Handles and renders. */
    List<String> run(SchedulerEvent... events) {
        return render(handle(events));
    }

    String sid() {
        return "s" + (++stimulus);
    }

    long tick() {
        return now += 1_000;
    }

    /** Moves the fake clock on by {@code nanos} (no event); returns the new time. */
    long advance(long nanos) {
        return now += nanos;
    }

    // ---- events ----

    /** The shell's timer, {@code nanos} after the last event. */
    SchedulerEvent.CheckDeadlines later(long nanos) {
        now += nanos;
        return new SchedulerEvent.CheckDeadlines(sid(), now);
    }

    AddClient client(String id) {
        return new AddClient(id, sid(), tick());
    }

    AddWorker worker(String address, int nthreads) {
        return new AddWorker(address, nthreads, 1L << 30, Map.of(), address, sid(), tick());
    }

    AddWorker worker(String address, int nthreads, Map<String, Double> resources) {
        return new AddWorker(address, nthreads, 1L << 30, resources, address, sid(), tick());
    }

    AddWorker namedWorker(String address, String name, int nthreads) {
        return new AddWorker(address, nthreads, 1L << 30, Map.of(), name, sid(), tick());
    }

    RemoveWorker removeWorker(String address) {
        return new RemoveWorker(address, sid(), tick());
    }

    RemoveWorker removeWorker(String address, String cause) {
        return new RemoveWorker(address, cause, sid(), tick());
    }

    /** A memory report: paused or not, with sizes that do not matter here. */
    WorkerMemory memory(String address, boolean paused) {
        return new WorkerMemory(address, 100, 200, 300, paused, "", sid(), tick());
    }

    /** A heartbeat: 1 task executing, 2 ready, sizes that do not matter here. */
    WorkerHeartbeat heartbeat(String address) {
        return new WorkerHeartbeat(address, 1, 2, 100, 200, 300, sid(), tick());
    }

    CheckWorkerTtl checkTtl() {
        return new CheckWorkerTtl(sid(), tick());
    }

    RemoveClient removeClient(String id) {
        return new RemoveClient(id, sid(), tick());
    }

    UpdateGraph submit(String client, List<String> wanted, TaskSpec... specs) {
        return new UpdateGraph(client, List.of(specs), wanted, sid(), tick());
    }

    /** Submits and wants every given spec. */
    UpdateGraph submitAll(String client, TaskSpec... specs) {
        var wanted = new ArrayList<String>();
        for (TaskSpec s : specs) {
            wanted.add(s.key());
        }
        return submit(client, wanted, specs);
    }

    TaskFinished finish(String worker, String key) {
        return finish(worker, key, 8);
    }

    TaskFinished finish(String worker, String key, long nbytes) {
        long t = tick();
        return new TaskFinished(worker, key, runId(key), nbytes, "java.lang.Integer", t - 100, t, sid(), t);
    }

    TaskFinished finishTook(String worker, String key, long nanos) {
        long t = tick();
        return new TaskFinished(worker, key, runId(key), 8, "java.lang.Integer", t - nanos, t, sid(), t);
    }

    TaskErred err(String worker, String key, Object error) {
        return new TaskErred(worker, key, runId(key), error, true, sid(), tick());
    }

    /** The current run id of the key, as the worker running it would echo it; -1 if unknown. */
    long runId(String key) {
        TaskView t = state.task(key);
        return t == null ? -1 : t.runId();
    }

    ReleaseKeys release(String client, String... keys) {
        return new ReleaseKeys(client, List.of(keys), sid(), tick());
    }

    CancelKeys cancel(String client, String... keys) {
        return new CancelKeys(client, List.of(keys), false, sid(), tick());
    }

    RetryKeys retry(String client, String... keys) {
        return new RetryKeys(client, List.of(keys), sid(), tick());
    }

    UpdateData scatter(String client, String key, long nbytes, String... workers) {
        var data = new LinkedHashMap<String, ScatteredData>();
        data.put(key, new ScatteredData(List.of(workers), nbytes, "byte[]"));
        return new UpdateData(client, data, sid(), tick());
    }

    AddKeys addKeys(String worker, String... keys) {
        return new AddKeys(worker, List.of(keys), sid(), tick());
    }

    MissingData missing(String key, String worker) {
        return new MissingData(key, worker, sid(), tick());
    }

    WorkerReleasedKey workerReleased(String worker, String key) {
        return new WorkerReleasedKey(worker, key, sid(), tick());
    }

    SchedulerEvent.RetireWorkers retire(String... workers) {
        return new SchedulerEvent.RetireWorkers(List.of(workers), sid(), tick());
    }

    LongRunning longRunning(String worker, String key) {
        return new LongRunning(worker, key, runId(key), sid(), tick());
    }

    Balance balance() {
        return new Balance(sid(), tick());
    }

    /** The victim's answer to the steal request of the key's current run. */
    StealResponse stealAnswer(String worker, String key, boolean released) {
        return new StealResponse(worker, key, runId(key), released, released ? "READY" : "EXECUTING", sid(), tick());
    }

    // ---- reading ----

    SchedulerTaskState stateOf(String key) {
        TaskView t = state.task(key);
        return t == null ? SchedulerTaskState.FORGOTTEN : t.state();
    }

    static TaskSpec spec(String key, String... deps) {
        return new TaskSpec(key, new LinkedHashSet<>(List.of(deps)), "run:" + key, 0, 0, Restrictions.NONE);
    }

    /**
     * Renders instructions compactly: {@code compute x@w}, {@code free x@w}, {@code cancel x@w},
     * {@code memory x>[c]}, {@code erred x>[c] blame=y}, {@code cancelled x>[c]}, {@code lost x>[c]},
     * {@code recomputing x>[c]}, {@code disconnect w}.
     * Multi-key FreeKeys render as {@code free [a, b]@w}.
     */
    static List<String> render(List<SchedulerInstruction> out) {
        var r = new ArrayList<String>();
        for (SchedulerInstruction i : out) {
            r.add(
                    switch (i) {
                        case ComputeTask c -> "compute " + c.key() + "@" + c.worker();
                        case FreeKeys f ->
                            "free "
                                    + (f.keys().size() == 1
                                            ? f.keys().getFirst()
                                            : f.keys().toString()) + "@" + f.worker();
                        case CancelCompute c -> "cancel " + c.key() + "@" + c.worker();
                        case StealRequest q -> "steal " + q.key() + "@" + q.worker();
                        case DisconnectWorker d -> "disconnect " + d.worker();
                        case KeyInMemory k -> "memory " + k.key() + ">" + new TreeSet<>(k.clients());
                        case KeyErred k ->
                            "erred " + k.key() + ">" + new TreeSet<>(k.clients()) + " blame=" + k.blamedKey();
                        case KeyCancelled k -> "cancelled " + k.key() + ">" + new TreeSet<>(k.clients());
                        case KeyLost k -> "lost " + k.key() + ">" + new TreeSet<>(k.clients());
                        case KeyRecomputing k -> "recomputing " + k.key() + ">" + new TreeSet<>(k.clients());
                        case SchedulerInstruction.WorkersPaused w -> "paused-warning>" + new TreeSet<>(w.clients());
                        case SchedulerInstruction.AcquireReplicas a -> "acquire " + a.whoHas() + "@" + a.worker();
                        case SchedulerInstruction.RetireWorker rw -> "retire @" + rw.worker();
                        case SchedulerInstruction.RetirementFailed f -> "retire-failed " + f.worker();
                    });
        }
        return r;
    }

    static List<ComputeTask> computes(List<SchedulerInstruction> out) {
        var r = new ArrayList<ComputeTask>();
        for (SchedulerInstruction i : out) {
            if (i instanceof ComputeTask c) {
                r.add(c);
            }
        }
        return r;
    }
}
