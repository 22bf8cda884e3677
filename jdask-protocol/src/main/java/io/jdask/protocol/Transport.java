package io.jdask.protocol;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;

/**
 * Opens {@link Comm}s: listens for peers and connects to them.
 *
 * <p>Two implementations, chosen by address scheme: {@link #tcp} for {@code tcp://host:port}
 * (Netty NIO, TCP_NODELAY) and {@link #inproc} for {@code inproc://name} (same JVM, no
 * sockets, but every message is still encoded and decoded, so a message that would not
 * survive the wire fails in-process too). A transport owns its I/O threads; close it when
 * done (it closes its servers and connections).
 */
public interface Transport extends AutoCloseable {
    /** A TCP transport with its own event-loop threads. */
    static Transport tcp(CommOptions options) {
        return new TcpTransport(options);
    }

    /** An in-process transport; listeners are visible to every in-process transport of this JVM. */
    static Transport inproc(CommOptions options) {
        return new InprocTransport(options);
    }

    /** The scheme this transport serves, {@code "tcp"} or {@code "inproc"}. */
    String scheme();

    /**
     * Starts listening at {@code address} ({@code tcp://host:0} and {@code inproc://} pick a free
     * port or name; {@link CommServer#address()} reports the real one). Each accepted connection
     * is passed to {@code onAccept} after its handshake succeeded, on its I/O thread; the callback
     * should set the comm's handler and return.
     *
     * @throws IllegalArgumentException if the address is malformed or of another scheme
     * @throws java.io.UncheckedIOException if the address cannot be bound
     */
    CommServer listen(String address, Consumer<Comm> onAccept);

    /**
     * Connects to {@code address} and performs the handshake. The future fails, never later
     * than {@code timeout}, with a {@link java.net.ConnectException} naming the address and the
     * timeout if nothing listens there, the connection is refused, or the handshake fails.
     */
    CompletableFuture<Comm> connect(String address, Duration timeout);

    /**
     * The transport's I/O thread as an executor, if it has exactly one that every connection shares (a TCP
     * transport made with {@code ioThreads(1)}); else null. A single-threaded event loop can run on it: it then
     * handles messages on the thread that read them, and its sends are written on that thread without a
     * hand-off. Tasks run on it must never block.
     */
    default ScheduledExecutorService sharedIoThread() {
        return null;
    }

    /** Closes all servers and connections of this transport and stops its threads. */
    @Override
    void close();
}
