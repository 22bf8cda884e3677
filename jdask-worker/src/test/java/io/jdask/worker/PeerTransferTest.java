package io.jdask.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdask.Fn1;
import io.jdask.graph.TaskRef;
import io.jdask.protocol.Comm;
import io.jdask.protocol.CommHandler;
import io.jdask.protocol.CommOptions;
import io.jdask.protocol.CommServer;
import io.jdask.protocol.DataMsg;
import io.jdask.protocol.Message;
import io.jdask.protocol.SchedulerMsg;
import io.jdask.protocol.Serializer;
import io.jdask.protocol.Transport;
import io.jdask.protocol.WorkerMsg;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Transfers against a scripted peer (missing keys) and between transports of different schemes. */
class PeerTransferTest {
    static final Serializer S = Serializer.shared();

    FakeScheduler scheduler;
    WorkerServer worker;
    FakePeer peer;

    @BeforeEach
    void start() {
        scheduler = new FakeScheduler();
        worker = WorkerServer.start(WorkerConfig.builder(scheduler.address())
                .nthreads(1)
                .name("fetcher")
                .connectTimeout(Duration.ofSeconds(10))
                .build());
    }

    @AfterEach
    void stop() {
        worker.close();
        scheduler.close();
        if (peer != null) peer.close();
    }

    static Integer triple(Integer x) {
        return 3 * x;
    }

    static SchedulerMsg.ComputeTask needs(String key, String dep, String holder) {
        byte[] spec = S.serialize(
                new Object[] {(Fn1<Integer, Integer>) PeerTransferTest::triple, new Object[] {new TaskRef(dep)}});
        return new SchedulerMsg.ComputeTask(
                key,
                1L,
                spec,
                "c",
                new long[] {0},
                Map.of(dep, List.of(holder)),
                Map.of(dep, 10L),
                Map.of(),
                "compute-" + key);
    }

    @Test
    void aPeerWithoutTheKeyIsReportedAndTheSchedulerIsAskedWhoElseHasIt() {
        peer = new FakePeer(n -> new DataMsg.DataReply(0, Map.of(), List.of("x")));
        scheduler.send(worker.address(), needs("y", "x", peer.address()));
        WorkerMsg.MissingData missing = scheduler.await(
                worker.address(), WorkerMsg.MissingData.class, m -> m.key().equals("x"));
        assertThat(missing.erringWorker()).isEqualTo(peer.address());
        scheduler.await(
                worker.address(), WorkerMsg.RequestWhoHas.class, m -> m.keys().contains("x"));

        // The scheduler names another holder: an in-process worker (a transport of another scheme).
        WorkerServer inproc = WorkerServer.start(WorkerConfig.builder(scheduler.address())
                .listen("inproc://")
                .nthreads(1)
                .name("inproc-holder")
                .connectTimeout(Duration.ofSeconds(10))
                .build());
        try {
            assertThat(inproc.address()).startsWith("inproc://");
            putInproc(inproc.address(), "x", S.serializeValue(5));
            scheduler.send(
                    worker.address(), new SchedulerMsg.RefreshWhoHas(Map.of("x", List.of(inproc.address())), "r1"));
            WorkerMsg.TaskFinished y = scheduler.await(
                    worker.address(), WorkerMsg.TaskFinished.class, m -> m.key().equals("y"));
            assertThat(S.deserialize(y.inlineValue(), getClass().getClassLoader()))
                    .isEqualTo(15);
        } finally {
            inproc.close();
        }
    }

    /** PutData over an in-process connection. */
    static void putInproc(String address, String key, io.jdask.protocol.Serialized value) {
        try (Transport t = Transport.inproc(CommOptions.builder().role("client").build())) {
            Comm c = t.connect(address, Duration.ofSeconds(5)).join();
            java.util.concurrent.CompletableFuture<DataMsg.PutDataAck> ack =
                    new java.util.concurrent.CompletableFuture<>();
            c.setHandler((comm, m) -> {
                if (m instanceof DataMsg.PutDataAck a) ack.complete(a);
            });
            c.send(new DataMsg.PutData(1, Map.of(key, value)));
            assertThat(ack.orTimeout(30, java.util.concurrent.TimeUnit.SECONDS)
                            .join()
                            .nbytes())
                    .containsEntry(key, value.nbytes());
        }
    }

    /** A peer whose n-th GetData (from 1) is answered by {@code script} (the request id is filled in). */
    static final class FakePeer implements AutoCloseable {
        final Transport transport =
                Transport.tcp(CommOptions.builder().role("worker").ioThreads(1).build());
        final List<DataMsg.GetData> requests = new CopyOnWriteArrayList<>();
        final CommServer server;

        FakePeer(Function<Integer, DataMsg.DataReply> script) {
            server = transport.listen(
                    "tcp://127.0.0.1:0",
                    comm -> comm.setHandler(new CommHandler() {
                        @Override
                        public void onMessage(Comm c, Message m) {
                            if (m instanceof DataMsg.GetData g) {
                                requests.add(g);
                                DataMsg.DataReply r = script.apply(requests.size());
                                c.send(new DataMsg.DataReply(g.requestId(), r.values(), r.missing()));
                            }
                        }
                    }));
        }

        String address() {
            return server.address();
        }

        @Override
        public void close() {
            transport.close();
        }
    }
}
