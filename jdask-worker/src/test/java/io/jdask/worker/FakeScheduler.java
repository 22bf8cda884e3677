package io.jdask.worker;

import io.jdask.protocol.CloseReason;
import io.jdask.protocol.Comm;
import io.jdask.protocol.CommHandler;
import io.jdask.protocol.CommOptions;
import io.jdask.protocol.CommServer;
import io.jdask.protocol.Message;
import io.jdask.protocol.SchedulerMsg;
import io.jdask.protocol.Transport;
import io.jdask.protocol.WorkerMsg;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Predicate;
import org.awaitility.Awaitility;

/**
 * A stand-in for the scheduler in tests: a real TCP server that accepts workers, welcomes them,
 * records everything they send, answers their class requests with a pluggable function, and lets
 * the test send any {@link SchedulerMsg} to a worker by address.
 *
 * <p>Waiting is Awaitility's, polling the log every millisecond for at most {@link #WAIT}.
 */
final class FakeScheduler implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(30);

    record Received(String worker, Message message) {}

    private final Transport transport;
    private final CommServer server;
    /** Everything workers sent, in arrival order. Guarded by this. */
    private final List<Received> log = new ArrayList<>();
    /** Registered workers by advertised address. */
    private final Map<String, Comm> workers = new ConcurrentHashMap<>();
    /** Answers FetchClass; null bytes mean "the client has no such class", a null answer means silence. */
    private volatile Function<WorkerMsg.FetchClass, SchedulerMsg.ClassBytes> classes =
            f -> new SchedulerMsg.ClassBytes(f.requestId(), f.clientId(), f.className(), null, Map.of());

    FakeScheduler() {
        transport = Transport.tcp(CommOptions.builder()
                .role("scheduler")
                .name("fake")
                .ioThreads(1)
                .build());
        server = transport.listen("tcp://127.0.0.1:0", comm -> comm.setHandler(new Handler()));
    }

    String address() {
        return server.address();
    }

    void answerClasses(Function<WorkerMsg.FetchClass, SchedulerMsg.ClassBytes> answer) {
        this.classes = answer;
    }

    void send(String worker, SchedulerMsg message) {
        Comm c = workers.get(worker);
        if (c == null) {
            throw new IllegalStateException("no worker registered at " + worker + "; known: " + workers.keySet());
        }
        c.send(message);
    }

    /** Waits for a message of {@code type} from {@code worker} (any worker if null) matching {@code p}. */
    <T extends Message> T await(String worker, Class<T> type, Predicate<T> p) {
        AtomicReference<T> found = new AtomicReference<>();
        Awaitility.await()
                .atMost(WAIT)
                .pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(1))
                .untilAsserted(() -> {
                    T m = find(worker, type, p);
                    if (m == null) {
                        throw new AssertionError("no " + type.getSimpleName() + " from "
                                + (worker == null ? "any worker" : worker) + "; received: " + received());
                    }
                    found.set(m);
                });
        return found.get();
    }

    private synchronized <T extends Message> T find(String worker, Class<T> type, Predicate<T> p) {
        for (Received r : log) {
            if ((worker == null || worker.equals(r.worker()))
                    && type.isInstance(r.message())
                    && p.test(type.cast(r.message()))) {
                return type.cast(r.message());
            }
        }
        return null;
    }

    private synchronized List<Received> received() {
        return List.copyOf(log);
    }

    /** All messages received so far from {@code worker}, in order. */
    synchronized List<Message> messagesFrom(String worker) {
        List<Message> out = new ArrayList<>();
        for (Received r : log) {
            if (worker.equals(r.worker())) {
                out.add(r.message());
            }
        }
        return out;
    }

    private synchronized void record(String worker, Message m) {
        log.add(new Received(worker, m));
    }

    private final class Handler implements CommHandler {
        private volatile String worker = "?";

        @Override
        public void onMessage(Comm comm, Message message) {
            if (message instanceof WorkerMsg.RegisterWorker r) {
                worker = r.address();
                workers.put(r.address(), comm);
                record(worker, message);
                comm.send(new SchedulerMsg.WorkerWelcome("fake-scheduler"));
                return;
            }
            record(worker, message);
            if (message instanceof WorkerMsg.FetchClass f) {
                SchedulerMsg.ClassBytes answer = classes.apply(f);
                if (answer != null) { // null: leave the worker waiting
                    comm.send(answer);
                }
            }
        }

        @Override
        public void onClose(Comm comm, CloseReason reason) {
            workers.remove(worker, comm);
        }
    }

    @Override
    public void close() {
        server.close();
        transport.close();
    }
}
