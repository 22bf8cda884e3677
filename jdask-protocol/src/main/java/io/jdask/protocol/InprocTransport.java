package io.jdask.protocol;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * {@link Transport} within one JVM: {@code inproc://name}.
 *
 * <p>Listeners live in a JVM-wide registry, so a "scheduler" and "workers" built on separate
 * transports in one JVM (tests, {@code LocalCluster} without processes) find each other, as
 * Dask's {@code inproc://} comms do. A connection is a pair of {@link InprocComm}s; each runs
 * its inbound side on a {@link SerialExecutor} over its own transport's thread pool. Messages
 * are encoded by the sender and decoded by the receiver exactly as on TCP, minus sockets.
 *
 * <p>Thread-safe. The pool's threads are daemons; {@link #close()} closes this transport's
 * listeners and comms, then stops the pool.
 */
final class InprocTransport implements Transport {
    /** Every open inproc listener of this JVM, by name (the part after {@code inproc://}). */
    private static final ConcurrentHashMap<String, Listener> LISTENERS = new ConcurrentHashMap<>();

    private static final AtomicLong NAMES = new AtomicLong();

    private final CommOptions options;
    private final MessageCodec<Message> codec;
    private final Handshake local;
    private final ExecutorService pool;
    /** Open comms and listeners of this transport, closed by close(). */
    private final Set<InprocComm> comms = ConcurrentHashMap.newKeySet();

    private final Set<String> listenerNames = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connectionIds = new AtomicInteger();

    private record Listener(InprocTransport owner, Consumer<Comm> onAccept) {}

    InprocTransport(CommOptions options) {
        this.options = options;
        this.codec = MessageCodec.messages();
        this.local = new Handshake(Protocol.VERSION, codec.fingerprint(), options.role(), options.name());
        AtomicInteger threads = new AtomicInteger();
        this.pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "jdask-inproc-" + options.role() + "-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public String scheme() {
        return "inproc";
    }

    @Override
    public CommServer listen(String address, Consumer<Comm> onAccept) {
        String name = Addresses.rest(address, "inproc");
        if (name.isEmpty()) {
            name = options.role() + "-" + NAMES.incrementAndGet();
        }
        if (LISTENERS.putIfAbsent(name, new Listener(this, onAccept)) != null) {
            throw new UncheckedIOException(new IOException(
                    "could not listen on inproc://" + name + ": the name is already in use in this JVM"));
        }
        listenerNames.add(name);
        String real = "inproc://" + name;
        String key = name;
        return new CommServer() {
            @Override
            public String address() {
                return real;
            }

            @Override
            public void close() {
                LISTENERS.remove(key);
                listenerNames.remove(key);
            }

            @Override
            public String toString() {
                return "CommServer[" + real + "]";
            }
        };
    }

    @Override
    public CompletableFuture<Comm> connect(String address, Duration timeout) {
        String name;
        try {
            name = Addresses.rest(address, "inproc");
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        Listener listener = LISTENERS.get(name);
        if (listener == null) {
            return CompletableFuture.failedFuture(new ConnectException("could not connect to " + address + " (timeout "
                    + timeout + "): nothing listens there in this JVM"));
        }
        InprocTransport server = listener.owner();
        try {
            HandshakeCodec.checkCompatible(local, server.local);
            HandshakeCodec.checkCompatible(server.local, local);
        } catch (ProtocolException e) {
            return CompletableFuture.failedFuture(TcpTransport.connectFailure(address, timeout, e.getMessage(), e));
        }
        int id = connectionIds.incrementAndGet();
        String clientAddress = "inproc://" + options.role() + "-" + System.identityHashCode(this) + "#" + id;
        InprocComm client = new InprocComm(this, server.local, clientAddress, address);
        InprocComm accepted = new InprocComm(server, local, address, clientAddress);
        client.link(accepted);
        accepted.link(client);
        comms.add(client);
        server.comms.add(accepted);
        accepted.io().execute(() -> listener.onAccept().accept(accepted));
        return CompletableFuture.completedFuture(client);
    }

    @Override
    public void close() {
        for (String name : listenerNames) {
            LISTENERS.remove(name);
        }
        listenerNames.clear();
        for (InprocComm c : comms) {
            c.close();
        }
        pool.shutdown();
        try {
            pool.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    MessageCodec<Message> codec() {
        return codec;
    }

    CommOptions options() {
        return options;
    }

    ExecutorService pool() {
        return pool;
    }

    void forget(InprocComm comm) {
        comms.remove(comm);
    }

    @Override
    public String toString() {
        return "InprocTransport[" + options + "]";
    }
}
