package io.jdask.client;

import io.jdask.Client;
import io.jdask.ClusterExecutor;
import io.jdask.Delayed;
import io.jdask.Errors;
import io.jdask.Fn;
import io.jdask.Future;
import io.jdask.FutureStatus;
import io.jdask.SubmitOptions;
import io.jdask.graph.Functions;
import io.jdask.graph.Tokens;
import io.jdask.protocol.ClientMsg;
import io.jdask.protocol.DataMsg;
import io.jdask.protocol.SchedulerMsg;
import io.jdask.protocol.Serialized;
import io.jdask.spi.ClientRuntime;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Client} implementation: a {@link Session} plus the submit options of this view. {@link #with} makes a
 * view sharing the session; closing a view closes nothing (close the client it came from).
 */
final class ClientImpl implements Client, ClientRuntime {
    private static final Logger LOG = LoggerFactory.getLogger(ClientImpl.class);
    private final Session session;
    private final SubmitOptions.Values options;
    private final boolean isView;
    /** Rotates scatter targets over workers. */
    private static final java.util.concurrent.atomic.AtomicInteger SCATTER_TURN =
            new java.util.concurrent.atomic.AtomicInteger();

    ClientImpl(Session session, SubmitOptions.Values options, boolean isView) {
        this.session = session;
        this.options = options;
        this.isView = isView;
    }

    Session session() {
        return session;
    }

    // ------------------------------------------------------------------ submitting

    @Override
    public <R> Future<R> submitCall(Fn fn, Object[] args) {
        String key = keyFor(fn, args, -1);
        Submission sub = new Submission(session, options);
        sub.addCall(key, fn, args);
        KeyState ks = session.acquire(key);
        try {
            session.send(sub.message(List.of(key)));
        } catch (RuntimeException e) {
            session.release(ks);
            throw e;
        }
        return new FutureImpl<>(session, ks);
    }

    @Override
    public <R> List<Future<R>> mapCall(Fn fn, List<Object[]> calls) {
        Submission sub = new Submission(session, options);
        List<String> keyList = new ArrayList<>(calls.size());
        for (int i = 0; i < calls.size(); i++) {
            String key = keyFor(fn, calls.get(i), i);
            keyList.add(key);
            sub.addCall(key, fn, calls.get(i));
        }
        List<Future<R>> out = new ArrayList<>(calls.size());
        for (String key : keyList) out.add(new FutureImpl<>(session, session.acquire(key)));
        session.send(sub.message(keyList));
        return out;
    }

    private String keyFor(Fn fn, Object[] args, int index) {
        if (options.key() != null) return index < 0 ? options.key() : options.key() + "-" + index;
        String name = Functions.name(fn);
        if (options.pure()) {
            Object[] parts = new Object[args.length + 2];
            parts[0] = name;
            parts[1] = fn;
            System.arraycopy(args, 0, parts, 2, args.length);
            String token = Tokens.deterministic(parts);
            if (token != null) return name + "-" + token;
        }
        return Tokens.uniqueKey(name);
    }

    @Override
    public Client with(SubmitOptions options) {
        // SubmitOptions is sealed: Values is its only kind.
        return new ClientImpl(session, (SubmitOptions.Values) Objects.requireNonNull(options, "options"), true);
    }

    @Override
    public Client with(UnaryOperator<SubmitOptions.Values> change) {
        return new ClientImpl(session, Objects.requireNonNull(change.apply(options), "the changed options"), true);
    }

    @Override
    public SubmitOptions options() {
        return options;
    }

    // ------------------------------------------------------------------ delayed

    @Override
    public <T> Future<T> compute(Delayed<T> value) {
        return this.<T>compute(List.of(value)).get(0);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> List<Future<T>> compute(List<? extends Delayed<? extends T>> values) {
        Submission sub = new Submission(session, options);
        List<String> wanted = new ArrayList<>();
        for (Delayed<? extends T> d : values) {
            sub.addDelayed(d);
            wanted.add(d.key());
        }
        List<Future<T>> out = new ArrayList<>();
        for (String key : wanted) out.add(new FutureImpl<>(session, session.acquire(key)));
        session.send(sub.message(wanted));
        return out;
    }

    @Override
    public <T> List<Delayed<T>> persist(List<? extends Delayed<? extends T>> values) {
        List<Future<T>> futures = compute(values);
        List<Delayed<T>> out = new ArrayList<>(futures.size());
        for (Future<T> f : futures) out.add(io.jdask.Dask.delayed(f));
        return out;
    }

    // ------------------------------------------------------------------ data

    @Override
    public <T> List<T> gather(Collection<? extends Future<? extends T>> futures) {
        return gather(futures, Errors.RAISE);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> List<T> gather(Collection<? extends Future<? extends T>> futures, Errors errors) {
        List<KeyState> finished = new ArrayList<>();
        List<Future<? extends T>> order = new ArrayList<>(futures);
        boolean allDone = true;
        for (Future<? extends T> f : order) allDone &= stateOf(f).isDone();
        if (!allDone) {
            try (TaskWaits waiting = TaskWaits.secede()) { // a task does not hold its slot while it waits
                for (Future<? extends T> f : order) waitDone(stateOf(f), f.key());
            }
        }
        for (Future<? extends T> f : order) {
            FutureStatus status;
            while (!(status = f.status()).isDone()) waitDone(stateOf(f), f.key()); // lost and being computed again
            if (status == FutureStatus.FINISHED) {
                finished.add(stateOf(f));
            } else if (errors == Errors.RAISE) {
                f.result(); // throws the failure as result() does
            }
        }
        session.output.settle(); // what the tasks printed shows before their results
        // A value may also be lost while it is fetched, and its recomputation fail: skipped too under SKIP.
        Object skipped = new Object();
        List<Object> values = session.fetch(finished, Received.loader(), errors == Errors.SKIP ? skipped : null);
        List<T> out = new ArrayList<>(values.size());
        for (Object v : values) {
            if (v != skipped) out.add((T) v);
        }
        return out;
    }

    private static void waitDone(KeyState ks, String key) {
        try {
            ks.done().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.util.concurrent.CancellationException("interrupted while gathering " + key);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    private KeyState stateOf(Future<?> f) {
        if (f instanceof FutureImpl<?> fi) return fi.keyState();
        KeyState ks = session.known(f.key());
        if (ks == null) throw new IllegalArgumentException(f + " does not belong to this client");
        return ks;
    }

    @Override
    public <T> Future<T> scatter(T value) {
        return scatter(value, false);
    }

    @Override
    public <T> Future<T> scatter(T value, boolean broadcast) {
        List<String> workers = scatterWorkers();
        String key = Tokens.uniqueKey(typeName(value));
        // A byte[] is sent from the caller's array (Serialized shares it); the puts return once the targets
        // acknowledged, so the array is not read after scatter returns.
        Serialized bytes = session.shipping.data(value);
        Map<String, Serialized> values = Map.of(key, bytes);
        List<String> targets;
        if (broadcast) {
            List<java.util.concurrent.CompletableFuture<?>> acks = new ArrayList<>();
            for (String w : workers) acks.add(put(w, values));
            targets = new ArrayList<>();
            for (int i = 0; i < workers.size(); i++) {
                if (stored(acks.get(i))) targets.add(workers.get(i));
            }
            if (targets.isEmpty()) throw unreachable(workers);
        } else {
            targets = List.of(putOnFirstReachable(rotated(workers, SCATTER_TURN.getAndIncrement()), values));
        }
        KeyState ks = session.acquire(key);
        ks.scattered(targets, value, bytes.nbytes());
        Map<String, List<String>> whoHas = Map.of(key, targets);
        session.send(new ClientMsg.ScatterDone(whoHas, Map.of(key, bytes.nbytes())));
        return new FutureImpl<>(session, ks);
    }

    @Override
    public <T> List<Future<T>> scatterEach(Collection<? extends T> values) {
        List<String> workers = scatterWorkers();
        Map<String, Map<String, Serialized>> perWorker = new LinkedHashMap<>();
        Map<String, List<String>> whoHas = new LinkedHashMap<>();
        Map<String, Long> nbytes = new LinkedHashMap<>();
        List<Object> locals = new ArrayList<>();
        List<String> keyList = new ArrayList<>();
        int turn = SCATTER_TURN.getAndAdd(values.size());
        for (T v : values) {
            String key = Tokens.uniqueKey(typeName(v));
            String w = workers.get(Math.floorMod(turn++, workers.size()));
            Serialized bytes = session.shipping.data(v);
            perWorker.computeIfAbsent(w, x -> new LinkedHashMap<>()).put(key, bytes);
            whoHas.put(key, List.of(w));
            nbytes.put(key, bytes.nbytes());
            locals.add(v);
            keyList.add(key);
        }
        Map<String, java.util.concurrent.CompletableFuture<?>> acks = new LinkedHashMap<>();
        for (var e : perWorker.entrySet()) acks.put(e.getKey(), put(e.getKey(), e.getValue()));
        for (var e : acks.entrySet()) {
            if (stored(e.getValue())) continue;
            // That worker is gone: its share goes to the first other worker that takes it.
            List<String> others = new ArrayList<>(workers);
            others.remove(e.getKey());
            String w = putOnFirstReachable(others, perWorker.get(e.getKey()));
            for (String key : perWorker.get(e.getKey()).keySet()) whoHas.put(key, List.of(w));
        }
        List<Future<T>> out = new ArrayList<>();
        for (int i = 0; i < keyList.size(); i++) {
            KeyState ks = session.acquire(keyList.get(i));
            ks.scattered(whoHas.get(keyList.get(i)), locals.get(i), nbytes.get(keyList.get(i)));
            out.add(new FutureImpl<>(session, ks));
        }
        session.send(new ClientMsg.ScatterDone(whoHas, nbytes));
        return out;
    }

    /** The scheduler's workers, sorted; throws if there are none. */
    private List<String> scatterWorkers() {
        List<String> workers = new ArrayList<>(session.clusterInfo().nthreads().keySet());
        if (workers.isEmpty()) throw new IllegalStateException("cannot scatter: the cluster has no workers yet");
        workers.sort(null);
        return workers;
    }

    private static List<String> rotated(List<String> workers, int turn) {
        List<String> out = new ArrayList<>(workers.size());
        for (int i = 0; i < workers.size(); i++) out.add(workers.get(Math.floorMod(turn + i, workers.size())));
        return out;
    }

    private java.util.concurrent.CompletableFuture<?> put(String worker, Map<String, Serialized> values) {
        return session.requestAsync(worker, id -> new DataMsg.PutData(id, values));
    }

    /**
     * Puts the values on the first of {@code candidates} that stores them and returns it. A worker that cannot be
     * reached is skipped: it may have died after the scheduler listed it, and the scheduler has not noticed yet.
     */
    private String putOnFirstReachable(List<String> candidates, Map<String, Serialized> values) {
        for (String w : candidates) {
            if (stored(put(w, values))) return w;
        }
        throw unreachable(candidates);
    }

    private static IllegalStateException unreachable(List<String> tried) {
        return new IllegalStateException("scatter failed: no worker could be reached to store the data (tried " + tried
                + "); are the workers running?");
    }

    /**
     * Waits for a worker's acknowledgement of a put: true once it stored the data, false if the worker could not be
     * reached or its connection closed first; throws if it refused the data or did not answer within 60 s.
     */
    private static boolean stored(java.util.concurrent.CompletableFuture<?> ack) {
        Object reply;
        try {
            reply = ack.get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            LOG.debug("a scatter target could not be reached: {}", e.getCause().toString());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.util.concurrent.CancellationException("interrupted while scattering");
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("scatter failed: a worker did not acknowledge the data within 60 s", e);
        }
        if (reply instanceof DataMsg.PutDataAck a && a.error() != null) {
            throw new IllegalStateException("scatter failed: " + a.error());
        }
        return true;
    }

    private static String typeName(Object v) {
        if (v == null) return "none";
        String s = v.getClass().getSimpleName();
        if (s.isEmpty()) return "value";
        s = s.replace("[]", "-array");
        return Character.toLowerCase(s.charAt(0)) + s.substring(1);
    }

    @Override
    public void cancel(Collection<? extends Future<?>> futures) {
        List<String> keyList = new ArrayList<>();
        for (Future<?> f : futures) keyList.add(f.key());
        session.cancel(keyList);
    }

    // ------------------------------------------------------------------ coordination and actors

    @Override
    public <T> io.jdask.DQueue<T> queue(String name) {
        return new Primitives.QueueImpl<>(session, requireName(name, "queue"));
    }

    @Override
    public io.jdask.DLock lock(String name) {
        session.checkOpen("lock '" + name + "'");
        return new Primitives.LockImpl(session, requireName(name, "lock"));
    }

    @Override
    public io.jdask.DEvent event(String name) {
        return new Primitives.EventImpl(session, requireName(name, "event"));
    }

    @Override
    public <T> io.jdask.DVariable<T> variable(String name) {
        return new Primitives.VariableImpl<>(session, requireName(name, "variable"));
    }

    @Override
    public io.jdask.DSemaphore semaphore(String name, int maxLeases) {
        session.checkOpen("semaphore '" + name + "'");
        return new Primitives.SemaphoreImpl(session, requireName(name, "semaphore"), maxLeases);
    }

    @Override
    public <T> io.jdask.Publisher<T> publisher(String topic) {
        return new Primitives.PublisherImpl<>(session, requireName(topic, "topic"));
    }

    @Override
    public <T> io.jdask.Subscriber<T> subscriber(String topic) {
        return new Primitives.SubscriberImpl<>(session, requireName(topic, "topic"));
    }

    @Override
    public <T> Future<io.jdask.Actor<T>> submitActor(io.jdask.Fn0<? extends T> factory) {
        return Actors.submit(this, factory);
    }

    private static String requireName(String name, String what) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a " + what + " needs a non-empty name");
        }
        return name;
    }

    // ------------------------------------------------------------------ cluster

    @Override
    public String schedulerAddress() {
        return session.schedulerAddress();
    }

    @Override
    public String dashboardLink() {
        return session.dashboardLink();
    }

    @Override
    public List<io.jdask.TaskRecord> taskStream() {
        return taskStreamSince(0);
    }

    @Override
    public List<io.jdask.TaskRecord> taskStream(java.time.Instant since) {
        return taskStreamSince(Math.max(0, since.getEpochSecond() * 1_000_000L + since.getNano() / 1000));
    }

    private List<io.jdask.TaskRecord> taskStreamSince(long micros) {
        List<SchedulerMsg.TaskStreamEntry> entries = session.taskStream(micros).entries();
        List<io.jdask.TaskRecord> out = new ArrayList<>(entries.size());
        for (SchedulerMsg.TaskStreamEntry e : entries) {
            out.add(new io.jdask.TaskRecord(
                    e.key(),
                    io.jdask.TaskRecord.functionNameOf(e.key()),
                    e.worker(),
                    e.thread(),
                    e.startMicros(),
                    e.stopMicros(),
                    e.erred() ? FutureStatus.ERROR : FutureStatus.FINISHED));
        }
        return out;
    }

    @Override
    public io.jdask.Profile profile() {
        List<io.jdask.spi.ProfileArrays> all = new ArrayList<>();
        for (io.jdask.protocol.WorkerMsg.ProfileData d :
                session.profiles().byWorker().values()) {
            all.add(new io.jdask.spi.ProfileArrays(d.frames(), d.parents(), d.counts()));
        }
        return io.jdask.spi.ProfileArrays.merge(all);
    }

    @Override
    public Map<String, List<String>> whoHas(Collection<? extends Future<?>> futures) {
        Map<String, List<String>> hasWhat = session.clusterInfo().hasWhat();
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Future<?> f : futures) out.put(f.key(), new ArrayList<>());
        for (var e : hasWhat.entrySet()) {
            for (String k : e.getValue()) {
                List<String> holders = out.get(k);
                if (holders != null) holders.add(e.getKey());
            }
        }
        return out;
    }

    @Override
    public Map<String, List<String>> hasWhat() {
        return session.clusterInfo().hasWhat();
    }

    @Override
    public Map<String, Integer> nthreads() {
        return session.clusterInfo().nthreads();
    }

    @Override
    public void restart() {
        SchedulerMsg.Ack ack = session.request(ClientMsg.RestartWorkers::new, Duration.ofSeconds(60));
        if (ack.error() != null) throw new IllegalStateException("restart failed: " + ack.error());
    }

    /**
     * The scheduler's answer to how many workers the known work calls for within {@code target}, and which idle ones
     * could be retired (see {@code SchedulerState.adaptiveTarget}); for the adaptive loop.
     */
    SchedulerMsg.AdaptiveTargetReply adaptiveTarget(Duration target) {
        io.jdask.protocol.Message m = session.request(
                id -> new ClientMsg.AdaptiveTargetRequest(id, target.toNanos()), Duration.ofSeconds(30));
        if (m instanceof SchedulerMsg.AdaptiveTargetReply r) return r;
        throw new IllegalStateException("the scheduler did not answer the adaptive target: " + m);
    }

    @Override
    public void retireWorkers(Collection<String> addresses) {
        List<String> workers = List.copyOf(addresses);
        if (workers.isEmpty()) return;
        SchedulerMsg.Ack ack = session.request(id -> new ClientMsg.RetireWorkers(id, workers), Duration.ofMinutes(6));
        if (ack.error() == null) return;
        if (ack.error().startsWith("no worker is connected at"))
            throw new IllegalArgumentException("retireWorkers: " + ack.error());
        throw new IllegalStateException("retireWorkers: " + ack.error());
    }

    @Override
    public void uploadJar(Path jar) {
        try {
            session.send(new ClientMsg.UploadJar(jar.getFileName().toString(), Files.readAllBytes(jar)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + jar, e);
        }
    }

    /** How long {@link #run} and {@link #register} wait: a bit longer than the scheduler waits for the workers. */
    private static final Duration RUN_WAIT = Duration.ofMinutes(11);

    @Override
    public <T> Map<String, T> run(io.jdask.Fn0<? extends T> fn) {
        Objects.requireNonNull(fn, "fn");
        byte[] bytes = session.shipping.function(fn);
        SchedulerMsg.RunReply reply = session.request(id -> new ClientMsg.RunOnWorkers(id, bytes), RUN_WAIT);
        return runResults("client.run", reply);
    }

    @Override
    public void register(io.jdask.WorkerPlugin plugin) {
        Objects.requireNonNull(plugin, "plugin");
        String name = Objects.requireNonNull(plugin.name(), "the plugin's name()");
        if (name.isEmpty()) throw new IllegalArgumentException("a plugin's name() must not be empty");
        byte[] bytes;
        try {
            bytes = session.shipping.value(plugin);
        } catch (io.jdask.protocol.SerializationException e) {
            throw new IllegalArgumentException(
                    "cannot send plugin " + name + " to the workers: " + e.getMessage()
                            + " A plugin and what it holds must be Serializable.",
                    e);
        }
        SchedulerMsg.RunReply reply = session.request(id -> new ClientMsg.RegisterPlugin(id, name, bytes), RUN_WAIT);
        runResults("setup of plugin " + name, reply);
    }

    /**
     * Each worker's result of a run, by address in order; throws for the first worker (by address) where it failed.
     */
    @SuppressWarnings("unchecked")
    private <T> Map<String, T> runResults(String what, SchedulerMsg.RunReply reply) {
        ClassLoader loader = Received.loader();
        var byWorker = new java.util.TreeMap<String, io.jdask.protocol.WorkerMsg.RunOutcome>(reply.byWorker());
        Map<String, T> out = new LinkedHashMap<>();
        for (var e : byWorker.entrySet()) {
            var o = e.getValue();
            if (o.ok()) {
                out.put(e.getKey(), o.value() == null ? null : (T) session.serializer.deserialize(o.value(), loader));
            } else {
                Throwable cause = Received.exception(
                        session.serializer,
                        o.exception(),
                        loader,
                        o.exceptionType(),
                        o.message(),
                        o.traceback(),
                        what + " on " + e.getKey());
                throw new io.jdask.WorkerRunException(what, e.getKey(), cause);
            }
        }
        if (reply.missing() != null && !reply.missing().isEmpty()) {
            LOG.warn("{}: no answer from workers {} (they left or took too long)", what, reply.missing());
        }
        return java.util.Collections.unmodifiableMap(out);
    }

    @Override
    public ClusterExecutor executor() {
        return new ClientExecutor(this);
    }

    @Override
    public void close() {
        if (isView) return;
        Clients.closed(this);
        session.close();
    }

    @Override
    public String toString() {
        return "<Client: scheduler=" + session.schedulerAddress() + ">";
    }
}
