package io.jdask.protocol;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Design note. A connection between two parts of one JVM that hands message objects over as they are: no encoding,
 * no socket, no I/O thread. It exists for the hop a LocalCluster makes most: its client talking to the scheduler that
 * runs in the same JVM. Over TCP loopback each message on that hop cost an encode, a write and a read system call, a
 * wake-up of the receiving I/O thread and a decode, and a submit followed by result() crossed it twice; here a
 * message is a queue insertion, and the handler runs on the sending thread.
 *
 * Delivery. send() puts the message on the peer end's inbox and then drains that inbox on the calling thread, unless
 * another thread is draining it already (an atomic flag), in which case that thread delivers it. So the handler is
 * called one message at a time and in inbox order, as the Comm contract asks, and no thread ever waits for another:
 * a handler that sends on the other end (a scheduler answering a client, a client answering a scheduler) cannot
 * deadlock, because neither direction holds a lock while it delivers. The price is that a sender may deliver other
 * threads' messages too; the handlers on this hop only enqueue events or complete futures, which is what the
 * CommHandler rules ask of every handler anyway. The flag is re-checked after it is released, so a message added
 * during the last poll is never left behind.
 *
 * Objects are shared, not copied: a sender must not change a message (or its arrays) after sending it, which is
 * already the rule for records carrying arrays in this code base. There is no frame limit, since nothing is framed.
 *
 * Closing. close() marks this end closed and puts a close marker on both inboxes behind every message already
 * there, so each side sees all earlier messages and then onClose once (the peer with REMOTE, this side with LOCAL).
 * A handler that throws closes the connection with ERROR, as on TCP.
 */
/** Both ends of an in-JVM connection that passes message objects directly; see the note above. */
public final class DirectComm implements Comm {
    private static final Logger LOG = LoggerFactory.getLogger(DirectComm.class);
    /** What an inbox holds after the last message when its connection closed. */
    private static final Object CLOSED = new Object();

    private final Handshake peerHandshake;
    private final String localAddress;
    private final String remoteAddress;
    /** The other end; set once by {@link #pair} before either end is published. */
    private DirectComm peer;
    /** Messages (and at most one {@link #CLOSED}) for this end's handler, in arrival order. */
    private final ConcurrentLinkedQueue<Object> inbox = new ConcurrentLinkedQueue<>();
    /** True while some thread delivers from {@link #inbox}: at most one at a time. */
    private final AtomicBoolean draining = new AtomicBoolean();

    private final AtomicReference<CommHandler> handler = new AtomicReference<>();
    /** The first reason to close wins; null while open. */
    private final AtomicReference<CloseReason> reason = new AtomicReference<>();

    private final CompletableFuture<CloseReason> closeFuture = new CompletableFuture<>();
    /** Whether onClose was delivered. Touched only by the draining thread. */
    private boolean closeDelivered;

    private DirectComm(Handshake peerHandshake, String localAddress, String remoteAddress) {
        this.peerHandshake = peerHandshake;
        this.localAddress = localAddress;
        this.remoteAddress = remoteAddress;
    }

    /**
     * A connected pair: element 0 is the end of the party that introduced itself as {@code first}, element 1 that
     * of {@code second}; each end's {@link #peer()} is the other party's handshake.
     */
    public static DirectComm[] pair(Handshake first, String firstAddress, Handshake second, String secondAddress) {
        Objects.requireNonNull(first, "first");
        Objects.requireNonNull(second, "second");
        DirectComm a = new DirectComm(second, firstAddress, secondAddress);
        DirectComm b = new DirectComm(first, secondAddress, firstAddress);
        a.peer = b;
        b.peer = a;
        return new DirectComm[] {a, b};
    }

    @Override
    public void send(Message message) {
        Objects.requireNonNull(message, "message");
        CloseReason r = reason.get();
        if (r != null) {
            throw new CommClosedException(remoteAddress, r);
        }
        peer.arrive(message);
    }

    @Override
    public void setHandler(CommHandler h) {
        Objects.requireNonNull(h, "handler");
        if (!handler.compareAndSet(null, h)) {
            throw new IllegalStateException("handler of " + this + " was already set to " + handler.get());
        }
        drain();
    }

    @Override
    public void close() {
        closeWith(CloseReason.local(), CloseReason.remote(localAddress + " closed the connection"));
    }

    /** Closes both ends: this one for {@code here}, the peer for {@code there}; only the first close counts. */
    private void closeWith(CloseReason here, CloseReason there) {
        if (reason.compareAndSet(null, here)) {
            closeFuture.complete(here);
            peer.closedByPeer(there);
            arrive(CLOSED);
        }
    }

    private void closedByPeer(CloseReason r) {
        if (reason.compareAndSet(null, r)) {
            closeFuture.complete(r);
            arrive(CLOSED);
        }
    }

    private void arrive(Object item) {
        inbox.add(item);
        drain();
    }

    /** Delivers what the inbox holds unless another thread does already; see the note above. */
    private void drain() {
        while (handler.get() != null && !inbox.isEmpty() && draining.compareAndSet(false, true)) {
            try {
                CommHandler h = handler.get();
                for (Object item; (item = inbox.poll()) != null; ) {
                    deliver(h, item);
                }
            } finally {
                draining.set(false);
            }
        }
    }

    private void deliver(CommHandler h, Object item) {
        if (closeDelivered) return; // nothing after onClose
        if (item == CLOSED) {
            closeDelivered = true;
            CloseReason r = reason.get();
            try {
                h.onClose(this, r);
            } catch (RuntimeException e) {
                LOG.warn("onClose of {} threw", this, e);
            }
            return;
        }
        try {
            h.onMessage(this, (Message) item);
        } catch (RuntimeException e) {
            LOG.warn(
                    "handler of {} failed on {}; closing the connection",
                    this,
                    item.getClass().getSimpleName(),
                    e);
            closeWith(
                    CloseReason.error("the handler failed on " + item.getClass().getSimpleName() + ": " + e, e),
                    CloseReason.remote(localAddress + " closed the connection after an error"));
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
        return "DirectComm[" + localAddress + " -> " + remoteAddress + " " + peerHandshake.role() + " '"
                + peerHandshake.name() + "']";
    }
}
