package io.jdask.worker;

import io.jdask.protocol.CloseReason;
import io.jdask.protocol.Comm;
import io.jdask.protocol.CommHandler;
import io.jdask.protocol.DataMsg;
import io.jdask.protocol.Message;
import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Data-plane connections from this worker to its peers: one pooled {@link Comm} per peer,
 * requests matched to replies by request id.
 *
 * <p>Design: the state machine never has more than one {@code GatherDep} outstanding per peer,
 * so a single connection per peer is enough and keeps transfers from one peer ordered. A
 * connection is opened on first use and kept; when it closes (peer gone, error, timeout) it
 * leaves the pool and every request still waiting on it fails, so the caller reports a network
 * failure; the next request opens a fresh one. A request that times out closes its connection,
 * because a late reply on a connection we no longer trust would only confuse.
 *
 * <p>Concurrency: thread-safe. Futures complete on I/O threads or the JDK's timeout thread;
 * callers hop to their own thread.
 */
final class PeerConnections implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PeerConnections.class);

    private final Transports transports;
    private final Duration connectTimeout;
    /** Peer address to its connection (being opened or open). An entry leaves when its comm closes. */
    private final ConcurrentHashMap<String, CompletableFuture<Comm>> comms = new ConcurrentHashMap<>();
    /** Request id to the request waiting for its reply; an entry leaves when its future completes. */
    private final ConcurrentHashMap<Long, Pending> pending = new ConcurrentHashMap<>();

    private final AtomicLong requestIds = new AtomicLong();
    private volatile boolean closed;

    private record Pending(String peer, CompletableFuture<DataMsg.DataReply> reply) {}

    PeerConnections(Transports transports, Duration connectTimeout) {
        this.transports = transports;
        this.connectTimeout = connectTimeout;
    }

    /**
     * Asks {@code peer} for {@code keys}. The future completes with the reply, or fails with a
     * {@link ConnectException} (cannot connect, connection lost) or a {@link TimeoutException}.
     */
    CompletableFuture<DataMsg.DataReply> getData(String peer, List<String> keys, Duration timeout) {
        long id = requestIds.incrementAndGet();
        CompletableFuture<DataMsg.DataReply> reply = new CompletableFuture<>();
        pending.put(id, new Pending(peer, reply));
        reply.whenComplete((r, e) -> pending.remove(id));
        if (closed) {
            reply.completeExceptionally(new ConnectException("worker is closing"));
            return reply;
        }
        CompletableFuture<Comm> connecting;
        try {
            connecting = comms.computeIfAbsent(peer, this::open);
        } catch (RuntimeException e) {
            reply.completeExceptionally(e);
            return reply;
        }
        connecting.whenComplete((comm, e) -> {
            if (e != null) {
                comms.remove(peer, connecting);
                reply.completeExceptionally(e);
                return;
            }
            try {
                comm.send(new DataMsg.GetData(id, keys));
            } catch (RuntimeException ex) {
                reply.completeExceptionally(new ConnectException("could not send to " + peer + ": " + ex));
            }
        });
        reply.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).whenComplete((r, e) -> {
            if (e instanceof TimeoutException) {
                LOG.warn("no answer from {} within {} for {}; closing that connection", peer, timeout, keys);
                CompletableFuture<Comm> c = comms.remove(peer);
                if (c != null) {
                    c.thenAccept(Comm::close);
                }
            }
        });
        return reply;
    }

    /** Number of open or opening connections (for tests). */
    int connectionCount() {
        return comms.size();
    }

    private CompletableFuture<Comm> open(String peer) {
        return transports.forAddress(peer).connect(peer, connectTimeout).thenApply(comm -> {
            comm.setHandler(new Handler(peer));
            return comm;
        });
    }

    private final class Handler implements CommHandler {
        private final String peer;

        Handler(String peer) {
            this.peer = peer;
        }

        @Override
        public void onMessage(Comm comm, Message message) {
            if (message instanceof DataMsg.DataReply r) {
                Pending p = pending.get(r.requestId());
                if (p != null) {
                    p.reply().complete(r);
                }
            } else {
                LOG.warn(
                        "unexpected message from peer {}: {}",
                        peer,
                        message.getClass().getSimpleName());
            }
        }

        @Override
        public void onClose(Comm comm, CloseReason reason) {
            CompletableFuture<Comm> current = comms.get(peer);
            if (current != null && current.getNow(null) == comm) {
                comms.remove(peer, current);
            }
            for (Pending p : pending.values()) {
                if (p.peer().equals(peer)) {
                    p.reply()
                            .completeExceptionally(
                                    new ConnectException("connection to " + peer + " closed: " + reason));
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (CompletableFuture<Comm> c : comms.values()) {
            c.thenAccept(Comm::close);
        }
        comms.clear();
        for (Pending p : pending.values()) {
            p.reply().completeExceptionally(new ConnectException("worker is closing"));
        }
    }
}
