package io.jdask.scheduler;

import io.jdask.protocol.ClientMsg;
import io.jdask.protocol.SchedulerMsg;
import io.jdask.protocol.WorkerMsg;
import io.jdask.scheduler.state.SchedulerEvent;
import io.jdask.scheduler.state.SchedulerState;
import io.jdask.scheduler.state.SchedulerTaskState;
import io.jdask.scheduler.state.TaskView;
import io.jdask.scheduler.state.WorkerView;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Design note. The requests the scheduler answers itself rather than through its state machine's instructions:
 * queries (cluster info, who has, the task stream), relays (classes, jars, static state: ClassRelay), the
 * coordination primitives (Coordination decides, this carries out its effects), restarts (Restarts), and gathers of
 * worker answers (profiles, through WorkerGathers). Each switch is exhaustive over ClientMsg.Request or
 * WorkerMsg.Request, so a new request kind is a compile error here until it is handled.
 *
 * Adding a request kind that asks every worker: a WorkerGathers<Reply> field, a case that starts a gather and sends
 * the question (as profiles() and runOnWorkers() do), a case routing the workers' replies to answered(), and the
 * gathers added to the loop's timers and to the worker-removal path.
 *
 * Task output (WorkerMsg.TaskOutput) is relayed to the client that submitted the tasks, as a task report that may be
 * held like KeyInMemory (and so never overtakes it); when that client is gone, it goes back to the worker
 * (OutputUndelivered), which writes it to its log. Worker plugins are kept by name, in registration order, for the
 * scheduler's life, and sent to every worker that registers later (after the jars and pushed classes they may need).
 */
/** Handles client and worker requests; loop-confined. */
final class Requests {
    private static final Logger LOG = LoggerFactory.getLogger(Requests.class);

    /** How long a worker may take to answer a profile request before the gather answers without it. */
    static final long PROFILE_TIMEOUT_NANOS = 5_000_000_000L;

    private final Connections connections;
    private final Turn turn;
    private final Stimuli stimuli;
    private final ClassRelay classes;
    private final Restarts restarts;
    private final Retirements retirements;
    /** Queues, locks, semaphores, events, variables and topics (see Coordination). */
    private final Coordination coordination;
    /** The task stream: the latest finished and erred runs, as workers reported them. */
    private final TaskStreamBuffer taskStream;
    /** Profile requests out to workers. */
    private final WorkerGathers<WorkerMsg.ProfileData> profiles;
    /** client.run functions and plugin setups out to workers. */
    private final WorkerGathers<WorkerMsg.RunOutcome> runs;
    /** Registered worker plugins by name, as a worker that joins later gets them (request id 0: nobody waits). */
    private final java.util.LinkedHashMap<String, SchedulerMsg.SetupPlugin> plugins = new java.util.LinkedHashMap<>();

    /** How long a client.run or a plugin's setup may take on a worker before the client hears without it. */
    static final long RUN_TIMEOUT_NANOS = 600_000_000_000L;

    Requests(
            Connections connections,
            Turn turn,
            Stimuli stimuli,
            ClassRelay classes,
            Restarts restarts,
            Retirements retirements,
            Coordination coordination,
            TaskStreamBuffer taskStream,
            WorkerGathers<WorkerMsg.ProfileData> profiles,
            WorkerGathers<WorkerMsg.RunOutcome> runs) {
        this.connections = connections;
        this.turn = turn;
        this.stimuli = stimuli;
        this.classes = classes;
        this.restarts = restarts;
        this.retirements = retirements;
        this.coordination = coordination;
        this.taskStream = taskStream;
        this.profiles = profiles;
        this.runs = runs;
    }

