package io.jdask.protocol;

import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One end of an in-process connection (see {@link InprocTransport}).
 *
 * <p>{@link #send} encodes on the caller's thread and enqueues the bytes on the peer's
 * {@link SerialExecutor}, which decodes and dispatches them: the same encode-here,
 * decode-there path as TCP, so codec bugs show up in in-process tests. The frame limit of the
 * receiving side applies too.
 *
 * <p>Ordering: a close is enqueued on the peer's executor behind every message sent before
 * it, so the peer sees all of them, then {@code onClose} — as a TCP FIN would behave.
 *
 * <p>Concurrency: {@code pending} and {@code closeDelivered} are confined to {@code io};
 * {@code reason}, {@code handler} and {@code peer} are written once, read anywhere.
 */
final class InprocComm implements Comm {
    private static final Logger log = LoggerFactory.getLogger(InprocComm.class);

    private final InprocTransport transport;
    private final SerialExecutor io;
    private final Handshake peerHandshake;
    private final String localAddress;
    private final String remoteAddress;
    /** The other end; set once by link() before the comm is published. */
    private InprocComm peer;
    /** The first reason to close wins; null while open. */
    private final AtomicReference<CloseReason> reason = new AtomicReference<>();

    private final AtomicReference<CommHandler> handler = new AtomicReference<>();
    private final CompletableFuture<CloseReason> closeFuture = new CompletableFuture<>();
    /** Messages decoded before a handler was set; io only. */
    private final ArrayDeque<Message> pending = new ArrayDeque<>();
    /** Whether onClose was delivered; io only. */
    private boolean closeDelivered;

    InprocComm(InprocTransport transport, Handshake peerHandshake, String localAddress, String remoteAddress) {
        this.transport = transport;
        this.io = new SerialExecutor(transport.pool());
        this.peerHandshake = peerHandshake;
        this.localAddress = localAddress;
        this.remoteAddress = remoteAddress;
    }

    void link(InprocComm other) {
        this.peer = other;
    }

    SerialExecutor io() {
        return io;
    }

    @Override
    public void send(Message message) {
        CloseReason r = reason.get();
        if (r != null) {
            throw new CommClosedException(remoteAddress, r);
        }
        byte[] body = transport.codec().encodeBody(message);
        peer.receive(body);
    }

    /** Called by the peer's sending thread. */
    private void receive(byte[] body) {
        io.execute(() -> {
            if (closeFuture.isDone()) {
                return;
            }
            int max = transport.options().maxFrameBytes();
            if (body.length > max) {
                fail(new ProtocolException(String.format(
                        "frame length %d is outside [0, %d]; raise"
                                + " CommOptions.maxFrameBytes on both sides if this message is legitimate",
                        body.length, max)));
                return;
            }
            Message m;
            try {
                m = transport.codec().decode(body, 0, body.length);
            } catch (ProtocolException e) {
                fail(e);
                return;
            }
            CommHandler h = handler.get();
            if (h == null || !pending.isEmpty()) {
                pending.add(m);
            } else {
                deliver(h, m);
            }
        });
    }

    @Override
    public void setHandler(CommHandler h) {
        Objects.requireNonNull(h, "handler");
        if (!handler.compareAndSet(null, h)) {
            throw new IllegalStateException("handler of " + this + " was already set to " + handler.get());
        }
        io.execute(this::drainPending);
    }

    @Override
    public void close() {
        if (reason.compareAndSet(null, CloseReason.local())) {
            peer.remoteClosed();
            io.execute(this::finishClose);
        }
    }

    private void remoteClosed() {
        io.execute(() -> {
            reason.compareAndSet(null, CloseReason.remote("peer " + remoteAddress + " closed the connection"));
            finishClose();
        });
    }

    /** On io. */
    private void fail(Throwable cause) {
        String detail = cause instanceof ProtocolException ? cause.getMessage() : cause.toString();
        if (reason.compareAndSet(null, CloseReason.error(detail, cause))) {
            log.warn("closing connection {} -> {}: {}", localAddress, remoteAddress, detail);
            peer.remoteClosed();
        }
        finishClose();
    }

    /** On io. */
    private void finishClose() {
        if (closeFuture.isDone()) {
            return;
        }
        CloseReason r = reason.get();
        if (r.kind() == CloseReason.Kind.ERROR) {
            pending.clear();
        }
        closeFuture.complete(r);
        transport.forget(this);
        drainPending();
    }

    private void deliver(CommHandler h, Message m) {
        try {
            h.onMessage(this, m);
        } catch (Throwable t) {
            fail(new IllegalStateException(
                    "handler " + h + " threw on " + m.getClass().getSimpleName() + "; handlers must not throw", t));
        }
    }

    /** On io: held messages, then the close notification if closed. */
    private void drainPending() {
        CommHandler h = handler.get();
        if (h == null) {
            return;
        }
        Message m;
        while ((m = pending.poll()) != null) {
            deliver(h, m);
        }
        if (closeFuture.isDone() && !closeDelivered) {
            closeDelivered = true;
            try {
                h.onClose(this, closeFuture.join());
            } catch (Throwable t) {
                log.warn("close handler of {} threw", this, t);
            }
        }
    }

    @Override
    public CompletableFuture<CloseReason> closeFuture() {
        return closeFuture;
    }

    @Override
    public boolean isOpen() {
        return reason.get() == null;
    }

    @Override
    public String remoteAddress() {
        return remoteAddress;
    }

    @Override
    public String localAddress() {
        return localAddress;
    }

    @Override
    public Handshake peer() {
        return peerHandshake;
    }

    @Override
    public String toString() {
        return "InprocComm[" + localAddress + " -> " + remoteAddress + " " + peerHandshake.role() + " '"
                + peerHandshake.name() + "']";
    }
}
