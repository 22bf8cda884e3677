package io.jdask.scheduler;

import io.jdask.protocol.ClientMsg;
import io.jdask.protocol.Message;
import io.jdask.protocol.RunSpec;
import io.jdask.protocol.SchedulerMsg;
import io.jdask.protocol.WorkerMsg;
import io.jdask.scheduler.state.GraphSpec;
import io.jdask.scheduler.state.Restrictions;
import io.jdask.scheduler.state.SchedulerEvent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/*
 * Design note. The pure half of the shell's message handling (STYLE.md section 2: decode, make event, handle):
 * (role of the sender, its id, message, now) -> Translation. No sockets, threads, clock or state: the loop passes
 * everything in, so a test feeds messages and checks the events. A message a role may not send becomes a Reject;
 * a malformed one (a required field null) throws IllegalArgumentException, which the loop also turns into closing
 * that connection. The switches over the message families are exhaustive, and the families split into state
 * events and Requests by type (ClientMsg.Request, WorkerMsg.Request), so a new message does not compile until it is
 * placed here.
 */
/** Translates received messages into events and requests; loop-confined only because of its stimulus counter. */
final class Translator {
    /** The pseudo-client that wants fire-and-forget keys until they finish. */
    static final String FIRE_AND_FORGET = "fire-and-forget";

    private final Stimuli stimuli;

    Translator(Stimuli stimuli) {
        this.stimuli = stimuli;
    }

    /**
     * Translates {@code m} from a connection in {@code role}, known as {@code id} (a client id or a worker's address;
     * null while NEW), with {@code nowNanos} as the events' time.
     *
     * @throws IllegalArgumentException if the message lacks a field it needs
     */
    Translation translate(Connection.Role role, String id, Message m, long nowNanos) {
        return switch (role) {
            case NEW ->
                m instanceof WorkerMsg.RegisterWorker r
                        ? register(r, nowNanos)
                        : new Translation.Reject("expected RegisterWorker as the first message of a connection"
                                + " that is not a client, got " + m.getClass().getSimpleName());
            case CLIENT ->
                m instanceof ClientMsg cm
                        ? fromClient(id, cm, nowNanos)
                        : new Translation.Reject("unexpected " + m.getClass().getSimpleName() + " from a client");
            case WORKER ->
                m instanceof WorkerMsg wm
                        ? fromWorker(id, wm, nowNanos)
                        : new Translation.Reject(
                                "unexpected " + m.getClass().getSimpleName() + " from a registered worker");
            case CLOSED -> new Translation.Reject("a message on a closed connection");
        };
    }

    private Translation register(WorkerMsg.RegisterWorker r, long now) {
        if (r.address() == null || r.address().isEmpty()) {
            return new Translation.Reject("RegisterWorker without a listening address");
        }
        return new Translation.RegisterWorker(
                new SchedulerEvent.AddWorker(
                        r.address(),
                        r.nthreads(),
                        r.memoryLimit(),
                        r.resources() == null ? Map.of() : r.resources(),
                        r.name(),
                        stimuli.next("add-worker"),
                        now),
                r.pid());
    }

    private Translation fromClient(String cid, ClientMsg m, long now) {
        return switch (m) {
            case ClientMsg.Request r -> new Translation.ClientRequest(r);
            case ClientMsg.UpdateGraph u -> event(updateGraph(cid, u, now));
            case ClientMsg.ReleaseKeys r ->
                event(new SchedulerEvent.ReleaseKeys(cid, keys(r.keys()), stimuli.next("release-keys"), now));
            case ClientMsg.DesireKeys d -> // wanting known keys again is an update without tasks
                event(new SchedulerEvent.UpdateGraph(
                        cid, GraphSpec.wanting(keys(d.keys())), stimuli.next("desire-keys"), now));
            case ClientMsg.CancelKeys k ->
                event(new SchedulerEvent.CancelKeys(cid, keys(k.keys()), false, stimuli.next("cancel-keys"), now));
            case ClientMsg.RetryKeys k ->
                event(new SchedulerEvent.RetryKeys(cid, keys(k.keys()), stimuli.next("retry-keys"), now));
            case ClientMsg.FireAndForget f ->
                event(new SchedulerEvent.UpdateGraph(
                        FIRE_AND_FORGET, GraphSpec.wanting(keys(f.keys())), stimuli.next("fire-and-forget"), now));
            case ClientMsg.ScatterDone s -> event(scatterDone(cid, s, now));
        };
    }

