package io.jdask.protocol;

import io.netty.channel.Channel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One listener's bound on accepted connections that have not finished their handshake. Together with the handshake
 * timeout it caps what a stranger gets by opening connections and saying nothing: at most {@code max} connections,
 * each for at most the timeout. Refusals are logged at most once every ten seconds, with how many there were.
 */
final class HandshakeGate {
    private static final Logger log = LoggerFactory.getLogger(HandshakeGate.class);
    private static final long LOG_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final int max;
    private final String listener;
    private final AtomicInteger handshaking = new AtomicInteger();
    private final AtomicInteger refusedSinceLog = new AtomicInteger();
    private final AtomicLong lastLogNanos = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);

    HandshakeGate(int max, String listener) {
        this.max = max;
        this.listener = listener;
    }

    /** Admits a new connection, or false (and the caller closes it) when {@code max} are handshaking already. */
    boolean enter(Channel ch) {
        if (handshaking.incrementAndGet() <= max) {
            return true;
        }
        handshaking.decrementAndGet();
        int refused = refusedSinceLog.incrementAndGet();
        long now = System.nanoTime();
        long last = lastLogNanos.get();
        if (now - last >= LOG_EVERY_NANOS && lastLogNanos.compareAndSet(last, now)) {
            refusedSinceLog.addAndGet(-refused);
            log.warn(
                    "{}: {} connections are still in their handshake, the most allowed; closed {} new connection(s)"
                            + " (the latest from {}) since the last such message",
                    listener,
                    max,
                    refused,
                    ch.remoteAddress());
        }
        return false;
    }

    /** The connection's handshake succeeded or it closed; called once per admitted connection. */
    void leave() {
        handshaking.decrementAndGet();
    }

    /** Connections admitted and still handshaking (tests). */
    int handshaking() {
        return handshaking.get();
    }
}
