package io.jdask.client;

import io.jdask.DataLostException;
import io.jdask.FutureStatus;
import io.jdask.Security;
import io.jdask.TaskFailedException;
import io.jdask.protocol.Batch;
import io.jdask.protocol.ClientMsg;
import io.jdask.protocol.CloseReason;
import io.jdask.protocol.Comm;
import io.jdask.protocol.CommHandler;
import io.jdask.protocol.CommOptions;
import io.jdask.protocol.DataMsg;
import io.jdask.protocol.Message;
import io.jdask.protocol.Ping;
import io.jdask.protocol.Pong;
import io.jdask.protocol.SchedulerMsg;
import io.jdask.protocol.Serialized;
import io.jdask.protocol.Serializer;
import io.jdask.protocol.Tls;
import io.jdask.protocol.Transport;
import io.jdask.protocol.WorkerMsg;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection to a cluster: the scheduler comm, the table of keys this client holds, data-plane comms to
 * workers, and the class server that answers workers' requests for this client's classes (the classes that
 * {@link Shipping} registered as it made each payload).
 *
 * <p><b>Threads.</b> Reports from the scheduler arrive on its comm's I/O thread and only update {@link KeyState}s
 * and complete request futures; anything that may block or run user code (fetching values, user callbacks, reading
 * class files) runs on {@link #callbacks}. User threads submit, wait and release concurrently; the key table is a
 * concurrent map whose per-key updates happen inside {@code compute} so that holder counts and removal agree.
 */
final class Session implements CommHandler {
    private static final Logger LOG = LoggerFactory.getLogger(Session.class);
    private static final AtomicInteger SESSION_IDS = new AtomicInteger();
    private static final Object ABSENT = new Object();
    /** Put in every subscription queue when the session closes, to wake its readers (compared by identity). */
    static final byte[] SUBSCRIPTION_CLOSED = new byte[0];

    final Serializer serializer = Serializer.shared();
    private final Transport transport;
    private final Comm scheduler;
    private final String schedulerAddress;
    private final CompletableFuture<SchedulerMsg.ClientWelcome> welcome = new CompletableFuture<>();
    private final ConcurrentHashMap<String, KeyState> keys = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, CompletableFuture<Message>> requests = new ConcurrentHashMap<>();
    private final AtomicLong requestIds = new AtomicLong();
    private final ConcurrentHashMap<String, CompletableFuture<Comm>> workerComms = new ConcurrentHashMap<>();
    /** Data-plane requests in flight, by worker: failed at once when that worker's connection closes. */
    private final ConcurrentHashMap<String, java.util.Set<Long>> requestsByWorker = new ConcurrentHashMap<>();

    private final ExecutorService callbacks;
    /** Coordination requests waiting for their {@code CoordReply}, by request id. */
    private final ConcurrentHashMap<Long, CompletableFuture<CoordAnswer>> coordRequests = new ConcurrentHashMap<>();
    /** What to do with the reply of a coordination request its caller gave up on (interrupted), by request id. */
    private final ConcurrentHashMap<Long, java.util.function.Consumer<CoordAnswer>> abandoned =
            new ConcurrentHashMap<>();
    /** Values received for this session's topic subscriptions, by subscriber id. */
    final ConcurrentHashMap<String, java.util.concurrent.LinkedBlockingQueue<byte[]>> subscriptions =
            new ConcurrentHashMap<>();
    /** Actor connections to workers, by worker address. */
    final ConcurrentHashMap<String, ActorChannel> actorChannels = new ConcurrentHashMap<>();

    final ClassServer classes = new ClassServer();
    /** Prints what this client's tasks print on the workers. */
    final OutputPrinter output = new OutputPrinter();
    /** Every request that carries user code is made with it (see {@link Shipping}). */
    final Shipping shipping = new Shipping(classes, serializer);

    private volatile boolean closed;
    private volatile String closeReason;

    private Session(Transport transport, Comm scheduler, String schedulerAddress, ExecutorService callbacks) {
        this.transport = transport;
        this.scheduler = scheduler;
        this.schedulerAddress = schedulerAddress;
        this.callbacks = callbacks;
    }

    /** Connects and waits for the scheduler's welcome; fails with the address within {@code timeout}. */
    static Session connect(String address, Security security, Duration timeout) {
        int id = SESSION_IDS.incrementAndGet();
        Transport transport = transportFor(address, security, id);
        long deadline = System.nanoTime() + timeout.toNanos();
        Comm comm;
        try {
            comm = transport.connect(address, timeout).get(timeout.toNanos() + 1_000_000_000L, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            transport.close();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while connecting to " + address, e);
        } catch (ExecutionException | TimeoutException e) {
            transport.close();
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new IllegalStateException(
                    "cannot connect to the jdask scheduler at " + address + " within " + timeout + ": "
                            + cause.getMessage() + ". Is `jdask scheduler` running there?",
                    cause);
        }
        return establish(transport, comm, address, id, deadline, timeout);
    }

    /**
     * A session over a comm already connected to a scheduler in this JVM ({@code SchedulerServer.connectLocal}, for a
     * {@code LocalCluster}'s client): no socket between client and scheduler, while workers are still reached over
     * the transport that {@code schedulerAddress} names (their data plane, actors).
     *
     * @param connect opens the comm given this client's name
     */
    static Session connectLocal(
            java.util.function.Function<String, Comm> connect,
            String schedulerAddress,
            Security security,
            Duration timeout) {
        int id = SESSION_IDS.incrementAndGet();
        Transport transport = transportFor(schedulerAddress, security, id);
        long deadline = System.nanoTime() + timeout.toNanos();
        Comm comm;
        try {
            comm = connect.apply(clientName(id));
        } catch (RuntimeException e) {
            transport.close();
            throw new IllegalStateException(
                    "cannot connect to the jdask scheduler at " + schedulerAddress + ": " + e.getMessage(), e);
        }
        return establish(transport, comm, schedulerAddress, id, deadline, timeout);
    }

    private static String clientName(int id) {
        return "client-" + ProcessHandle.current().pid() + "-" + id;
    }

    /**
     * The transport for this session's connections to the scheduler at {@code address} and to its workers: TLS with
     * the cluster's credentials for a {@code tls://} address.
     */
    private static Transport transportFor(String address, Security security, int id) {
        if (address.startsWith("tls://") && security == null) {
            throw new IllegalArgumentException("the scheduler at " + address + " uses TLS: connect with the cluster's"
                    + " credentials, Client.connect(address, Security.load(path))");
        }
        if (address.startsWith("tcp://") && security != null) {
            throw new IllegalArgumentException("credentials were given, but " + address + " is a plain tcp:// address;"
                    + " a cluster with credentials listens at tls://host:port");
        }
        CommOptions options = CommOptions.builder()
                .role("client")
                .name(clientName(id))
                .ioThreads(1)
                .tls(
                        security == null
                                ? null
                                : Tls.fromPem(
                                        security.caCertificatePem(),
                                        security.certificatePem(),
                                        security.privateKeyPem()))
                .build();
        return address.startsWith("inproc://") ? Transport.inproc(options) : Transport.tcp(options);
    }

    /** Sets up the session on a connected comm and waits for the scheduler's welcome until {@code deadline}. */
    private static Session establish(
            Transport transport, Comm comm, String address, int id, long deadline, Duration timeout) {
        AtomicInteger n = new AtomicInteger();
        ExecutorService callbacks = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "jdask-client-" + id + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        Session s = new Session(transport, comm, address, callbacks);
        comm.setHandler(s);
        s.startHeartbeats();
        try {
            long left = Math.max(1, deadline - System.nanoTime());
            s.welcome.get(left, TimeUnit.NANOSECONDS);
        } catch (Exception e) {
            s.close();
            throw new IllegalStateException(
                    "the jdask scheduler at " + address + " accepted the connection but did "
                            + "not welcome this client within " + timeout,
                    e);
        }
        return s;
    }

    /**
     * Over the network, tells the scheduler every {@link #HEARTBEAT_MILLIS} that this client is alive: the scheduler
     * drops a client it has not heard from for its client time-to-live (60 s by default) and releases its futures. The
     * beat runs on the transport's one I/O thread and stops with it. A client in the scheduler's JVM (DirectComm) is
     * exempt from the TTL and sends none.
     */
    private void startHeartbeats() {
        java.util.concurrent.ScheduledExecutorService io = transport.sharedIoThread();
        if (scheduler instanceof io.jdask.protocol.DirectComm || io == null) return;
        ClientMsg.Heartbeat beat = new ClientMsg.Heartbeat();
        try {
            io.scheduleWithFixedDelay(
                    () -> {
                        if (isOpen()) {
                            try {
                                transmit(beat);
                            } catch (RuntimeException e) {
                                LOG.debug("heartbeat not sent: {}", e.toString());
                            }
                        }
                    },
                    HEARTBEAT_MILLIS,
                    HEARTBEAT_MILLIS,
                    TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            // the transport is closing
        }
    }

    /** How often a client over the network tells the scheduler it is alive. */
    static final long HEARTBEAT_MILLIS = 1000;

    String clientId() {
        return welcome.join().clientId();
    }

    String dashboardLink() {
        String link = welcome.join().dashboardLink();
        return link == null ? "" : link;
    }

    String schedulerAddress() {
        return schedulerAddress;
    }

    ExecutorService callbacks() {
        return callbacks;
    }

    boolean isOpen() {
        return !closed && scheduler.isOpen();
    }

    // ------------------------------------------------------------------ keys and holders

    /** Counts one more future of {@code key}; creates its state when new. */
    KeyState acquire(String key) {
        checkOpen();
        return keys.compute(key, (k, ks) -> {
            if (ks == null) ks = new KeyState(k);
            ks.holders.incrementAndGet();
            return ks;
        });
    }

    /** One future of the key is gone; the last one tells the scheduler. */
    void release(KeyState ks) {
        boolean[] last = {false};
        keys.computeIfPresent(ks.key, (k, cur) -> {
            if (cur != ks) return cur;
            if (ks.holders.decrementAndGet() > 0) return cur;
            last[0] = true;
            return null;
        });
        if (last[0] && isOpen()) {
            releasing.add(ks.key);
            if (releaseScheduled.compareAndSet(false, true)) {
                try {
                    callbacks.execute(this::flushReleases);
                } catch (java.util.concurrent.RejectedExecutionException closing) {
                    releaseScheduled.set(false);
                }
            }
        }
    }

    /**
     * Keys whose last future is gone, waiting to be sent. Releasing many futures at once (a gathered list going
     * out of scope) sends one {@code ReleaseKeys} for all of them, not one message per future: the first release
     * schedules a flush, the ones that arrive before it runs join it. No timer: the flush runs as soon as a
     * callback thread picks it up.
     */
    private final java.util.concurrent.ConcurrentLinkedQueue<String> releasing =
            new java.util.concurrent.ConcurrentLinkedQueue<>();

    private final java.util.concurrent.atomic.AtomicBoolean releaseScheduled =
            new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * Sends the queued releases. Holds {@link #releasing}'s monitor from the check to the send, as
     * {@link #transmit} does around a request that carries user code: so a release and a resubmission of the same key
     * (a pure key wanted again) reach the scheduler in the order they happened here.
     */
    private void flushReleases() {
        releaseScheduled.set(false);
        synchronized (releasing) {
            List<String> batch = new ArrayList<>();
            for (String k; (k = releasing.poll()) != null; ) batch.add(k);
            if (batch.isEmpty() || !isOpen()) return;
            // A key wanted again since (a pure key resubmitted) has a new state by now: keep wanting it.
            batch.removeIf(keys::containsKey);
            if (batch.isEmpty()) return;
            try {
                transmit(new ClientMsg.ReleaseKeys(batch));
            } catch (RuntimeException e) {
                LOG.debug("could not release {} keys: {}", batch.size(), e.toString());
            }
        }
    }

    KeyState known(String key) {
        return keys.get(key);
    }

    // ------------------------------------------------------------------ sending

    void send(ClientMsg msg) {
        checkOpen();
        transmit(msg);
    }

    /**
     * Writes a message on the scheduler comm; every message to the scheduler goes through here. One that carries user
     * code ({@link Shipping#carriesUserCode(ClientMsg)}) goes after the releases queued before it (see
     * {@link #flushReleases}) and after the notebook variables assigned since the workers loaded their classes, so
     * its tasks see them. {@link #releasing}'s monitor is held from taking the changed state to sending the request:
     * a request sent by another thread meanwhile cannot overtake the state it relies on.
     */
    private void transmit(ClientMsg msg) {
        if (!Shipping.carriesUserCode(msg)) {
            scheduler.send(msg);
            return;
        }
        synchronized (releasing) {
            if (!releasing.isEmpty()) flushReleases();
            ClientMsg.PushClasses push = shipping.takePush();
            if (push != null) scheduler.send(push);
            ClientMsg.StaticStateForWorkers changed = shipping.changedState();
            if (changed != null) scheduler.send(changed);
            scheduler.send(msg);
        }
    }

    /**
     * Before a request that goes straight to a worker: one that carries user code ({@link
     * Shipping#carriesUserCode(DataMsg)}) first pushes the changed notebook variables through the scheduler. They
     * travel on another connection than the request, so they may reach the worker after it. A scheduler connection
     * that is closed is left to the request's own error (an actor call still reaches its worker without it).
     *
     * @return the classes pushed now (empty if none), which an actor call carries too
     */
    List<ClientMsg.ClassFile> beforeDirect(DataMsg msg) {
        if (!Shipping.carriesUserCode(msg)) return List.of();
        synchronized (releasing) {
            ClientMsg.PushClasses push = shipping.takePush();
            ClientMsg.StaticStateForWorkers changed = shipping.changedState();
            if (push == null && changed == null) return List.of();
            try {
                if (push != null) scheduler.send(push);
                if (changed != null) scheduler.send(changed);
            } catch (io.jdask.protocol.CommClosedException e) {
                LOG.debug("could not push notebook state before a request to a worker: {}", e.toString());
            }
            return push == null ? List.of() : push.classes();
        }
    }

    /**
     * Asks the scheduler to cancel the keys and marks their futures cancelled at once, without waiting for the
     * confirmation: Dask's client does the same, and {@link java.util.concurrent.Future} requires {@code isCancelled()}
     * and {@code isDone()} as soon as {@code cancel} returned true.
     */
    void cancel(List<String> keyList) {
        send(new ClientMsg.CancelKeys(keyList));
        for (String k : keyList) {
            KeyState ks = keys.get(k);
            if (ks != null && !ks.isDone()) {
                ks.failed(new KeyState.Failure(FutureStatus.CANCELLED, k, null, null, "by this client", null));
            }
        }
    }

    /**
     * Runs an erred key again. Only an erred task is still on the scheduler to rerun: a cancelled or lost one has
     * been forgotten there, and resetting its future would leave it pending for ever; a key that has not failed has
     * nothing to retry.
     */
    void retry(KeyState ks) {
        FutureStatus before = ks.resetIfErred();
        switch (before) {
            case ERROR -> send(new ClientMsg.RetryKeys(List.of(ks.key)));
            case CANCELLED, LOST ->
                throw new IllegalStateException("cannot retry " + ks.key + ": it was "
                        + before.name().toLowerCase(java.util.Locale.ROOT) + " and the cluster no longer has its task;"
                        + " submit it again");
            case PENDING, RUNNING, FINISHED -> {} // nothing failed
        }
    }

    /** Sends a request to the scheduler and waits for the reply with the same id. */
    @SuppressWarnings("unchecked")
    <R extends Message> R request(java.util.function.LongFunction<? extends ClientMsg> make, Duration timeout) {
        long id = requestIds.incrementAndGet();
        CompletableFuture<Message> reply = new CompletableFuture<>();
        requests.put(id, reply);
        try {
            transmit(make.apply(id));
            return (R) reply.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while waiting for a reply from " + scheduler.remoteAddress());
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "request to " + scheduler.remoteAddress() + " failed: "
                            + e.getCause().getMessage(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("no reply from " + scheduler.remoteAddress() + " within " + timeout);
        } finally {
            requests.remove(id);
        }
    }

    Comm schedulerComm() {
        return scheduler;
    }

    SchedulerMsg.ClusterInfo clusterInfo() {
        return request(ClientMsg.ClusterInfoRequest::new, Duration.ofSeconds(30));
    }

    SchedulerMsg.TaskStreamReply taskStream(long sinceMicros) {
        return request(id -> new ClientMsg.TaskStreamRequest(id, sinceMicros), Duration.ofSeconds(30));
    }

    /** Every worker's profile; the scheduler gives up on a silent worker after 5 s. */
    SchedulerMsg.ProfileReply profiles() {
        return request(ClientMsg.ProfileRequest::new, Duration.ofSeconds(30));
    }

    // ------------------------------------------------------------------ coordination

    /**
     * A reply to a coordination request; {@code key} is the state of its {@code futureKey}, already counted as one
     * holder for the caller (who wraps it in a future), or null.
     */
    record CoordAnswer(SchedulerMsg.CoordReply reply, KeyState key) {}

    /**
     * Sends a coordination operation and waits for the scheduler's answer (the scheduler enforces the operation's
     * timeout, so this waits without one). Interrupting the caller tells the scheduler to drop the wait and throws
     * {@link CancellationException}; a reply that was already on its way goes to {@code ifAbandoned} (e.g. to give
     * back a lock granted meanwhile).
     */
    CoordAnswer coordinate(
            io.jdask.protocol.CoordOp op, String primitive, java.util.function.Consumer<CoordAnswer> ifAbandoned) {
        checkOpen(primitive);
        long id = requestIds.incrementAndGet();
        CompletableFuture<CoordAnswer> reply = new CompletableFuture<>();
        coordRequests.put(id, reply);
        try {
            transmit(new ClientMsg.Coordinate(id, op));
            return reply.get();
        } catch (InterruptedException e) {
            abandon(id, reply, ifAbandoned);
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while waiting on " + primitive);
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "cannot use " + primitive + ": " + e.getCause().getMessage(), e.getCause());
        } catch (RuntimeException e) {
            coordRequests.remove(id);
            if (e instanceof io.jdask.protocol.CommClosedException) checkOpen(primitive);
            throw e;
        }
    }

    /** Sends a coordination operation without waiting for its answer (which is then ignored). */
    void coordinateAsync(io.jdask.protocol.CoordOp op, String primitive) {
        checkOpen(primitive);
        transmit(new ClientMsg.Coordinate(requestIds.incrementAndGet(), op));
    }

    private void abandon(long id, CompletableFuture<CoordAnswer> reply, java.util.function.Consumer<CoordAnswer> then) {
        coordRequests.remove(id);
        if (reply.isDone()) { // answered between the interrupt and the removal
            CoordAnswer a = reply.getNow(null);
            if (a != null) handleAbandoned(a, then);
            return;
        }
        abandoned.put(id, then != null ? then : a -> {});
        try {
            transmit(new ClientMsg.CancelWait(id));
        } catch (RuntimeException e) {
            abandoned.remove(id);
        }
    }

    private void handleAbandoned(CoordAnswer a, java.util.function.Consumer<CoordAnswer> then) {
        if (then != null && a.reply().outcome() == io.jdask.protocol.CoordOutcome.OK) {
            callbacks.execute(() -> {
                try {
                    then.accept(a); // e.g. a queue item goes back: its key is stored again before we let go of it
                } catch (RuntimeException e) {
                    LOG.debug("cleaning up an abandoned coordination reply: {}", e.toString());
                } finally {
                    if (a.key() != null) release(a.key());
                }
            });
        } else if (a.key() != null) {
            release(a.key());
        }
    }

    private void onCoordReply(SchedulerMsg.CoordReply r) {
        // Acquired here, on the I/O thread, before any KeyInMemory for the key (it follows on this connection).
        KeyState ks = r.futureKey() != null && r.outcome() == io.jdask.protocol.CoordOutcome.OK && isOpen()
                ? acquire(r.futureKey())
                : null;
        CoordAnswer a = new CoordAnswer(r, ks);
        CompletableFuture<CoordAnswer> cf = coordRequests.remove(r.requestId());
        if (cf != null && cf.complete(a)) return;
        java.util.function.Consumer<CoordAnswer> then = abandoned.remove(r.requestId());
        if (then != null || ks != null) handleAbandoned(a, then);
    }

    // ------------------------------------------------------------------ values

    /** The value of a FINISHED key: known locally, sent inline, or fetched from a worker that holds it. */
    Object valueOf(KeyState ks, ClassLoader loader) {
        Object local = ks.localValue(ABSENT);
        if (local != ABSENT) return local;
        byte[] inline = ks.inline();
        if (inline != null) return serializer.deserialize(inline, loader);
        return fetch(List.of(ks), loader).get(0);
    }

    /**
     * Fetches values of FINISHED keys from their holders, one request per worker, all in flight at once; a key a
     * worker no longer has is tried at its next holder.
     */
    List<Object> fetch(List<KeyState> states, ClassLoader loader) {
        return fetch(states, loader, null);
    }

    /**
     * As {@link #fetch(List, ClassLoader)}; with a non-null {@code failed}, a key whose value was lost and whose
     * recomputation then failed yields {@code failed} in its place instead of throwing ({@code gather} with
     * {@code Errors.SKIP}).
     */
    List<Object> fetch(List<KeyState> states, ClassLoader loader, Object failed) {
        Object[] out = new Object[states.size()];
        Map<Integer, Integer> attempt = new HashMap<>();
        List<Integer> todo = new ArrayList<>();
        for (int i = 0; i < states.size(); i++) {
            Object local = states.get(i).localValue(ABSENT);
            byte[] inline = states.get(i).inline();
            if (local != ABSENT) out[i] = local;
            else if (inline != null) out[i] = serializer.deserialize(inline, loader);
            else todo.add(i);
        }
        while (!todo.isEmpty()) {
            Map<String, List<Integer>> byWorker = new LinkedHashMap<>();
            for (int i : todo) {
                KeyState ks = states.get(i);
                List<String> where = ks.where();
                int a = attempt.getOrDefault(i, 0);
                if (a >= where.size() && ks.moved(where, currentHolders(ks.key, where))) {
                    where = ks.where(); // copied elsewhere (a retired worker's data): try the new holders
                    a = 0;
                } else if (a >= where.size()) {
                    boolean renewed;
                    try {
                        renewed = awaitNewReport(ks, where, loader);
                    } catch (RuntimeException recomputationFailed) {
                        FutureStatus now = ks.status();
                        if (failed == null || !now.isDone() || now == FutureStatus.FINISHED) throw recomputationFailed;
                        out[i] = failed;
                        continue;
                    }
                    if (!renewed || ks.where().isEmpty() && ks.inline() == null) {
                        throw new DataLostException(
                                ks.key,
                                where.isEmpty()
                                        ? "no worker holds it"
                                        : "none of its holders " + where + " still has it");
                    }
                    if (ks.inline() != null) {
                        out[i] = serializer.deserialize(ks.inline(), loader);
                        continue;
                    }
                    where = ks.where();
                    a = 0;
                }
                attempt.put(i, a + 1);
                byWorker.computeIfAbsent(where.get(a), w -> new ArrayList<>()).add(i);
            }
            Map<String, CompletableFuture<Message>> replies = new LinkedHashMap<>();
            for (var e : byWorker.entrySet()) {
                List<String> wanted = new ArrayList<>();
                for (int i : e.getValue()) wanted.add(states.get(i).key);
                replies.put(e.getKey(), requestAsync(e.getKey(), id -> new DataMsg.GetData(id, wanted)));
            }
            List<Integer> again = new ArrayList<>();
            for (var e : byWorker.entrySet()) {
                DataMsg.DataReply reply;
                try {
                    reply = (DataMsg.DataReply) replies.get(e.getKey()).get(60, TimeUnit.SECONDS);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new CancellationException("interrupted while fetching results");
                } catch (ExecutionException | TimeoutException ex) {
                    LOG.debug("fetch from {} failed: {}", e.getKey(), ex.toString());
                    again.addAll(e.getValue());
                    continue;
                }
                for (int i : e.getValue()) {
                    Serialized bytes = reply.values().get(states.get(i).key);
                    if (bytes == null) again.add(i);
                    else out[i] = serializer.deserialize(bytes, loader);
                }
            }
            todo = again;
        }
        return java.util.Arrays.asList(out);
    }

    /** How long a fetch that found none of a key's holders waits for the scheduler to say what became of it. */
    static final Duration LOST_VERDICT_WAIT = Duration.ofSeconds(10);

    /**
     * None of the holders {@code tried} of a FINISHED key gave its value. If they died, the scheduler computes the key
     * again ({@link SchedulerMsg.KeyRecomputing}) or reports it lost once it sees them gone, which may be a moment
     * after this client did. Waits up to {@link #LOST_VERDICT_WAIT} for such news, then for the key to be done again;
     * true if it is FINISHED again (fetch anew), false if no news came. Throws the key's failure if it failed.
     */
    /**
     * The workers the scheduler says hold {@code key} now, or {@code tried} when it names no other (asked only after
     * every known holder failed: the value may have moved, as when its worker was retired).
     */
    private List<String> currentHolders(String key, List<String> tried) {
        List<String> holders = new ArrayList<>();
        try {
            for (var e : clusterInfo().hasWhat().entrySet()) {
                if (e.getValue().contains(key)) holders.add(e.getKey());
            }
        } catch (RuntimeException e) {
            LOG.debug("asking the scheduler where {} is failed: {}", key, e.toString());
            return tried;
        }
        return holders.isEmpty() || new java.util.HashSet<>(tried).containsAll(holders) ? tried : holders;
    }

    private boolean awaitNewReport(KeyState ks, List<String> tried, ClassLoader loader) {
        long deadline = System.nanoTime() + LOST_VERDICT_WAIT.toNanos();
        try {
            // Identity: every report sets a new list of holders.
            while (ks.status() == FutureStatus.FINISHED && ks.where() == tried) {
                if (System.nanoTime() > deadline) return false;
                Thread.sleep(10);
            }
            ks.done().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while fetching " + ks.key);
        } catch (ExecutionException e) {
            throw new IllegalStateException("unexpected", e.getCause());
        }
        if (ks.status() == FutureStatus.FINISHED) return true;
        throw failureOf(ks, loader);
    }

    /** Sends a data-plane request to a worker; the future completes with the reply. */
    CompletableFuture<Message> requestAsync(String worker, java.util.function.LongFunction<? extends DataMsg> make) {
        long id = requestIds.incrementAndGet();
        DataMsg request = make.apply(id);
        beforeDirect(request);
        CompletableFuture<Message> reply = new CompletableFuture<>();
        requests.put(id, reply);
        java.util.Set<Long> inFlight = requestsByWorker.computeIfAbsent(worker, w -> ConcurrentHashMap.newKeySet());
        inFlight.add(id);
        reply.whenComplete((m, e) -> {
            requests.remove(id);
            inFlight.remove(id);
        });
        workerComm(worker).whenComplete((comm, e) -> {
            if (e != null) {
                reply.completeExceptionally(e);
                return;
            }
            try {
                comm.send(request);
            } catch (RuntimeException ex) {
                reply.completeExceptionally(ex);
            }
        });
        return reply;
    }

    private CompletableFuture<Comm> workerComm(String address) {
        CompletableFuture<Comm> cf = workerComms.computeIfAbsent(
                address,
                a -> transport.connect(a, Duration.ofSeconds(10)).thenApply(c -> {
                    c.setHandler(new CommHandler() {
                        @Override
                        public void onMessage(Comm comm, Message message) {
                            Session.this.onMessage(comm, message);
                        }

                        @Override
                        public void onClose(Comm comm, CloseReason reason) {
                            workerComms.remove(a);
                            java.util.Set<Long> inFlight = requestsByWorker.get(a);
                            if (inFlight == null) return;
                            for (Long id : inFlight) {
                                CompletableFuture<Message> r = requests.get(id);
                                if (r != null) {
                                    r.completeExceptionally(new IllegalStateException(
                                            "the connection to worker " + a + " closed before it answered: " + reason));
                                }
                            }
                        }
                    });
                    return c;
                }));
        cf.whenComplete((c, e) -> {
            if (e != null) workerComms.remove(address, cf);
        });
        return cf;
    }

    /** What {@code result()} throws for a key that is not FINISHED: the task's exception, checked ones wrapped. */
    RuntimeException failureOf(KeyState ks, ClassLoader loader) {
        Throwable t = exceptionOf(ks, loader);
        return switch (ks.status()) {
            case CANCELLED, LOST -> (RuntimeException) t;
            default -> {
                KeyState.Failure f = ks.failure();
                yield Received.toThrow(
                        t,
                        e -> new TaskFailedException(
                                f == null ? ks.key : f.blamedKey(), e, f == null ? null : f.traceback()));
            }
        };
    }

    /** What to throw or report for a key that is not FINISHED. */
    Throwable exceptionOf(KeyState ks, ClassLoader loader) {
        KeyState.Failure f = ks.failure();
        if (f == null) return new IllegalStateException(ks.key + " has not failed (status " + ks.status() + ")");
        return switch (f.status()) {
            case CANCELLED ->
                new CancellationException(ks.key + " was cancelled" + (f.message() == null ? "" : ": " + f.message()));
            case LOST -> new DataLostException(ks.key, f.message() == null ? "its worker died" : f.message());
            default ->
                Received.exception(
                        serializer, f.exception(), loader, f.exceptionType(), f.message(), f.traceback(), ks.key);
        };
    }

    // ------------------------------------------------------------------ inbound

    /**
     * Messages from the scheduler and, on data-plane comms, from workers. Every message type is named here, those a
     * client never receives too, with why: a new message type does not compile until this says what a client does
     * with it (a {@code default} would turn a missed reply into a warning and a caller's time-out).
     */
    @Override
    public void onMessage(Comm comm, Message message) {
        switch (message) {
            case SchedulerMsg m -> onSchedulerMessage(comm, m);
            case DataMsg m -> onDataMessage(comm, m);
            // The client's own messages: it sends them, to the scheduler.
            case ClientMsg m -> unexpected(comm, m);
            // Workers report to the scheduler, never to a client.
            case WorkerMsg m -> unexpected(comm, m);
            // Liveness probes go to the scheduler, which answers them; a client sends none, so gets no answer.
            case Ping p -> unexpected(comm, p);
            case Pong p -> unexpected(comm, p);
            // The comm unpacks a batch: handlers see its messages one by one.
            case Batch b -> unexpected(comm, b);
        }
    }

    private void onSchedulerMessage(Comm comm, SchedulerMsg message) {
        switch (message) {
            case SchedulerMsg.ClientWelcome w -> welcome.complete(w);
            case SchedulerMsg.KeyRunning r -> {
                KeyState ks = keys.get(r.key());
                if (ks != null) ks.running();
            }
            case SchedulerMsg.KeyInMemory m -> {
                KeyState ks = keys.get(m.key());
                if (ks != null) ks.finished(m.holders(), m.typeName(), m.nbytes(), m.inlineValue());
            }
            case SchedulerMsg.KeyErred e -> {
                KeyState ks = keys.get(e.key());
                if (ks != null) {
                    ks.failed(new KeyState.Failure(
                            FutureStatus.ERROR,
                            e.blamedKey(),
                            e.exception(),
                            e.exceptionType(),
                            e.message(),
                            e.traceback()));
                }
            }
            case SchedulerMsg.KeyCancelled c -> {
                KeyState ks = keys.get(c.key());
                if (ks != null)
                    ks.failed(new KeyState.Failure(FutureStatus.CANCELLED, c.key(), null, null, c.reason(), null));
            }
            case SchedulerMsg.KeyRecomputing r -> {
                KeyState ks = keys.get(r.key());
                if (ks != null) ks.recomputing();
            }
            case SchedulerMsg.KeyLost l -> {
                KeyState ks = keys.get(l.key());
                if (ks != null)
                    ks.failed(new KeyState.Failure(FutureStatus.LOST, l.key(), null, null, l.reason(), null));
            }
            case SchedulerMsg.ClusterWarning w -> LOG.warn("scheduler: {}", w.message());
            case SchedulerMsg.FetchClassForWorker f -> callbacks.execute(() -> answerClass(f));
            case SchedulerMsg.ClusterInfo i -> complete(i.requestId(), i);
            case SchedulerMsg.TaskStreamReply r -> complete(r.requestId(), r);
            case SchedulerMsg.ProfileReply r -> complete(r.requestId(), r);
            case SchedulerMsg.RunReply r -> complete(r.requestId(), r);
            case SchedulerMsg.TaskOutput t -> output.print(t.worker(), t.lines());
            case SchedulerMsg.Ack a -> complete(a.requestId(), a);
            case SchedulerMsg.AdaptiveTargetReply r -> complete(r.requestId(), r);
            case SchedulerMsg.CoordReply r -> onCoordReply(r);
            case SchedulerMsg.TopicMessage t -> {
                var q = subscriptions.get(t.subscriber());
                if (q != null) q.offer(t.value());
            }
            // What the scheduler sends its workers: their welcome, work, data movements, classes and shutdown.
            case SchedulerMsg.WorkerWelcome w -> unexpected(comm, w);
            case SchedulerMsg.ComputeTask t -> unexpected(comm, t);
            case SchedulerMsg.FreeKeys f -> unexpected(comm, f);
            case SchedulerMsg.CancelCompute c -> unexpected(comm, c);
            case SchedulerMsg.StealRequest q -> unexpected(comm, q);
            case SchedulerMsg.RefreshWhoHas r -> unexpected(comm, r);
            case SchedulerMsg.WorkerProfileRequest r -> unexpected(comm, r);
            case SchedulerMsg.ClassBytes b -> unexpected(comm, b);
            case SchedulerMsg.StaticState st -> unexpected(comm, st);
            case SchedulerMsg.PushedClasses p -> unexpected(comm, p);
            case SchedulerMsg.AddJar j -> unexpected(comm, j);
            case SchedulerMsg.CloseWorker c -> unexpected(comm, c);
            case SchedulerMsg.WorkerRemoved r -> unexpected(comm, r);
            case SchedulerMsg.OutputUndelivered u -> unexpected(comm, u);
            case SchedulerMsg.RunOnWorker r -> unexpected(comm, r);
            case SchedulerMsg.SetupPlugin p -> unexpected(comm, p);
            case SchedulerMsg.AcquireReplicas a -> unexpected(comm, a);
            case SchedulerMsg.RetireWorker r -> unexpected(comm, r);
        }
    }

    private void onDataMessage(Comm comm, DataMsg message) {
        switch (message) {
            case DataMsg.DataReply r -> complete(r.requestId(), r);
            case DataMsg.PutDataAck a -> complete(a.requestId(), a);
            // Requests to a worker: a client holds no data and no actors.
            case DataMsg.GetData g -> unexpected(comm, g);
            case DataMsg.PutData p -> unexpected(comm, p);
            case DataMsg.ActorCall c -> unexpected(comm, c);
            // Answers to actor calls come on the ActorChannel's own comm, never on this session's.
            case DataMsg.ActorReply r -> unexpected(comm, r);
        }
    }

    private static void unexpected(Comm comm, Message message) {
        LOG.warn(
                "unexpected message from {}: {}",
                comm.remoteAddress(),
                message.getClass().getSimpleName());
    }

    private void complete(long requestId, Message m) {
        CompletableFuture<Message> cf = requests.get(requestId);
        if (cf != null) cf.complete(m);
    }

    private void answerClass(SchedulerMsg.FetchClassForWorker f) {
        ClassServer.Answer a = classes.find(f.className(), serializer);
        try {
            transmit(new ClientMsg.ClassBytesForWorker(
                    f.requestId(), f.worker(), f.className(), a.bytes(), a.staticState()));
        } catch (RuntimeException e) {
            LOG.debug("could not answer a class request for {}: {}", f.className(), e.toString());
        }
    }

    @Override
    public void onClose(Comm comm, CloseReason reason) {
        if (comm != scheduler) return;
        String why = closed
                ? "the client was closed"
                : "lost the connection to the scheduler at " + schedulerAddress + " (" + reason + ")";
        closeReason = why;
        welcome.completeExceptionally(new IllegalStateException(why));
        for (KeyState ks : keys.values()) {
            if (!ks.isDone()) ks.failed(new KeyState.Failure(FutureStatus.CANCELLED, ks.key, null, null, why, null));
        }
        for (CompletableFuture<Message> r : requests.values()) r.completeExceptionally(new IllegalStateException(why));
        for (CompletableFuture<CoordAnswer> r : coordRequests.values()) {
            r.completeExceptionally(new IllegalStateException(why));
        }
        coordRequests.clear();
        abandoned.clear();
        for (var q : subscriptions.values()) q.offer(SUBSCRIPTION_CLOSED);
        for (ActorChannel a : actorChannels.values()) a.close();
    }

    private void checkOpen() {
        checkOpen("this jdask client");
    }

    /** Throws naming {@code what} (e.g. {@code queue 'jobs'}) if the client is closed. */
    void checkOpen(String what) {
        if (closed || !scheduler.isOpen()) {
            String why = closeReason != null ? closeReason : "the client is closed";
            throw new IllegalStateException("cannot use " + what + ": " + why + ". Connect a new client.");
        }
    }

    long nextRequestId() {
        return requestIds.incrementAndGet();
    }

    Transport transport() {
        return transport;
    }

    void close() {
        if (closed) return;
        closed = true;
        closeReason = "the client was closed";
        try {
            scheduler.close();
            scheduler.closeFuture().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.debug("closing the scheduler comm: {}", e.toString());
        }
        onClose(scheduler, null);
        for (CompletableFuture<Comm> c : workerComms.values()) c.thenAccept(Comm::close);
        for (ActorChannel a : actorChannels.values()) a.close();
        workerComms.clear();
        transport.close();
        callbacks.shutdown();
        output.close();
    }
}
