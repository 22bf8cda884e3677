package io.jdask.scheduler;

import io.jdask.protocol.ClientMsg;
import io.jdask.protocol.CloseReason;
import io.jdask.protocol.Comm;
import io.jdask.protocol.CommHandler;
import io.jdask.protocol.CommOptions;
import io.jdask.protocol.GraphMessage;
import io.jdask.protocol.Message;
import io.jdask.protocol.SchedulerMsg;
import io.jdask.protocol.Transport;
import io.jdask.protocol.WorkerMsg;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A fake client or worker for tests: a plain connection that speaks the messages. Received messages are kept;
 * {@link #await} takes the first one of a type (and matching a predicate), waiting with a timeout.
 */
class FakePeer implements CommHandler, AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(15);
    private static final AtomicLong IDS = new AtomicLong();

    final Transport transport;
    final Comm comm;
    /** Guarded by this: received and not yet taken by await. */
    private final List<Message> inbox = new ArrayList<>();
    /** Guarded by this: everything received, in order. */
    private final List<Message> history = new ArrayList<>();

    FakePeer(String address, String role) throws Exception {
        CommOptions options = CommOptions.builder()
                .role(role)
                .name(role + "-" + IDS.incrementAndGet())
                .ioThreads(1)
                .build();
        this.transport = address.startsWith("inproc://") ? Transport.inproc(options) : Transport.tcp(options);
        this.comm = transport.connect(address, WAIT).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        comm.setHandler(this);
    }

    @Override
    public synchronized void onMessage(Comm c, Message message) {
        inbox.add(message);
        history.add(message);
    }

    @Override
    public void onClose(Comm c, CloseReason reason) {}

    void send(Message m) {
        comm.send(m);
    }

    <T extends Message> T await(Class<T> type) {
        return await(type, m -> true);
    }

    /** Takes the first received message of {@code type} matching {@code p}, waiting up to {@link #WAIT}. */
    <T extends Message> T await(Class<T> type, Predicate<? super T> p) {
        try {
            return Awaitility.await()
                    .atMost(WAIT)
                    .pollInSameThread() // a caller may hold this peer's lock (takeFreed)
                    .pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(1))
                    .until(() -> take(type, p), Objects::nonNull);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(
                    "no " + type.getSimpleName() + " matching the test arrived within " + WAIT + "; received: "
                            + history(),
                    e);
        }
    }

    /** Removes and returns the first received message of {@code type} matching {@code p}, or null. */
    private synchronized <T extends Message> T take(Class<T> type, Predicate<? super T> p) {
        for (Iterator<Message> it = inbox.iterator(); it.hasNext(); ) {
            Message m = it.next();
            if (type.isInstance(m) && p.test(type.cast(m))) {
                it.remove();
                return type.cast(m);
            }
        }
        return null;
    }

    /** Received messages of {@code type} not taken yet. */
    synchronized <T extends Message> List<T> pending(Class<T> type) {
        return inbox.stream().filter(type::isInstance).map(type::cast).toList();
    }

    synchronized List<Message> history() {
        return List.copyOf(history);
    }

    /** Waits until the connection is closed; true if it closed within {@link #WAIT}. */
    boolean awaitClosed() throws Exception {
        try {
            comm.closeFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        }
    }

    @Override
    public void close() {
        comm.close();
        transport.close();
    }

    /** A fake client: connects with role "client" and waits for its welcome. */
    static final class Client extends FakePeer {
        final String id;
        private final AtomicLong requests = new AtomicLong();

        Client(String address) throws Exception {
            super(address, "client");
            this.id = await(SchedulerMsg.ClientWelcome.class).clientId();
        }

        void submit(String key, byte[] runSpec, String... deps) {
            send(graph(List.of(spec(key, runSpec, deps)), List.of(key)));
        }

        /** One task of a test's graph. */
        record Spec(String key, byte[] runSpec, List<String> deps, ClientMsg.TaskOptions options) {}

        static Spec spec(String key, byte[] runSpec, String... deps) {
            return new Spec(key, runSpec, List.of(deps), ClientMsg.TaskOptions.NONE);
        }

        static Spec restricted(String key, byte[] runSpec, String worker, String... deps) {
            return new Spec(
                    key, runSpec, List.of(deps), new ClientMsg.TaskOptions(0, 0, List.of(worker), false, Map.of()));
        }

        /** The message a client sends for these tasks, wanting {@code wanted}. */
        static ClientMsg.UpdateGraph graph(List<Spec> specs, List<String> wanted) {
            var g = new GraphMessage(ClientMsg.TaskOptions.NONE);
            for (Spec s : specs) {
                g.add(s.key(), s.deps(), s.runSpec(), s.options());
            }
            return g.build(wanted);
        }

        /** Asks for cluster info; as the answer comes after everything sent before, it is also a barrier. */
        SchedulerMsg.ClusterInfo clusterInfo() throws InterruptedException {
            long id = requests.incrementAndGet();
            send(new ClientMsg.ClusterInfoRequest(id));
            return await(SchedulerMsg.ClusterInfo.class, i -> i.requestId() == id);
        }
    }

    /** A fake worker: registers under a made-up listening address and waits for its welcome. */
    static final class Worker extends FakePeer {
        private static final AtomicLong PORTS = new AtomicLong(40_000);
        final String address;
        private final AtomicLong barriers = new AtomicLong();

        Worker(String schedulerAddress, int nthreads) throws Exception {
            this(schedulerAddress, nthreads, "tcp://127.0.0.1:" + PORTS.incrementAndGet());
        }

        Worker(String schedulerAddress, int nthreads, String address) throws Exception {
            super(schedulerAddress, "worker");
            this.address = address;
            send(new WorkerMsg.RegisterWorker(
                    address,
                    "w" + address.substring(address.lastIndexOf(':') + 1),
                    nthreads,
                    1L << 30,
                    Map.of(),
                    ProcessHandle.current().pid()));
            await(SchedulerMsg.WorkerWelcome.class);
        }

        SchedulerMsg.ComputeTask awaitCompute(String key) throws InterruptedException {
            return await(SchedulerMsg.ComputeTask.class, c -> c.key().equals(key));
        }

        void finish(SchedulerMsg.ComputeTask ct, byte[] inline) {
            send(new WorkerMsg.TaskStarted(ct.key()));
            send(new WorkerMsg.TaskFinished(
                    ct.key(),
                    ct.runId(),
                    inline == null ? 8 : inline.length,
                    "java.lang.Integer",
                    1_000,
                    2_000,
                    0,
                    inline,
                    "finished-" + ct.key()));
        }

        /** Everything the scheduler sent before this returns has been received (RequestWhoHas is answered in order). */
        void barrier() throws InterruptedException {
            String stim = "barrier-" + barriers.incrementAndGet();
            send(new WorkerMsg.RequestWhoHas(List.of(), stim));
            await(SchedulerMsg.RefreshWhoHas.class, r -> stim.equals(r.stimulusId()));
        }

        /** Keys freed on this worker so far (all FreeKeys received, taken). */
        synchronized List<String> takeFreed() {
            var out = new ArrayList<String>();
            for (SchedulerMsg.FreeKeys f : pending(SchedulerMsg.FreeKeys.class)) {
                out.addAll(f.keys());
            }
            for (int i = pending(SchedulerMsg.FreeKeys.class).size(); i > 0; i--) {
                await(SchedulerMsg.FreeKeys.class);
            }
            return out;
        }
    }
}
