package io.jdask.scheduler;

import io.jdask.protocol.ClientMsg;
import io.jdask.protocol.SchedulerMsg;
import io.jdask.protocol.WorkerMsg;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Design note. Code shipping through the scheduler: a worker's FetchClass goes to the client that submitted the task
 * (as FetchClassForWorker under an id of the scheduler's, since two workers may use the same request id) and the
 * client's ClassBytesForWorker comes back to that worker as ClassBytes. Classes a client pushes ahead of its tasks
 * (PushClasses: cell classes no worker can have) go to every worker at once, and are kept per client, in push order,
 * for workers that register later; a client sends each class once, so what is kept grows with the notebook, not with
 * the tasks, and a client past MAX_KEPT_BYTES has its later pushes relayed but not kept (a late worker fetches those).
 * A notebook's changed static fields (StaticStateForWorkers) go to every worker at once, so they arrive before the
 * ComputeTasks of anything submitted after them; they are written into the kept pushes (a late worker must define a
 * class with the notebook's current values) and otherwise not kept (a worker that fetches a class later gets its
 * current values with the bytes). Uploaded jars are kept, in upload order, and sent to every worker, now and when it
 * registers.
 *
 * A side that leaves ends what waits for it: a client's pending requests are answered with null bytes (the worker
 * then fails the task at once instead of at its timeout), a worker's are dropped.
 */
/** Relays classes, pushed classes, static state and jars between clients and workers; loop-confined. */
final class ClassRelay {
    private static final Logger LOG = LoggerFactory.getLogger(ClassRelay.class);

    /** A worker's class request forwarded to a client under the scheduler's own id (the key of `pending`). */
    private record ClassRequest(Connection worker, long workerRequestId, String clientId, String className) {}

    private final Connections connections;
    /** Class requests forwarded to clients and not answered yet, by the id they were forwarded with. */
    private final HashMap<Long, ClassRequest> pending = new HashMap<>();

    private long nextRequestId;
    /** Uploaded jars by name, in upload order; every worker gets them when it registers. */
    private final LinkedHashMap<String, byte[]> jars = new LinkedHashMap<>();

    /**
     * Bytes of pushed classes kept per client for workers that register later; past this a client's further pushes are
     * relayed to the current workers only.
     */
    static final long MAX_KEPT_BYTES = 64L << 20;

    /** What a client pushed, kept for late workers: class name to its file, in push order; removed when it leaves. */
    private static final class Pushed {
        final LinkedHashMap<String, ClientMsg.ClassFile> classes = new LinkedHashMap<>();
        long bytes;
    }

    /** Pushed classes by client id; an entry leaves with its client ({@link #clientGone}). */
    private final HashMap<String, Pushed> pushed = new HashMap<>();

    ClassRelay(Connections connections) {
        this.connections = connections;
    }

    /** A worker asks for a client's class: forward it, or answer "no bytes" at once if that client is gone. */
    void fetchClass(Connection worker, WorkerMsg.FetchClass f) {
        Connection client = f.clientId() == null ? null : connections.client(f.clientId());
        if (client == null) {
            // Nobody can answer: say so now rather than let the worker wait for its timeout.
            connections.send(
                    worker, new SchedulerMsg.ClassBytes(f.requestId(), f.clientId(), f.className(), null, Map.of()));
            return;
        }
        long id = ++nextRequestId;
        pending.put(id, new ClassRequest(worker, f.requestId(), f.clientId(), f.className()));
        connections.send(client, new SchedulerMsg.FetchClassForWorker(id, worker.id, f.className()));
    }

    /** A client answered a forwarded request: pass the bytes on to the worker that asked. */
    void classBytes(String clientId, ClientMsg.ClassBytesForWorker b) {
        ClassRequest req = pending.remove(b.requestId());
        if (req == null || req.worker.role != Connection.Role.WORKER) {
            LOG.debug("class bytes for {} from {} arrived for a request nobody waits for", b.className(), clientId);
            return;
        }
        connections.send(
                req.worker,
                new SchedulerMsg.ClassBytes(
                        req.workerRequestId,
                        req.clientId,
                        b.className(),
                        b.bytes(),
                        b.staticState() == null ? Map.of() : b.staticState()));
    }