    void fromClient(Connection c, ClientMsg.Request m) {
        String cid = c.id;
        switch (m) {
            case ClientMsg.ClusterInfoRequest r -> {
                turn.flush(); // the answer reflects every message before the request
                connections.send(c, clusterInfo(r.requestId(), turn.state()));
            }
            case ClientMsg.ClassBytesForWorker b -> classes.classBytes(cid, b);
            case ClientMsg.StaticStateForWorkers st -> classes.staticState(cid, st);
            case ClientMsg.PushClasses p -> classes.pushClasses(cid, p);
            case ClientMsg.UploadJar j -> classes.uploadJar(cid, j);
            case ClientMsg.RestartWorkers r -> restart(c, r.requestId());
            case ClientMsg.WorkerExited w -> turn.nannyAccount(w.pid(), w.cause() == null ? "" : w.cause());
            case ClientMsg.AdaptiveTargetRequest r -> {
                turn.flush(); // the answer reflects every message before the request
                String error = r.targetDurationNanos() > 0 ? null : "the target duration must be positive";
                if (error != null) {
                    connections.send(c, new SchedulerMsg.Ack(r.requestId(), error));
                } else {
                    var t = turn.state().adaptiveTarget(r.targetDurationNanos());
                    connections.send(c, new SchedulerMsg.AdaptiveTargetReply(r.requestId(), t.workers(), t.toClose()));
                }
            }
            case ClientMsg.RetireWorkers r ->
                retire(
                        Translator.keys(r.addresses()),
                        error -> connections.sendIfOpen(c, new SchedulerMsg.Ack(r.requestId(), error)));
            case ClientMsg.Coordinate co -> effects(coordination.handle(cid, co.requestId(), co.op(), turn.now()));
            case ClientMsg.CancelWait cw -> effects(coordination.cancelWait(cid, cw.requestId()));
            case ClientMsg.TaskStreamRequest r ->
                connections.send(
                        c,
                        new SchedulerMsg.TaskStreamReply(
                                r.requestId(), taskStream.since(r.sinceMicros(), Integer.MAX_VALUE)));
            case ClientMsg.Heartbeat h -> {} // its arrival is all it says (the loop noted when)
            case ClientMsg.ProfileRequest r ->
                profiles(byWorker -> connections.sendIfOpen(c, new SchedulerMsg.ProfileReply(r.requestId(), byWorker)));
            case ClientMsg.RunOnWorkers r -> {
                if (r.fn() == null) throw new IllegalArgumentException("RunOnWorkers without a function");
                runOnWorkers(c, r.requestId(), id -> new SchedulerMsg.RunOnWorker(id, cid, r.fn()));
            }
            case ClientMsg.RegisterPlugin p -> {
                if (p.name() == null || p.name().isEmpty() || p.plugin() == null) {
                    throw new IllegalArgumentException("RegisterPlugin needs a name and the plugin's bytes");
                }
                plugins.remove(p.name()); // a plugin registered again moves to the end, as it is set up last
                plugins.put(p.name(), new SchedulerMsg.SetupPlugin(0, cid, p.name(), p.plugin()));
                LOG.info("client {} registered worker plugin {}", cid, p.name());
                runOnWorkers(c, p.requestId(), id -> new SchedulerMsg.SetupPlugin(id, cid, p.name(), p.plugin()));
            }
        }
    }

    /**
     * Sends {@code question(id)} to every registered worker and answers the client with every worker's outcome once
     * all answered or left, or at {@link #RUN_TIMEOUT_NANOS}.
     */
    private void runOnWorkers(Connection c, long requestId, java.util.function.LongFunction<SchedulerMsg> question) {
        List<String> asked = List.copyOf(connections.workerAddresses());
        long id = runs.start(asked, turn.now() + RUN_TIMEOUT_NANOS, byWorker -> {
            List<String> missing = new ArrayList<>();
            for (String w : asked) {
                if (!byWorker.containsKey(w)) missing.add(w);
            }
            connections.sendIfOpen(c, new SchedulerMsg.RunReply(requestId, byWorker, missing));
        });
        if (id >= 0) {
            SchedulerMsg ask = question.apply(id);
            for (Connection w : connections.workers()) {
                connections.send(w, ask);
            }
        }
    }

    /** A worker registered: it sets up every plugin registered so far, in registration order. */
    void workerJoined(Connection worker) {
        for (SchedulerMsg.SetupPlugin p : plugins.values()) {
            connections.send(worker, p);
        }
    }

    /** Relays a worker's task output to its client, or back to the worker's log when that client is gone. */
    private void taskOutput(Connection worker, WorkerMsg.TaskOutput t) {
        if (t.lines() == null || t.lines().isEmpty()) return;
        Connection client = t.clientId() == null ? null : connections.client(t.clientId());
        if (client != null && client.role == Connection.Role.CLIENT) {
            String name = t.workerName() == null || t.workerName().isEmpty() ? worker.id : t.workerName();
            connections.sendMayHold(client, new SchedulerMsg.TaskOutput(name, t.lines()));
        } else {
            connections.send(worker, new SchedulerMsg.OutputUndelivered(t.clientId(), t.lines()));
        }
    }

    void fromWorker(Connection c, WorkerMsg.Request m) {
        switch (m) {
            case WorkerMsg.TaskStarted s -> taskStarted(c.id, s.key(), turn.state());
            case WorkerMsg.RequestWhoHas r -> {
                turn.flush(); // the answer reflects every message before the request
                var whoHas = new LinkedHashMap<String, List<String>>();
                for (String k : Translator.keys(r.keys())) {
                    TaskView tv = turn.state().task(k);
                    whoHas.put(k, tv == null ? List.of() : List.copyOf(tv.whoHas()));
                }
                connections.send(
                        c, new SchedulerMsg.RefreshWhoHas(whoHas, stimuli.orNext(r.stimulusId(), "refresh-who-has")));
            }
            case WorkerMsg.FetchClass f -> classes.fetchClass(c, f);
            case WorkerMsg.WorkerProfileReply p -> profiles.answered(c.id, p.requestId(), p.profile());
            case WorkerMsg.TaskOutput t -> taskOutput(c, t);
            case WorkerMsg.RunResult r -> runs.answered(c.id, r.requestId(), r.outcome());
        }
    }

