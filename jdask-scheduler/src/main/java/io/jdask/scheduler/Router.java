package io.jdask.scheduler;

import io.jdask.protocol.RunSpec;
import io.jdask.protocol.SchedulerMsg;
import io.jdask.scheduler.state.KilledWorker;
import io.jdask.scheduler.state.MissingDependency;
import io.jdask.scheduler.state.SchedulerInstruction;
import io.jdask.scheduler.state.SchedulerState;
import io.jdask.scheduler.state.SchedulerTaskState;
import io.jdask.scheduler.state.TaskView;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Design note. Carries out the state's instructions: each becomes a message to its worker or clients, in order per
 * destination (distributed's Scheduler.send_all). Two things are not one-to-one. Consecutive FreeKeys for one worker
 * merge into one message (releasing a big graph makes one instruction per key); a ComputeTask or CancelCompute for
 * that worker first sends what is buffered, so the worker sees them in the state's order. And a KeyInMemory carries
 * the inline result bytes of the TaskFinished that caused it, which the loop hands over with finished() and which
 * are dropped after the routing pass (results are not stored).
 *
 * Urgency: work for workers and reports other than KeyInMemory and KeyRunning must not be held; those two may be
 * (SendHold), as before the split.
 */
/** Routes state instructions to connections as messages; loop-confined. */
final class Router {
    private static final String KILLED_WORKER_TYPE = KilledWorker.class.getName();
    private static final String MISSING_DEPENDENCY_TYPE = MissingDependency.class.getName();

    /** A result reported in the current turn: where, and its inline bytes (or null). */
    private record Finished(String worker, byte[] inlineValue) {}

    private final Connections connections;
    /** Carries out a DisconnectWorker: the loop's, as it involves the connection's life, not only a message. */
    private final java.util.function.BiConsumer<Connection, String> disconnect;
    /** Results reported by workers since the last routing pass, by key; cleared after each pass. */
    private final HashMap<String, Finished> finished = new HashMap<>();
    /** Workers whose FreeKeys buffer is non-empty in the current routing pass. */
    private final ArrayList<Connection> freeDirty = new ArrayList<>();

    /** Told when the state stopped a worker's retirement (see Retirements). */
    private final java.util.function.Consumer<SchedulerInstruction.RetirementFailed> retirementFailed;

    private static final Logger LOG = LoggerFactory.getLogger(Router.class);

    Router(
            Connections connections,
            java.util.function.BiConsumer<Connection, String> disconnect,
            java.util.function.Consumer<SchedulerInstruction.RetirementFailed> retirementFailed) {
        this.connections = connections;
        this.disconnect = disconnect;
        this.retirementFailed = retirementFailed;
    }

    /** A worker reported {@code key} finished in this turn, with its inline bytes (or null). */
    void finished(String key, String worker, byte[] inlineValue) {
        finished.put(key, new Finished(worker, inlineValue));
    }

    /**
     * Sends each instruction to its destination and forgets the turn's results.
     *
     * @return the keys that ended for the fire-and-forget pseudo-client (finished, erred or gone), or an empty list
     */
    List<String> route(List<SchedulerInstruction> out, SchedulerState state) {
        List<String> fireAndForgetDone = List.of();
        for (SchedulerInstruction i : out) {
            switch (i) {
                case SchedulerInstruction.ComputeTask ct -> {
                    Connection w = connections.worker(ct.worker());
                    if (w != null) {
                        sendFreeKeys(w);
                        connections.send(w, computeTask(ct, state));
                    }
                }
                case SchedulerInstruction.CancelCompute cc -> {
                    Connection w = connections.worker(cc.worker());
                    if (w != null) {
                        sendFreeKeys(w);
                        connections.send(w, new SchedulerMsg.CancelCompute(cc.key(), cc.stimulusId()));
                    }
                }
                case SchedulerInstruction.StealRequest sr -> {
                    Connection w = connections.worker(sr.worker());
                    if (w != null) {
                        connections.send(w, new SchedulerMsg.StealRequest(sr.key(), sr.runId(), sr.stimulusId()));
                    }
                }
                case SchedulerInstruction.DisconnectWorker d -> {
                    Connection w = connections.worker(d.worker());
                    if (w != null) {
                        sendFreeKeys(w);
                        disconnect.accept(w, d.reason());
                    }
                }
                case SchedulerInstruction.FreeKeys fk -> {
                    Connection w = connections.worker(fk.worker());
                    if (w != null) {
                        if (w.freeKeys == null) {
                            w.freeKeys = new ArrayList<>(fk.keys());
                            w.freeStimulus = fk.stimulusId();
                            freeDirty.add(w);
                        } else {
                            w.freeKeys.addAll(fk.keys());
                        }
                    }
                }
                case SchedulerInstruction.WorkersPaused wp -> {
                    LOG.warn("{}", wp.message());
                    var msg = new SchedulerMsg.ClusterWarning(wp.message());
                    for (String cid : wp.clients()) {
                        Connection c = connections.client(cid);
                        if (c != null) {
                            connections.send(c, msg);
                        }
                    }
                }
                case SchedulerInstruction.AcquireReplicas a -> {
                    Connection w = connections.worker(a.worker());
                    if (w != null) {
                        sendFreeKeys(w);
                        connections.send(w, new SchedulerMsg.AcquireReplicas(a.whoHas(), a.nbytes(), a.stimulusId()));
                    }
                }
                case SchedulerInstruction.RetireWorker r -> {
                    Connection w = connections.worker(r.worker());
                    if (w != null) {
                        sendFreeKeys(w);
                        connections.send(w, new SchedulerMsg.RetireWorker("its data is safe on other workers"));
                    }
                }
                case SchedulerInstruction.RetirementFailed f -> retirementFailed.accept(f);
                case SchedulerInstruction.ToClient tc -> {
                    if (toClients(tc, state)) {
                        if (fireAndForgetDone.isEmpty()) {
                            fireAndForgetDone = new ArrayList<>();
                        }
                        fireAndForgetDone.add(tc.key());
                    }
                }
            }
        }
        for (Connection w : freeDirty) {
            sendFreeKeys(w);
        }
        freeDirty.clear();
        finished.clear();
        return fireAndForgetDone;
    }

    private void sendFreeKeys(Connection w) {
        if (w.freeKeys != null) {
            List<String> keys = w.freeKeys;
            w.freeKeys = null;
            if (w.role == Connection.Role.WORKER) {
                connections.send(w, new SchedulerMsg.FreeKeys(keys, w.freeStimulus));
            }
        }
    }

    private SchedulerMsg.ComputeTask computeTask(SchedulerInstruction.ComputeTask ct, SchedulerState state) {
        byte[] bytes = null;
        String clientId = null;
        if (ct.runSpec() instanceof RunSpec rs) {
            bytes = rs.bytes();
            clientId = rs.clientId();
            if (!connections.hasClient(clientId)) {
                clientId = classSource(ct.key(), clientId, state);
            }
        }
        long[] priority = ct.priority().toArray();
        return new SchedulerMsg.ComputeTask(
                ct.key(),
                ct.runId(),
                bytes,
                clientId,
                priority,
                ct.whoHas(),
                ct.nbytes(),
                ct.resources(),
                ct.stimulusId());
    }

    /**
     * The submitter of a key's run spec left, but the key is still wanted (pure keys are shared): name a
     * connected client that wants it as the one to ask for classes, since it submitted the same key. Falls back
     * to the original submitter (the worker then gets null bytes for its class requests and the task errs).
     */
    private String classSource(String key, String submitter, SchedulerState state) {
        TaskView tv = state.task(key);
        if (tv != null) {
            for (String cid : tv.whoWants()) {
                if (connections.hasClient(cid)) {
                    return cid;
                }
            }
        }
        return submitter;
    }

    /** Sends a report to its clients; true if the fire-and-forget pseudo-client was among them. */
    private boolean toClients(SchedulerInstruction.ToClient tc, SchedulerState state) {
        SchedulerMsg msg = null;
        boolean fireAndForget = false;
        for (String cid : tc.clients()) {
            if (cid.equals(Translator.FIRE_AND_FORGET)) {
                // Being computed again is no end: fire-and-forget interest lasts until the key is done again.
                fireAndForget = !(tc instanceof SchedulerInstruction.KeyRecomputing);
                continue;
            }
            Connection c = connections.client(cid);
            if (c == null) {
                continue;
            }
            if (msg == null) {
                msg = clientMessage(tc, state);
            }
            if (msg instanceof SchedulerMsg.KeyInMemory || msg instanceof SchedulerMsg.KeyRunning) {
                connections.sendMayHold(c, msg); // a task report: more are likely coming
            } else {
                connections.send(c, msg);
            }
        }
        return fireAndForget;
    }

    private SchedulerMsg clientMessage(SchedulerInstruction.ToClient tc, SchedulerState state) {
        return switch (tc) {
            case SchedulerInstruction.KeyInMemory k -> {
                Finished f = finished.get(k.key());
                TaskView tv = state.task(k.key());
                List<String> holders;
                if (tv != null && tv.state() == SchedulerTaskState.MEMORY) {
                    holders = List.copyOf(tv.whoHas());
                } else {
                    holders = f == null ? List.of() : List.of(f.worker);
                }
                yield new SchedulerMsg.KeyInMemory(
                        k.key(), k.typeName(), k.nbytes(), holders, f == null ? null : f.inlineValue);
            }
            case SchedulerInstruction.KeyErred e -> keyErred(e);
            case SchedulerInstruction.KeyCancelled c -> new SchedulerMsg.KeyCancelled(c.key(), "cancelled");
            case SchedulerInstruction.KeyLost l ->
                new SchedulerMsg.KeyLost(
                        l.key(), "every copy of its result was lost (its workers left) and it cannot be recomputed");
            case SchedulerInstruction.KeyRecomputing r -> new SchedulerMsg.KeyRecomputing(r.key());
        };
    }

    private static SchedulerMsg.KeyErred keyErred(SchedulerInstruction.KeyErred e) {
        // A switch over the error object the state recorded, not over messages: any other type is reported by name.
        return switch (e.error()) {
            case WorkerError w ->
                new SchedulerMsg.KeyErred(
                        e.key(), e.blamedKey(), w.exception(), w.exceptionType(), w.message(), w.traceback());
            case KilledWorker k ->
                new SchedulerMsg.KeyErred(e.key(), e.blamedKey(), null, KILLED_WORKER_TYPE, k.message(), null);
            case MissingDependency m ->
                new SchedulerMsg.KeyErred(e.key(), e.blamedKey(), null, MISSING_DEPENDENCY_TYPE, m.message(), null);
            case null ->
                new SchedulerMsg.KeyErred(e.key(), e.blamedKey(), null, "UnknownError", "no error recorded", null);
            default ->
                new SchedulerMsg.KeyErred(
                        e.key(), e.blamedKey(), null, e.error().getClass().getName(), String.valueOf(e.error()), null);
        };
    }
}