    private Translation fromWorker(String w, WorkerMsg m, long now) {
        return switch (m) {
            case WorkerMsg.Request r -> new Translation.WorkerRequest(r);
            case WorkerMsg.RegisterWorker r ->
                new Translation.Reject("unexpected RegisterWorker from a registered worker");
            case WorkerMsg.TaskFinished f ->
                new Translation.TaskReport(
                        new SchedulerEvent.TaskFinished(
                                w,
                                f.key(),
                                f.runId(),
                                f.nbytes(),
                                f.typeName(),
                                f.startNanos(),
                                f.stopNanos(),
                                stimuli.orNext(f.stimulusId(), "task-finished"),
                                now),
                        new SchedulerMsg.TaskStreamEntry(
                                f.key(), w, f.thread(), f.startNanos() / 1000, f.stopNanos() / 1000, false),
                        f.inlineValue());
            case WorkerMsg.TaskErred e ->
                new Translation.TaskReport(
                        new SchedulerEvent.TaskErred(
                                w,
                                e.key(),
                                e.runId(),
                                new WorkerError(e.exception(), e.exceptionType(), e.message(), e.traceback()),
                                true,
                                stimuli.orNext(e.stimulusId(), "task-erred"),
                                now),
                        e.stopNanos() == 0 // failed before its function ran, so there is nothing to draw
                                ? null
                                : new SchedulerMsg.TaskStreamEntry(
                                        e.key(), w, e.thread(), e.startNanos() / 1000, e.stopNanos() / 1000, true),
                        null);
            case WorkerMsg.AddKeys a ->
                event(new SchedulerEvent.AddKeys(w, keys(a.keys()), stimuli.orNext(a.stimulusId(), "add-keys"), now));
            case WorkerMsg.ReleaseWorkerData r ->
                event(new SchedulerEvent.WorkerReleasedKey(
                        w, r.key(), stimuli.orNext(r.stimulusId(), "release-worker-data"), now));
            case WorkerMsg.LongRunning l ->
                event(new SchedulerEvent.LongRunning(
                        w, l.key(), l.runId(), stimuli.orNext(l.stimulusId(), "long-running"), now));
            case WorkerMsg.MemoryStatus s ->
                event(new SchedulerEvent.WorkerMemory(
                        w,
                        s.managedBytes(),
                        s.spilledBytes(),
                        s.heapBytes(),
                        s.paused(),
                        s.exitReason(),
                        stimuli.orNext(s.stimulusId(), "worker-memory"),
                        now));
            case WorkerMsg.StealResponse r ->
                event(new SchedulerEvent.StealResponse(
                        w,
                        r.key(),
                        r.runId(),
                        r.released(),
                        r.state(),
                        stimuli.orNext(r.stimulusId(), "steal-response"),
                        now));
            case WorkerMsg.Heartbeat h ->
                event(new SchedulerEvent.WorkerHeartbeat(
                        w,
                        h.executing(),
                        h.ready(),
                        h.managedBytes(),
                        h.spilledBytes(),
                        h.heapBytes(),
                        stimuli.next("heartbeat"),
                        now));
            case WorkerMsg.MissingData d ->
                event(new SchedulerEvent.MissingData(
                        d.key(), d.erringWorker(), stimuli.orNext(d.stimulusId(), "missing-data"), now));
        };
    }

    private static Translation event(SchedulerEvent e) {
        return new Translation.Event(e);
    }

    static List<String> keys(List<String> keys) {
        if (keys == null) {
            throw new IllegalArgumentException("keys must not be null");
        }
        return keys;
    }

    /**
     * The columnar message becomes the state machine's {@link GraphSpec} without a per-task object: the run specs
     * stay one block, sliced into each created task's own bytes when the state machine makes the task (so a
     * culled or already known task costs no copy, and a kept one does not pin the whole block).
     */
    private SchedulerEvent.UpdateGraph updateGraph(String cid, ClientMsg.UpdateGraph u, long now) {
        List<String> keys = orEmpty(u.keys());
        int n = keys.size();
        for (int i = 0; i < n; i++) {
            if (keys.get(i) == null) {
                throw new IllegalArgumentException("the key of task " + i + " of an UpdateGraph is null");
            }
        }
        byte[] block = u.runSpecs() == null ? new byte[0] : u.runSpecs();
        int[] ends = u.runSpecEnds() == null ? new int[0] : u.runSpecEnds();
        if (ends.length != n) {
            throw new IllegalArgumentException(
                    "runSpecEnds has " + ends.length + " entries for " + n + " tasks; every task needs its run spec");
        }
        for (int i = 0, from = 0; i < n; from = ends[i++]) {
            if (ends[i] < from || ends[i] > block.length) {
                throw new IllegalArgumentException("runSpecEnds[" + i + "] = " + ends[i]
                        + " is out of order or beyond the " + block.length + " bytes of run specs (task '"
                        + keys.get(i) + "')");
            }
        }
        var options = new ArrayList<GraphSpec.TaskOptions>();
        for (ClientMsg.TaskOptions o : orEmpty(u.options())) {
            if (o == null) {
                throw new IllegalArgumentException("an UpdateGraph's task options are null");
            }
            List<String> where = orEmpty(o.workers());
            Map<String, Double> resources = o.resources() == null ? Map.of() : o.resources();
            Restrictions restrictions = where.isEmpty() && resources.isEmpty()
                    ? Restrictions.NONE
                    : new Restrictions(new LinkedHashSet<>(where), o.allowOtherWorkers(), resources);
            options.add(new GraphSpec.TaskOptions(o.priority(), o.retries(), restrictions));
        }
        var graph = new GraphSpec(
                keys,
                orEmpty(u.dependencyEnds()),
                orEmpty(u.dependencies()),
                orEmpty(u.knownKeys()),
                i -> new RunSpec(Arrays.copyOfRange(block, i == 0 ? 0 : ends[i - 1], ends[i]), cid),
                options,
                orEmpty(u.optionOf()),
                orEmpty(u.wanted()));
        return new SchedulerEvent.UpdateGraph(cid, graph, stimuli.next("update-graph"), now);
    }

    private static <T> List<T> orEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }

    private static int[] orEmpty(int[] a) {
        return a == null ? new int[0] : a;
    }

    private SchedulerEvent.UpdateData scatterDone(String cid, ClientMsg.ScatterDone s, long now) {
        Map<String, List<String>> whoHas = s.whoHas() == null ? Map.of() : s.whoHas();
        Map<String, Long> nbytes = s.nbytes() == null ? Map.of() : s.nbytes();
        var data = new LinkedHashMap<String, SchedulerEvent.ScatteredData>();
        for (var e : whoHas.entrySet()) {
            Long n = nbytes.get(e.getKey());
            data.put(e.getKey(), new SchedulerEvent.ScatteredData(e.getValue(), n == null ? -1 : n, ""));
        }
        return new SchedulerEvent.UpdateData(cid, data, stimuli.next("scatter"), now);
    }
}
