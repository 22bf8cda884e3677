package io.jdask.client;

import io.jdask.ActorLostException;
import io.jdask.protocol.Batch;
import io.jdask.protocol.ClientMsg;
import io.jdask.protocol.CloseReason;
import io.jdask.protocol.Comm;
import io.jdask.protocol.CommHandler;
import io.jdask.protocol.DataMsg;
import io.jdask.protocol.Message;
import io.jdask.protocol.Ping;
import io.jdask.protocol.Pong;
import io.jdask.protocol.SchedulerMsg;
import io.jdask.protocol.WorkerMsg;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Design note. One connection from a client (or a worker's task client) to one worker, carrying actor calls and
 * their replies: the data plane, never the scheduler (Dask's actors also talk to the worker directly). Calls to every
 * actor of that worker share it; the Comm keeps one sender's calls in order, which is what makes "calls run in
 * arrival order" hold for one caller.
 *
 * Failure: when the connection closes (the worker died or left) or cannot be opened, every call still pending, and
 * every later one, fails with ActorLostException naming the worker; the session then drops the channel so a later
 * call tries a fresh connection (and fails the same way if the worker is gone).
 *
 * Threads: calls come from any thread; replies complete futures on the connection's I/O thread. `pending` is
 * concurrent; a call registers before it is sent so that a fast reply always finds it.
 */
/** Actor calls to one worker over one connection; see the note above. */
final class ActorChannel implements CommHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ActorChannel.class);
    private final Session session;
    private final String worker;
    private final CompletableFuture<Comm> comm;
    /** Calls sent and not answered, by request id. */
    private final ConcurrentHashMap<Long, CompletableFuture<DataMsg.ActorReply>> pending = new ConcurrentHashMap<>();
    /** Set once the connection is gone; every later call fails with it. */
    private volatile ActorLostException lost;
    /**
     * Calls made before the connection was up, in call order; sent by the connecting thread once it is. Null once
     * connected (or failed). Guarded by {@code this}. (Chaining each call on the connect future would reverse them:
     * a CompletableFuture runs its waiting callbacks last-in first-out.)
     */
    private java.util.ArrayList<DataMsg.ActorCall> backlog = new java.util.ArrayList<>();
    /** The connection once the backlog is sent; calls then go straight out. */
    private volatile Comm ready;

    private ActorChannel(Session session, String worker) {
        this.session = session;
        this.worker = worker;
        this.comm = session.transport().connect(worker, Duration.ofSeconds(10)).thenApply(c -> {
            c.setHandler(this);
            return c;
        });
        this.comm.whenComplete((c, e) -> {
            if (e != null) {
                synchronized (this) {
                    backlog = null;
                }
                fail(new ActorLostException(
                        "cannot reach the actor's worker " + worker + " (it died or left): " + e.getMessage(), e));
                return;
            }
            synchronized (this) { // sent under the lock, so that no later call overtakes them
                for (DataMsg.ActorCall call : backlog) send(c, call);
                backlog = null;
                ready = c;
            }
        });
    }

    /** The session's channel to {@code worker}, opening one if there is none or the last one failed. */
    static ActorChannel of(Session session, String worker) {
        return session.actorChannels.compute(
                worker, (w, ch) -> ch != null && ch.lost == null ? ch : new ActorChannel(session, w));
    }

    /** Sends a call; the future completes with the reply, or fails with {@link ActorLostException}. */
    CompletableFuture<DataMsg.ActorReply> call(String actorKey, byte[] method, byte[] args) {
        CompletableFuture<DataMsg.ActorReply> reply = new CompletableFuture<>();
        ActorLostException gone = lost;
        if (gone != null) {
            reply.completeExceptionally(gone);
            return reply;
        }
        long id = session.nextRequestId();
        pending.put(id, reply);
        DataMsg.ActorCall call = new DataMsg.ActorCall(id, actorKey, method, args, List.of());
        // The classes pushed now (a new cell's) go with the call too: through the scheduler they may come after it.
        List<ClientMsg.ClassFile> pushed = session.beforeDirect(call);
        if (!pushed.isEmpty()) call = new DataMsg.ActorCall(id, actorKey, method, args, pushed);
        Comm c = ready;
        if (c == null) {
            synchronized (this) {
                if (backlog != null) {
                    backlog.add(call);
                    return reply;
                }
                c = ready;
            }
        }
        if (c != null) send(c, call);
        if (lost != null) failPending(); // closed while we registered
        return reply;
    }

    private void send(Comm c, DataMsg.ActorCall call) {
        try {
            c.send(call);
        } catch (RuntimeException e) {
            CompletableFuture<DataMsg.ActorReply> reply = pending.remove(call.requestId());
            if (reply != null) {
                reply.completeExceptionally(new ActorLostException(
                        "actor '" + call.actorKey() + "' on worker " + worker + " is unreachable: " + e.getMessage(),
                        e));
            }
        }
    }

    /** Only actor replies travel here; every other type is named, with why, so that a new one must be placed. */
    @Override
    public void onMessage(Comm c, Message message) {
        switch (message) {
            case DataMsg.ActorReply r -> {
                CompletableFuture<DataMsg.ActorReply> f = pending.remove(r.requestId());
                if (f != null) f.complete(r);
            }
            // Data-plane requests and replies other than actor replies go on the session's own worker comms.
            case DataMsg.GetData g -> unexpected(g);
            case DataMsg.DataReply r -> unexpected(r);
            case DataMsg.PutData p -> unexpected(p);
            case DataMsg.PutDataAck a -> unexpected(a);
            case DataMsg.ActorCall a -> unexpected(a); // a client hosts no actors
            // Only a worker's data plane is at the other end: the scheduler, its workers' reports and the client's
            // own requests never travel on this connection.
            case SchedulerMsg m -> unexpected(m);
            case WorkerMsg m -> unexpected(m);
            case ClientMsg m -> unexpected(m);
            // Liveness probes go to the scheduler; a batch is unpacked by the comm before it reaches a handler.
            case Ping p -> unexpected(p);
            case Pong p -> unexpected(p);
            case Batch b -> unexpected(b);
        }
    }

    private void unexpected(Message message) {
        LOG.warn(
                "unexpected message on the actor connection to {}: {}",
                worker,
                message.getClass().getSimpleName());
    }

    @Override
    public void onClose(Comm c, CloseReason reason) {
        fail(new ActorLostException("lost the connection to worker " + worker + ", which held the actor (" + reason
                + "); its state is gone"));
    }

    private void fail(ActorLostException e) {
        lost = e;
        session.actorChannels.remove(worker, this);
        failPending();
    }

    private void failPending() {
        for (Long id : pending.keySet()) {
            CompletableFuture<DataMsg.ActorReply> f = pending.remove(id);
            if (f != null) f.completeExceptionally(lost);
        }
    }

    void close() {
        comm.thenAccept(Comm::close);
    }
}
