package io.jdask.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Comm} over a Netty channel; also the last inbound handler of that channel's
 * pipeline ({@link FrameDecoder} then this).
 *
 * <h2>Life cycle</h2>
 * On activation each side writes its handshake frame. The first inbound frame must be the
 * peer's handshake; once it is checked, the frame limit is raised and {@code onReady} runs
 * (the server's accept callback, or completing the client's connect future). Before that the
 * comm is invisible to users. A handshake that does not arrive within the timeout, or does
 * not match, closes the channel with {@link CloseReason.Kind#ERROR} and {@code onFailure}.
 *
 * <h2>Batching without added latency</h2>
 * {@link #send} encodes on the caller's thread into a direct buffer, appends it to an MPSC
 * queue and, only if no flush task is pending, schedules one on the event loop. The flush
 * task writes everything queued and flushes once: messages sent while a flush is pending
 * ride along (one gathering write, one syscall for a burst), and a lone message leaves on the
 * loop's very next turn. No timer is involved, unlike Dask's BatchedSend interval. The
 * pending flag is cleared <em>before</em> draining, so a message queued during a drain is
 * either taken by it or schedules the next one; it is never stranded. A thread inside a
 * {@link SendBatch} (an event loop's turn) holds the flush back until the batch closes. A frame
 * with a big value in it is the exception to "everything at once": its value is written a slice
 * at a time as the socket takes it (see {@link #writeOutbox}).
 *
 * <h2>One frame per batch</h2>
 * While a thread's {@link SendBatch} holds the flush, that thread's further messages are not
 * encoded one by one: they wait in {@code held}, and when the batch lets the connection go
 * ({@link #scheduleFlush}, on that thread) they are encoded together as one {@link Batch}
 * frame (up to {@link #MAX_BATCH_MESSAGES} each), which the receiver unpacks in order. A frame
 * per message would cost a direct buffer, an outbound entry, a decode call and a Fory header
 * each: under a stream of short tasks, more than the messages themselves. Nothing waits for
 * more: the batch holds what its thread sent anyway. Messages of other threads still go
 * straight to the outbox (they were never ordered against the holder's). The price: a message
 * held this way is encoded at the batch's close, so an unencodable one is logged and dropped
 * there instead of failing its send (loops send only messages of the schema), and the caller
 * must not change its arrays until then.
 *
 * <h2>Concurrency</h2>
 * Netty calls the handler methods on the channel's event loop; {@code pending},
 * {@code closeDelivered} and the stats are confined to it. {@code outbox} and
 * {@code flushScheduled} are the only state shared with sending threads; {@code reason},
 * {@code handler} and {@code peer} are written once and read anywhere.
 */
final class NettyComm extends ChannelInboundHandlerAdapter implements Comm {
    private static final Logger log = LoggerFactory.getLogger(NettyComm.class);

    private final Channel channel;
    private final MessageCodec<Message> codec;
    private final Handshake local;
    private final FrameDecoder frames;
    private final long handshakeTimeoutNanos;
    private final String scheme;
    /** Runs once on the event loop when the handshake succeeded. */
    private final Consumer<NettyComm> onReady;
    /** Runs once on the event loop if the channel closes before the handshake succeeded. */
    private final Consumer<CloseReason> onFailure;

    /** At most this many messages share a {@link Batch} frame, so that a frame stays far below the size limit. */
    static final int MAX_BATCH_MESSAGES = 512;

    /** A batch frame bigger than this is sent as single frames instead (no frame may exceed the peer's limit). */
    static final int MAX_BATCH_FRAME_BYTES = 64 << 20;

    /**
     * Encoded frames not yet written, each as its pieces (see {@link MessageCodec#encodeFrame}); multi-producer
     * (senders), single consumer (event loop). One entry per frame, so concurrent senders never interleave pieces.
     */
    private final Queue<ByteBuf[]> outbox = new ConcurrentLinkedQueue<>();
    /**
     * Messages of the {@link #holder} thread, not encoded yet, in send order; they become one frame when its batch
     * lets the connection go. Guarded by itself: the holder appends, and close() may take them from any thread.
     */
    private final ArrayList<Message> held = new ArrayList<>();
    /** The thread whose SendBatch holds the flush (then {@code flushScheduled} is set), or null. */
    private volatile Thread holder;
    /** True while a flush task is scheduled and has not started draining. */
    private final AtomicBoolean flushScheduled = new AtomicBoolean();
    /** The first reason to close wins; null while open. */
    private final AtomicReference<CloseReason> reason = new AtomicReference<>();

    private final AtomicReference<CommHandler> handler = new AtomicReference<>();
    private final CompletableFuture<CloseReason> closeFuture = new CompletableFuture<>();
    /** The peer's handshake; null until it arrived and was accepted. */
    private volatile Handshake peer;

    /** Messages received before the handler was set, or before the drain task ran; event loop only. */
    private final ArrayDeque<Message> pending = new ArrayDeque<>();
    /** Whether onClose has been delivered (exactly once); event loop only. */
    private boolean closeDelivered;

    private ScheduledFuture<?> handshakeTimer;
    /**
     * The frame being written, paused between two slices of a big value until the channel is writable again (see
     * {@link #writeOutbox}); its pieces before {@code writingNext} belong to the channel already. Event loop only.
     */
    private ByteBuf[] writing;

    private int writingNext;
    /** True while writeOutbox runs (a write inside it may report a writability change re-entrantly). Event loop only. */
    private boolean writingOutbox;
    /** Flushes and frames written by flush tasks; event loop writes, tests read. */
    private volatile long flushCount;

    private volatile long frameCount;

    NettyComm(
            Channel channel,
            MessageCodec<Message> codec,
            Handshake local,
            FrameDecoder frames,
            long handshakeTimeoutNanos,
            Consumer<NettyComm> onReady,
            Consumer<CloseReason> onFailure) {
        this.channel = channel;
        this.codec = codec;
        this.local = local;
        this.frames = frames;
        this.handshakeTimeoutNanos = handshakeTimeoutNanos;
        this.onReady = onReady;
        this.onFailure = onFailure;
        // The pipeline is empty once the channel closed; the scheme is fixed before this handler is added.
        this.scheme = channel.pipeline().get(io.netty.handler.ssl.SslHandler.class) != null ? "tls" : "tcp";
    }

    // ---- Comm --------------------------------------------------------------------------------

    @Override
    public void send(Message message) {
        CloseReason r = reason.get();
        if (r != null) {
            throw new CommClosedException(remoteAddress(), r);
        }
        Thread me = Thread.currentThread();
        if (holder == me) {
            hold(message);
            return;
        }
        if (SendBatch.isOpen() && flushScheduled.compareAndSet(false, true)) {
            SendBatch.hold(this); // open, so it holds
            holder = me;
            hold(message);
            return;
        }
        ByteBuf[] frame = codec.encodeFrame(message, channel.alloc());
        outbox.add(frame);
        if (flushScheduled.compareAndSet(false, true)) {
            if (SendBatch.hold(this)) {
                holder = me; // the flush was pending at the first try and is done now: this batch holds it from here
            } else {
                scheduleFlush();
            }
        }
    }

    private void hold(Message message) {
        synchronized (held) {
            held.add(message);
        }
    }

    /**
     * Hands the queued frames to the event loop; called once per set {@code flushScheduled}: by the sender that set
     * it, or by the holding batch's thread when the batch lets this connection go (then the held messages are encoded
     * first, on that thread).
     */
    void scheduleFlush() {
        if (holder != null) {
            holder = null;
            encodeHeld();
        }
        try {
            channel.eventLoop().execute(this::flushOutbox);
        } catch (RejectedExecutionException e) {
            releaseOutbox(); // the event loop is gone, and so is the connection
        }
    }

    @Override
    public void setHandler(CommHandler h) {
        java.util.Objects.requireNonNull(h, "handler");
        if (!handler.compareAndSet(null, h)) {
            throw new IllegalStateException("handler of " + this + " was already set to " + handler.get());
        }
        runOnLoop(this::drainPending);
    }

    @Override
    public void close() {
        if (reason.compareAndSet(null, CloseReason.local())) {
            encodeHeld(); // sent before the close, so flushed by it
            runOnLoop(() -> {
                flushScheduled.set(false);
                writeOutbox(true); // everything sent before close goes to the channel, paced or not
                channel.close();
            });
        }
    }

    @Override
    public CompletableFuture<CloseReason> closeFuture() {
        return closeFuture;
    }

    @Override
    public boolean isOpen() {
        return reason.get() == null && channel.isActive();
    }

    @Override
    public String remoteAddress() {
        return Addresses.format(channel.remoteAddress(), scheme());
    }

    @Override
    public String localAddress() {
        return Addresses.format(channel.localAddress(), scheme());
    }

    @Override
    public Handshake peer() {
        return peer;
    }

    long flushCount() {
        return flushCount;
    }

    long frameCount() {
        return frameCount;
    }

    @Override
    public String toString() {
        Handshake p = peer;
        return "NettyComm[" + localAddress() + " -> " + remoteAddress()
                + (p == null ? "" : " " + p.role() + " '" + p.name() + "'") + "]";
    }

    /** {@code tls} when this connection runs over TLS (an {@code SslHandler} in its pipeline), else {@code tcp}. */
    private String scheme() {
        return scheme;
    }

    // ---- Netty handler -----------------------------------------------------------------------

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        byte[] body = HandshakeCodec.encode(local);
        ByteBuf frame =
                ctx.alloc().buffer(4 + body.length).writeInt(body.length).writeBytes(body);
        ctx.writeAndFlush(frame, ctx.voidPromise());
        handshakeTimer = ctx.executor()
                .schedule(
                        () -> {
                            if (peer == null) {
                                fail(new ProtocolException("no handshake from " + remoteAddress() + " within "
                                        + java.time.Duration.ofNanos(handshakeTimeoutNanos)));
                            }
                        },
                        handshakeTimeoutNanos,
                        TimeUnit.NANOSECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (reason.get() != null && reason.get().kind() == CloseReason.Kind.ERROR) {
            return; // failed: ignore whatever was still in the read buffer
        }
        if (peer == null) {
            // Until handshakeDone() the frame decoder emits whole bodies; this is the first.
            Handshake remote = HandshakeCodec.decode((byte[]) msg);
            HandshakeCodec.checkCompatible(local, remote);
            peer = remote;
            frames.handshakeDone();
            if (handshakeTimer != null) {
                handshakeTimer.cancel(false);
            }
            onReady.accept(this);
            return;
        }
        Message m = codec.decode((FrameDecoder.ReceivedFrame) msg);
        if (m instanceof Batch b) {
            for (Message inner : b.messages()) {
                if (inner instanceof Batch) {
                    fail(new ProtocolException("a Batch inside a Batch from " + remoteAddress()));
                    return;
                }
                receive(inner);
                if (reason.get() != null && reason.get().kind() == CloseReason.Kind.ERROR) {
                    return; // a handler failed: the rest of the batch goes where the rest of the stream goes
                }
            }
        } else {
            receive(m);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException && peer != null) {
            // Connection reset and friends: the peer went away.
            if (reason.compareAndSet(
                    null,
                    new CloseReason(
                            CloseReason.Kind.REMOTE,
                            "connection to " + remoteAddress() + " lost: " + cause.getMessage(),
                            cause))) {
                log.debug("connection to {} lost: {}", remoteAddress(), cause.toString());
            }
            channel.close();
            return;
        }
        fail(cause);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (handshakeTimer != null) {
            handshakeTimer.cancel(false);
        }
        String partial = frames.partialFrameDescription();
        if (partial != null && reason.get() == null) {
            fail(new ProtocolException(
                    "connection from " + remoteAddress() + " closed in the middle of a frame (" + partial + ")"));
        }
        reason.compareAndSet(null, CloseReason.remote("peer " + remoteAddress() + " closed the connection"));
        releaseOutbox();
        CloseReason r = reason.get();
        if (peer == null) {
            onFailure.accept(r);
        }
        closeFuture.complete(r);
        drainPending();
        ctx.fireChannelInactive();
    }

    // ---- internals (event loop) -------------------------------------------------------------

    /** Delivers a received message, or holds it while earlier ones wait for the handler. */
    private void receive(Message m) {
        if (handler.get() == null || !pending.isEmpty()) {
            pending.add(m);
            if (handler.get() == null) {
                channel.config().setAutoRead(false); // hold the peer back until someone listens
            }
        } else {
            deliver(handler.get(), m);
        }
    }

    private void fail(Throwable cause) {
        String detail = cause instanceof ProtocolException ? cause.getMessage() : cause.toString();
        if (reason.compareAndSet(null, CloseReason.error(detail, cause))) {
            log.warn("closing connection {} -> {}: {}", localAddress(), remoteAddress(), detail);
        }
        channel.close();
    }

    private void deliver(CommHandler h, Message m) {
        try {
            h.onMessage(this, m);
        } catch (Throwable t) {
            fail(new IllegalStateException(
                    "handler " + h + " threw on " + m.getClass().getSimpleName() + "; handlers must not throw", t));
        }
    }

    /** Delivers held messages to the handler (if set), then the close notification (if closed). */
    private void drainPending() {
        CommHandler h = handler.get();
        if (h == null) {
            return;
        }
        Message m;
        while ((m = pending.poll()) != null) {
            if (reason.get() != null && reason.get().kind() == CloseReason.Kind.ERROR && !channel.isActive()) {
                pending.clear();
                break;
            }
            deliver(h, m);
        }
        if (channel.isActive()) {
            channel.config().setAutoRead(true);
        } else if (closeFuture.isDone() && !closeDelivered && peer != null) {
            closeDelivered = true;
            try {
                h.onClose(this, closeFuture.join());
            } catch (Throwable t) {
                log.warn("close handler of {} threw", this, t);
            }
        }
    }

    private void flushOutbox() {
        flushScheduled.set(false);
        writeOutbox(false);
    }

    /**
     * Writes the queued frames in order and flushes. The heap slices of a big value ({@link MessageCodec#encodeFrame})
     * go one at a time, each flushed, and only while the channel is writable (unless {@code all}): the channel copies
     * a heap slice into a pooled direct buffer when it is written, so pacing the writes by the socket keeps about one
     * slice of direct memory in use, recycled, instead of the whole value's worth at once (fresh memory the first time,
     * and held by the pool afterwards); and the peer starts receiving after the first slice. A paused frame is resumed
     * by {@link #channelWritabilityChanged}; frames sent meanwhile wait behind it.
     */
    private void writeOutbox(boolean all) {
        if (writingOutbox) {
            return; // a write below changed the writability; the loop checks it before each slice itself
        }
        writingOutbox = true;
        int frames = 0;
        boolean wrote = false;
        try {
            while (true) {
                if (writing == null) {
                    writing = outbox.poll();
                    writingNext = 0;
                    if (writing == null) {
                        break;
                    }
                    frames++;
                }
                if (!channel.isActive()) {
                    releaseWriting();
                    continue;
                }
                while (writingNext < writing.length) {
                    ByteBuf piece = writing[writingNext];
                    boolean slice = !piece.isDirect();
                    if (slice && !all && !channel.isWritable()) {
                        return; // resumed by channelWritabilityChanged; the finally flushes what was written
                    }
                    writing[writingNext++] = null;
                    channel.write(piece, channel.voidPromise());
                    wrote = true;
                    if (slice) {
                        channel.flush();
                    }
                }
                writing = null;
            }
        } finally {
            writingOutbox = false;
            if (wrote) {
                channel.flush();
                flushCount = flushCount + 1;
                frameCount = frameCount + frames;
            }
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (writing != null && ctx.channel().isWritable()) {
            writeOutbox(false);
        }
        ctx.fireChannelWritabilityChanged();
    }

    /** Releases the pieces of the partly written frame not yet handed to the channel. */
    private void releaseWriting() {
        if (writing != null) {
            for (int i = writingNext; i < writing.length; i++) {
                writing[i].release();
            }
            writing = null;
        }
    }

    /**
     * Encodes the held messages into frames on the outbox, in order: one message alone, more as {@link Batch}es of
     * at most MAX_BATCH_MESSAGES. A batch that cannot be encoded, or comes out too big, goes message by message, and
     * a message that cannot be encoded is logged and dropped (its sender could not be told any more).
     */
    private void encodeHeld() {
        ArrayList<Message> messages;
        synchronized (held) {
            if (held.isEmpty()) {
                return;
            }
            messages = new ArrayList<>(held);
            held.clear();
        }
        if (reason.get() != null && reason.get().kind() != CloseReason.Kind.LOCAL) {
            return; // the connection is gone: nothing will be written
        }
        for (int from = 0; from < messages.size(); from += MAX_BATCH_MESSAGES) {
            int to = Math.min(messages.size(), from + MAX_BATCH_MESSAGES);
            if (to - from == 1) {
                encodeOne(messages.get(from));
                continue;
            }
            ByteBuf[] frame = null;
            try {
                List<Message> part =
                        to - from == messages.size() ? messages : new ArrayList<>(messages.subList(from, to));
                frame = codec.encodeFrame(new Batch(part), channel.alloc());
            } catch (IllegalArgumentException e) {
                // one of them is not encodable: find it below
            }
            if (frame != null && (frame.length != 1 || frame[0].readableBytes() > MAX_BATCH_FRAME_BYTES)) {
                release(frame); // too big for one frame, or a big value that must be sent from its own array: one by
                // one
                frame = null;
            }
            if (frame != null) {
                outbox.add(frame);
            } else {
                for (int i = from; i < to; i++) {
                    encodeOne(messages.get(i));
                }
            }
        }
    }

    private void encodeOne(Message m) {
        try {
            outbox.add(codec.encodeFrame(m, channel.alloc()));
        } catch (IllegalArgumentException e) {
            log.error("dropped a {} to {}: it cannot be encoded", m.getClass().getSimpleName(), remoteAddress(), e);
        }
    }

    private void releaseOutbox() {
        synchronized (held) {
            held.clear();
        }
        releaseWriting();
        ByteBuf[] frame;
        while ((frame = outbox.poll()) != null) {
            release(frame);
        }
    }

    private static void release(ByteBuf[] frame) {
        for (ByteBuf piece : frame) {
            piece.release();
        }
    }

    private void runOnLoop(Runnable task) {
        if (channel.eventLoop().inEventLoop()) {
            task.run();
        } else {
            try {
                channel.eventLoop().execute(task);
            } catch (RejectedExecutionException e) {
                // Event loop shut down: the channel is closed already, nothing to deliver to.
            }
        }
    }
}