    /** Asks every registered worker for its profile; {@code onDone} gets the answers (on the loop thread). */
    void profiles(Consumer<Map<String, WorkerMsg.ProfileData>> onDone) {
        long id = profiles.start(connections.workerAddresses(), turn.now() + PROFILE_TIMEOUT_NANOS, onDone);
        if (id >= 0) {
            var ask = new SchedulerMsg.WorkerProfileRequest(id);
            for (Connection w : connections.workers()) {
                connections.send(w, ask);
            }
        }
    }

    /**
     * Carries out what the coordination extension decided: replies go out at once; wants and releases become events
     * of this turn, in order (a getter wants a stored future's key before the extension lets go of it).
     */
    void effects(List<Coordination.Effect> effects) {
        for (Coordination.Effect e : effects) {
            switch (e) {
                case Coordination.Reply r -> {
                    Connection c = connections.client(r.clientId());
                    if (c != null) {
                        connections.send(c, r.msg());
                    }
                }
                case Coordination.Want w -> {
                    if (connections.hasClient(w.clientId()) || w.clientId().equals(Coordination.COORDINATION)) {
                        turn.event(new SchedulerEvent.UpdateGraph(
                                w.clientId(),
                                List.of(),
                                List.of(w.key()),
                                stimuli.next("coordination-want"),
                                turn.now()));
                    }
                }
                case Coordination.Unwant u ->
                    turn.event(new SchedulerEvent.ReleaseKeys(
                            u.clientId(), List.of(u.key()), stimuli.next("coordination-release"), turn.now()));
            }
        }
    }

    /**
     * Restart as Dask does: every client's futures are cancelled (a restarted cluster keeps no results), then
     * every worker is asked to close (its supervisor starts a fresh process); the client gets its Ack once
     * they have all left, or an Ack with an error after the restart timeout.
     */
    private void restart(Connection c, long requestId) {
        turn.flush();
        SchedulerState state = turn.state();
        String stim = stimuli.next("restart");
        for (String cid : new ArrayList<>(state.clients())) {
            Set<String> wanted = state.wantedKeys(cid);
            if (!wanted.isEmpty()) {
                turn.event(new SchedulerEvent.CancelKeys(cid, List.copyOf(wanted), true, stim, turn.now()));
            }
        }
        turn.flush();
        var waitingFor = List.copyOf(connections.workerAddresses());
        var close = new SchedulerMsg.CloseWorker("restart requested by " + c.id);
        for (Connection w : connections.workers()) {
            connections.send(w, close);
        }
        LOG.info("client {} restarts {} workers", c.id, waitingFor.size());
        restarts.start(c, requestId, waitingFor, turn.now());
    }

    /**
     * Retires workers gracefully (see {@code state.Retirement}): an unknown address is refused at once, naming the
     * workers there are; otherwise the state starts and {@code answer} gets null once they have all left, or why not.
     */
    void retire(List<String> workers, Consumer<String> answer) {
        turn.flush();
        List<String> unknown = new ArrayList<>();
        for (String w : workers) {
            if (turn.state().worker(w) == null) unknown.add(w);
        }
        if (!unknown.isEmpty()) {
            answer.accept("no worker is connected at " + String.join(", ", unknown) + "; the workers are "
                    + connections.workerAddresses() + " (client.nthreads() lists them)");
            return;
        }
        LOG.info("retiring workers {}", workers);
        retirements.start(workers, answer, turn.now());
        turn.event(new SchedulerEvent.RetireWorkers(workers, stimuli.next("retire-workers"), turn.now()));
        turn.flush();
    }

    private static SchedulerMsg.ClusterInfo clusterInfo(long requestId, SchedulerState state) {
        var nthreads = new LinkedHashMap<String, Integer>();
        var hasWhat = new LinkedHashMap<String, List<String>>();
        for (WorkerView w : state.workers()) {
            nthreads.put(w.address(), w.nthreads());
            hasWhat.put(w.address(), List.copyOf(w.heldKeys()));
        }
        return new SchedulerMsg.ClusterInfo(requestId, nthreads, hasWhat);
    }

    /**
     * Tells the clients that want the key that it runs. Read from the state as of the previous handle, which
     * is current enough: the task was assigned in an earlier turn, and a client that stops wanting it in this
     * turn ignores reports about keys it no longer holds.
     */
    private void taskStarted(String worker, String key, SchedulerState state) {
        TaskView tv = state.task(key);
        if (tv == null || tv.state() != SchedulerTaskState.PROCESSING || !worker.equals(tv.processingOn())) {
            return; // a stale report: the task moved on
        }
        SchedulerMsg.KeyRunning msg = null;
        for (String cid : tv.whoWants()) {
            Connection client = connections.client(cid);
            if (client != null) {
                if (msg == null) {
                    msg = new SchedulerMsg.KeyRunning(key);
                }
                connections.sendMayHold(client, msg); // a task report: more are likely coming
            }
        }
    }
}
