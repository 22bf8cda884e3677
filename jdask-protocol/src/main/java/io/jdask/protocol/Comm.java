package io.jdask.protocol;

import java.util.concurrent.CompletableFuture;

/**
 * One bidirectional, ordered message connection to a peer, after a successful handshake.
 *
 * <p>Obtained from {@link Transport#connect} or handed to the {@code onAccept} callback of
 * {@link Transport#listen}. Implementations: in-process ({@code inproc://name}) and TCP
 * ({@code tcp://host:port}); both behave identically as far as this contract says. A third,
 * {@link DirectComm}, joins two parts of one JVM without a transport: it keeps this contract but
 * passes message objects without encoding them and delivers them on the sending thread.
 *
 * <h2>Sending</h2>
 * {@link #send} never blocks and may be called from any thread. Messages from one thread
 * arrive in the order sent. Messages sent while a write is pending are batched into one
 * write and one flush on the connection's next I/O turn, so a burst costs one system call,
 * while a lone message goes out without any added delay.
 *
 * <h2>Receiving</h2>
 * Inbound messages go to the {@link CommHandler} given to {@link #setHandler}, one at a time,
 * in arrival order, on the connection's I/O thread. Messages that arrive before a handler is
 * set are held and delivered once it is.
 *
 * <h2>Closing</h2>
 * {@link #close()} flushes what was sent before it and closes; the peer is notified. Whatever
 * the cause (local close, peer closed, protocol or I/O error), {@link #closeFuture()} completes
 * with a {@link CloseReason} and the handler's {@link CommHandler#onClose} runs once.
 */
public interface Comm extends AutoCloseable {
    /**
     * Queues {@code message} for sending and returns at once. The message is encoded on the
     * calling thread, so a message that cannot be encoded fails here with
     * {@link IllegalArgumentException}; after this returns, the caller may reuse its arrays, except the bytes of a
     * big {@link Serialized} in the message, which TCP sends from where they are (they must stay unchanged until the
     * peer has them; see {@link Serialized}).
     * Also: the messages a thread sends to a TCP connection while its {@link SendBatch}
     * holds it are encoded together when the batch lets it go (see there).
     *
     * @throws CommClosedException if the connection is already closed; a message sent while the
     *     connection is being closed may instead be dropped silently (the close reason tells why)
     */
    void send(Message message);

    /**
     * Sets the receiver of inbound messages and of the close notification. Call once, right
     * after obtaining the comm (in {@code onAccept} for a server).
     *
     * @throws IllegalStateException if a handler was already set
     */
    void setHandler(CommHandler handler);

    /** Closes the connection after flushing messages already sent. Idempotent. */
    @Override
    void close();

    /** Completes (never exceptionally) once the connection is closed, saying why. */
    CompletableFuture<CloseReason> closeFuture();

    /** Whether the connection is still open (a snapshot: it may close right after). */
    boolean isOpen();

    /** The peer's address, e.g. {@code tcp://10.0.0.5:51234} or {@code inproc://worker-1#3}. */
    String remoteAddress();

    /** This side's address of the connection. */
    String localAddress();

    /** The handshake the peer sent: its role and name. */
    Handshake peer();
}