    /** A client's changed static fields go to every worker now, and into the classes kept for late workers. */
    void staticState(String clientId, ClientMsg.StaticStateForWorkers st) {
        if (st.fields() == null) {
            throw new IllegalArgumentException("StaticStateForWorkers without fields");
        }
        var relay = new SchedulerMsg.StaticState(clientId, st.fields());
        for (Connection w : connections.workers()) {
            connections.send(w, relay);
        }
        Pushed kept = pushed.get(clientId);
        if (kept == null) return;
        for (var e : st.fields().entrySet()) {
            ClientMsg.ClassFile f = kept.classes.get(e.getKey());
            if (f == null || e.getValue() == null) continue;
            Map<String, byte[]> state = new HashMap<>(f.staticState() == null ? Map.of() : f.staticState());
            state.putAll(e.getValue());
            kept.classes.put(e.getKey(), new ClientMsg.ClassFile(f.name(), f.bytes(), state));
        }
    }

    /** A client pushed classes ahead of its tasks: every worker gets them now, and a late one when it registers. */
    void pushClasses(String clientId, ClientMsg.PushClasses p) {
        if (p.classes() == null) {
            throw new IllegalArgumentException("PushClasses without a list of classes");
        }
        for (ClientMsg.ClassFile f : p.classes()) {
            if (f == null || f.name() == null || f.bytes() == null) {
                throw new IllegalArgumentException("PushClasses needs a name and the bytes of every class");
            }
        }
        var relay = new SchedulerMsg.PushedClasses(clientId, p.classes());
        for (Connection w : connections.workers()) {
            connections.send(w, relay);
        }
        Pushed kept = pushed.computeIfAbsent(clientId, k -> new Pushed());
        for (ClientMsg.ClassFile f : p.classes()) {
            if (kept.bytes + f.bytes().length > MAX_KEPT_BYTES) {
                LOG.debug(
                        "client {} pushed more than {} bytes of classes: {} is not kept",
                        clientId,
                        MAX_KEPT_BYTES,
                        f.name());
                continue;
            }
            if (kept.classes.putIfAbsent(f.name(), f) == null) kept.bytes += f.bytes().length;
        }
    }

    /** A client uploaded a jar: keep it for workers that join later and send it to every worker now. */
    void uploadJar(String clientId, ClientMsg.UploadJar j) {
        if (j.name() == null || j.bytes() == null) {
            throw new IllegalArgumentException("UploadJar needs a name and bytes");
        }
        jars.put(j.name(), j.bytes());
        var add = new SchedulerMsg.AddJar(j.name(), j.bytes());
        for (Connection w : connections.workers()) {
            connections.send(w, add);
        }
        LOG.info(
                "client {} uploaded jar {} ({} bytes); sent to {} workers",
                clientId,
                j.name(),
                j.bytes().length,
                connections.workers().size());
    }

    /** A worker registered: it gets every jar uploaded so far. */
    void workerJoined(Connection worker) {
        for (var jar : jars.entrySet()) {
            connections.send(worker, new SchedulerMsg.AddJar(jar.getKey(), jar.getValue()));
        }
        for (var e : pushed.entrySet()) {
            Pushed kept = e.getValue();
            if (kept.classes.isEmpty()) continue;
            connections.send(worker, new SchedulerMsg.PushedClasses(e.getKey(), List.copyOf(kept.classes.values())));
        }
    }

    /** A worker left: its requests need no answer any more. */
    void workerGone(Connection worker) {
        pending.values().removeIf(r -> r.worker == worker);
    }

    /** A client left: the workers waiting for its classes will never get them, so say so now. */
    void clientGone(String clientId) {
        pushed.remove(clientId);
        for (Iterator<ClassRequest> it = pending.values().iterator(); it.hasNext(); ) {
            ClassRequest r = it.next();
            if (r.clientId.equals(clientId)) {
                it.remove();
                connections.send(
                        r.worker,
                        new SchedulerMsg.ClassBytes(r.workerRequestId, r.clientId, r.className, null, Map.of()));
            }
        }
    }
}
