package io.jdask.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.jdask.protocol.ClientMsg;
import io.jdask.protocol.Message;
import io.jdask.protocol.SchedulerMsg;
import io.jdask.protocol.WorkerMsg;
import io.jdask.scheduler.FakePeer.Client;
import io.jdask.scheduler.FakePeer.Worker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The scheduler over real loopback sockets, with fake clients and workers that speak the messages. */
class SchedulerServerTest {
    private SchedulerServer server;
    private final List<FakePeer> peers = new ArrayList<>();

    @BeforeEach
    void start() {
        server = SchedulerServer.start(config().build());
    }

    static SchedulerServerConfig.Builder config() {
        return SchedulerServerConfig.builder()
                .listenAddress("tcp://127.0.0.1:0")
                .validateState(true)
                .ioThreads(1);
    }

    @AfterEach
    void stop() {
        peers.forEach(FakePeer::close);
        server.close();
    }

    private Client client() throws Exception {
        var c = new Client(server.address());
        peers.add(c);
        return c;
    }

    private Worker worker(int nthreads) throws Exception {
        var w = new Worker(server.address(), nthreads);
        peers.add(w);
        return w;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void finishedAndErredTasksReachTheTaskStreamAndTheSnapshot() throws Exception {
        Worker w = worker(2);
        Client c = client();
        c.submit("inc-1", bytes("code"));
        c.submit("bad-2", bytes("code"));
        w.finish(w.awaitCompute("inc-1"), bytes("2"));
        SchedulerMsg.ComputeTask bad = w.awaitCompute("bad-2");
        w.send(new WorkerMsg.TaskErred(
                "bad-2",
                bad.runId(),
                null,
                "java.lang.ArithmeticException",
                "/ by zero",
                "",
                3_000_000L,
                7_000_000L,
                1,
                "erred-2"));
        c.await(SchedulerMsg.KeyInMemory.class);
        c.await(SchedulerMsg.KeyErred.class);

        c.send(new ClientMsg.TaskStreamRequest(77, 0));
        SchedulerMsg.TaskStreamReply reply = c.await(SchedulerMsg.TaskStreamReply.class, r -> r.requestId() == 77);
        assertThat(reply.entries())
                .containsExactly(
                        new SchedulerMsg.TaskStreamEntry(
                                "inc-1", w.address, 0, 1, 2, false), // FakePeer reports 1000..2000 ns
                        new SchedulerMsg.TaskStreamEntry("bad-2", w.address, 1, 3_000, 7_000, true));
        c.send(new ClientMsg.TaskStreamRequest(78, 5_000));
        assertThat(c.await(SchedulerMsg.TaskStreamReply.class, r -> r.requestId() == 78)
                        .entries())
                .extracting(SchedulerMsg.TaskStreamEntry::key)
                .containsExactly("bad-2");

        ClusterSnapshot s = server.snapshot().get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(s.workers())
                .extracting(ClusterSnapshot.WorkerSnapshot::address)
                .containsExactly(w.address);
        assertThat(s.workers().get(0).nthreads()).isEqualTo(2);
        assertThat(s.workers().get(0).heldKeys()).isEqualTo(1);
        assertThat(s.clients()).isEqualTo(1);
        assertThat(s.taskCounts())
                .containsEntry("memory", 1L)
                .containsEntry("erred", 1L)
                .containsEntry("processing", 0L)
                .doesNotContainKey("forgotten");
        assertThat(s.progress())
                .containsExactly(
                        new ClusterSnapshot.PrefixProgress("bad", 1, 0, 0, 0, 1),
                        new ClusterSnapshot.PrefixProgress("inc", 1, 0, 0, 1, 0));
        assertThat(s.taskStreamTotal()).isEqualTo(2);
    }

    @Test
    void profilesAreGatheredFromEveryWorker() throws Exception {
        Worker w1 = worker(1);
        Worker w2 = worker(1);
        Client c = client();
        c.send(new ClientMsg.ProfileRequest(5));
        for (Worker w : List.of(w1, w2)) {
            SchedulerMsg.WorkerProfileRequest req = w.await(SchedulerMsg.WorkerProfileRequest.class);
            w.send(new WorkerMsg.WorkerProfileReply(
                    req.requestId(),
                    new WorkerMsg.ProfileData(List.of("all", w.address), new int[] {-1, 0}, new long[] {4, 4})));
        }
        SchedulerMsg.ProfileReply reply = c.await(SchedulerMsg.ProfileReply.class, r -> r.requestId() == 5);
        assertThat(reply.byWorker()).containsOnlyKeys(w1.address, w2.address);
        assertThat(reply.byWorker().get(w2.address).frames()).containsExactly("all", w2.address);

        var fromServer = server.profiles(); // a worker that leaves instead of answering is not waited for
        w1.await(SchedulerMsg.WorkerProfileRequest.class);
        SchedulerMsg.WorkerProfileRequest req2 = w2.await(SchedulerMsg.WorkerProfileRequest.class);
        w2.send(new WorkerMsg.WorkerProfileReply(
                req2.requestId(), new WorkerMsg.ProfileData(List.of(), new int[0], new long[0])));
        w1.close();
        assertThat(fromServer.get(10, java.util.concurrent.TimeUnit.SECONDS)).containsOnlyKeys(w2.address);
    }

    @Test
    void aDashboardLinkSetLaterReachesClientsThatConnectAfterwards() throws Exception {
        assertThat(welcome(client()).dashboardLink()).isEmpty();
        server.dashboardLink("http://127.0.0.1:1/status");
        assertThat(welcome(client()).dashboardLink()).isEqualTo("http://127.0.0.1:1/status");
        assertThat(server.dashboardLink()).isEqualTo("http://127.0.0.1:1/status");
    }

    private static SchedulerMsg.ClientWelcome welcome(Client c) {
        return c.history().stream()
                .filter(m -> m instanceof SchedulerMsg.ClientWelcome)
                .map(SchedulerMsg.ClientWelcome.class::cast)
                .findFirst()
                .orElseThrow();
    }

    @Test
    void oneTaskGoesToAWorkerAndItsResultToTheClient() throws Exception {
        Worker w = worker(2);
        Client c = client();
        byte[] code = bytes("code of inc-1");

        c.submit("inc-1", code);
        SchedulerMsg.ComputeTask ct = w.awaitCompute("inc-1");
        assertThat(ct.runSpec()).isEqualTo(code);
        assertThat(ct.clientId()).isEqualTo(c.id);
        assertThat(ct.whoHas()).isEmpty();

        w.finish(ct, bytes("2"));
        SchedulerMsg.KeyInMemory mem = c.await(SchedulerMsg.KeyInMemory.class);
        assertThat(mem.key()).isEqualTo("inc-1");
        assertThat(mem.inlineValue()).isEqualTo(bytes("2"));
        assertThat(mem.holders()).containsExactly(w.address);
        assertThat(mem.typeName()).isEqualTo("java.lang.Integer");
        List<Message> seen = c.history();
        int running = indexOf(seen, SchedulerMsg.KeyRunning.class, "inc-1");
        assertThat(running)
                .as("KeyRunning arrives, before KeyInMemory")
                .isGreaterThanOrEqualTo(0)
                .isLessThan(seen.indexOf(mem));
    }

    @Test
    void aReportHeldWhileOtherTasksAreActiveStillArrivesWhileTheyRun() throws Exception {
        Worker w = worker(2);
        Client c = client();
        c.submit("slow-1", bytes("code of slow-1"));
        c.submit("quick-1", bytes("code of quick-1"));
        SchedulerMsg.ComputeTask slow = w.awaitCompute("slow-1");
        SchedulerMsg.ComputeTask quick = w.awaitCompute("quick-1");
        w.finish(quick, bytes("1"));
        // slow-1 stays processing, so the report of quick-1 is held past its turn: a timer must let it go, or it
        // would wait for the next message from somewhere (here: forever).
        SchedulerMsg.KeyInMemory mem =
                c.await(SchedulerMsg.KeyInMemory.class, m -> m.key().equals("quick-1"));
        assertThat(mem.inlineValue()).isEqualTo(bytes("1"));
        assertThat(c.history())
                .noneMatch(
                        m -> m instanceof SchedulerMsg.KeyInMemory k && k.key().equals("slow-1"));
        w.finish(slow, bytes("2"));
        assertThat(c.await(SchedulerMsg.KeyInMemory.class, m -> m.key().equals("slow-1"))
                        .inlineValue())
                .isEqualTo(bytes("2"));
    }

    private static int indexOf(List<Message> messages, Class<?> type, String key) {
        for (int i = 0; i < messages.size(); i++) {
            if (messages.get(i) instanceof SchedulerMsg.KeyRunning r
                    && type.isInstance(r)
                    && r.key().equals(key)) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void aDependentRunsWithTheHolderOfItsDependencyInWhoHas() throws Exception {
        Worker w1 = worker(1);
        Worker w2 = worker(1);
        Client c = client();
        c.send(Client.graph(
                List.of(
                        Client.restricted("a-1", bytes("a"), w1.address),
                        Client.restricted("b-1", bytes("b"), w2.address, "a-1")),
                List.of("b-1")));

        w1.finish(w1.awaitCompute("a-1"), null);
        SchedulerMsg.ComputeTask b = w2.awaitCompute("b-1");
        assertThat(b.whoHas()).isEqualTo(Map.of("a-1", List.of(w1.address)));
        assertThat(b.nbytes()).containsKey("a-1");
        assertThat(b.runSpec()).isEqualTo(bytes("b"));

        w2.finish(b, bytes("42"));
        SchedulerMsg.KeyInMemory mem = c.await(SchedulerMsg.KeyInMemory.class);
        assertThat(mem.key()).isEqualTo("b-1");
        assertThat(mem.holders()).containsExactly(w2.address);
        // a-1 was only needed by b-1: once b-1 is in memory, w1 is told to drop it.
        assertThat(w1.await(SchedulerMsg.FreeKeys.class).keys()).containsExactly("a-1");
    }

    @Test
    void anErrorReachesTheClientWithEveryFieldAlsoForADependentBlamedOnIt() throws Exception {
        Worker w = worker(1);
        Client c1 = client();
        Client c2 = client();
        c1.submit("fail-1", bytes("boom"));
        c2.send(Client.graph(
                List.of(Client.spec("fail-1", bytes("boom")), Client.spec("after-1", bytes("after"), "fail-1")),
                List.of("after-1")));

        SchedulerMsg.ComputeTask ct = w.awaitCompute("fail-1");
        byte[] exception = bytes("serialized exception");
        w.send(new WorkerMsg.TaskErred(
                "fail-1",
                ct.runId(),
                exception,
                "java.lang.ArithmeticException",
                "/ by zero",
                "at Foo.bar(Foo.java:1)",
                3_000L,
                5_000L,
                1,
                "erred-1"));

        SchedulerMsg.KeyErred own = c1.await(SchedulerMsg.KeyErred.class);
        assertThat(own.key()).isEqualTo("fail-1");
        assertThat(own.blamedKey()).isEqualTo("fail-1");
        assertThat(own.exception()).isEqualTo(exception);
        assertThat(own.exceptionType()).isEqualTo("java.lang.ArithmeticException");
        assertThat(own.message()).isEqualTo("/ by zero");
        assertThat(own.traceback()).isEqualTo("at Foo.bar(Foo.java:1)");

        SchedulerMsg.KeyErred dependent = c2.await(SchedulerMsg.KeyErred.class);
        assertThat(dependent.key()).isEqualTo("after-1");
        assertThat(dependent.blamedKey()).isEqualTo("fail-1");
        assertThat(dependent.exception()).isEqualTo(exception);
        assertThat(dependent.exceptionType()).isEqualTo("java.lang.ArithmeticException");
        assertThat(dependent.message()).isEqualTo("/ by zero");
        assertThat(dependent.traceback()).isEqualTo("at Foo.bar(Foo.java:1)");
        assertThat(w.pending(SchedulerMsg.ComputeTask.class))
                .as("the dependent never runs")
                .isEmpty();
    }

    @Test
    void releasingAKeyFreesItOnItsHolder() throws Exception {
        Worker w = worker(1);
        Client c = client();
        c.submit("x-1", bytes("x"));
        w.finish(w.awaitCompute("x-1"), null);
        c.await(SchedulerMsg.KeyInMemory.class);

        c.send(new ClientMsg.ReleaseKeys(List.of("x-1")));
        assertThat(w.await(SchedulerMsg.FreeKeys.class).keys()).containsExactly("x-1");
        assertThat(c.clusterInfo().hasWhat()).isEqualTo(Map.of(w.address, List.of()));
    }

    @Test
    void manyReleasesReachAWorkerAsOneFreeKeys() throws Exception {
        Worker w = worker(4);
        Client c = client();
        var specs = new ArrayList<Client.Spec>();
        var keys = new ArrayList<String>();
        for (int i = 0; i < 20; i++) {
            specs.add(Client.spec("t-" + i, bytes("t")));
            keys.add("t-" + i);
        }
        c.send(Client.graph(specs, keys));
        for (int done = 0; done < 20; done++) {
            w.finish(w.await(SchedulerMsg.ComputeTask.class), null);
        }
        for (int i = 0; i < 20; i++) {
            c.await(SchedulerMsg.KeyInMemory.class);
        }
        c.send(new ClientMsg.ReleaseKeys(keys));
        assertThat(w.await(SchedulerMsg.FreeKeys.class).keys()).containsExactlyInAnyOrderElementsOf(keys);
    }

    @Test
    void aTaskOnAWorkerThatLeavesIsReassigned() throws Exception {
        Worker w1 = worker(1);
        Client c = client();
        c.submit("slow-1", bytes("slow"));
        SchedulerMsg.ComputeTask first = w1.awaitCompute("slow-1");
        Worker w2 = worker(1);

        w1.close();
        SchedulerMsg.ComputeTask again = w2.awaitCompute("slow-1");
        assertThat(again.runSpec()).isEqualTo(bytes("slow"));
        assertThat(again.runId()).isNotEqualTo(first.runId());
        w2.finish(again, bytes("done"));
        SchedulerMsg.KeyInMemory mem = c.await(SchedulerMsg.KeyInMemory.class);
        assertThat(mem.holders()).containsExactly(w2.address);
        assertThat(server.workers()).containsOnlyKeys(w2.address);
    }

    @Test
    void whenTheSubmitterOfASharedKeyLeftClassesAreFetchedFromAnotherClientThatWantsIt() throws Exception {
        Client c1 = client();
        Client c2 = client();
        c1.submit("shared-1", bytes("same code"));
        c2.submit("shared-1", bytes("same code"));
        c1.close();
        await().atMost(FakePeer.WAIT).until(() -> server.clientCount() == 1);
        Worker w = worker(1);
        SchedulerMsg.ComputeTask ct = w.awaitCompute("shared-1");
        assertThat(ct.clientId()).isEqualTo(c2.id);
    }

    @Test
    void aLateAnswerFromAnEarlierRunIsIgnored() throws Exception {
        Worker w = worker(1);
        Client c = client();
        c.submit("r-1", bytes("r"));
        SchedulerMsg.ComputeTask ct = w.awaitCompute("r-1");
        w.send(new WorkerMsg.TaskFinished("r-1", ct.runId() + 1000, 1, "x", 0, 1, 0, bytes("wrong"), "stale"));
        c.clusterInfo();
        w.finish(ct, bytes("right"));
        SchedulerMsg.KeyInMemory mem = c.await(SchedulerMsg.KeyInMemory.class);
        assertThat(mem.inlineValue()).isEqualTo(bytes("right"));
    }

    @Test
    void aClientThatLeavesHasItsKeysFreedOnWorkers() throws Exception {
        Worker w = worker(1);
        Client c = client();
        c.submit("y-1", bytes("y"));
        w.finish(w.awaitCompute("y-1"), null);
        c.await(SchedulerMsg.KeyInMemory.class);
        assertThat(server.clientCount()).isEqualTo(1);

        c.close();
        assertThat(w.await(SchedulerMsg.FreeKeys.class).keys()).containsExactly("y-1");
        Client other = client();
        assertThat(other.clusterInfo().hasWhat().get(w.address)).isEmpty();
        assertThat(server.clientCount()).isEqualTo(1);
    }

    @Test
    void classRequestsAreRelayedBothWaysWithTheirOwnRequestIds() throws Exception {
        Client c = client();
        Worker w1 = worker(1);
        Worker w2 = worker(1);
        // Both workers use request id 7: the answers must still go to the right one.
        w1.send(new WorkerMsg.FetchClass(7, c.id, "com.example.A"));
        w2.send(new WorkerMsg.FetchClass(7, c.id, "com.example.B"));
        SchedulerMsg.FetchClassForWorker fa = c.await(
                SchedulerMsg.FetchClassForWorker.class, f -> f.className().equals("com.example.A"));
        SchedulerMsg.FetchClassForWorker fb = c.await(
                SchedulerMsg.FetchClassForWorker.class, f -> f.className().equals("com.example.B"));
        assertThat(fa.worker()).isEqualTo(w1.address);
        assertThat(fb.worker()).isEqualTo(w2.address);
        assertThat(fa.requestId()).isNotEqualTo(fb.requestId());

        Map<String, byte[]> statics = Map.of("counter", bytes("3"));
        c.send(new ClientMsg.ClassBytesForWorker(
                fb.requestId(), fb.worker(), "com.example.B", bytes("B-class"), Map.of()));
        c.send(new ClientMsg.ClassBytesForWorker(
                fa.requestId(), fa.worker(), "com.example.A", bytes("A-class"), statics));

        SchedulerMsg.ClassBytes a = w1.await(SchedulerMsg.ClassBytes.class);
        assertThat(a.requestId()).isEqualTo(7);
        assertThat(a.clientId()).isEqualTo(c.id);
        assertThat(a.className()).isEqualTo("com.example.A");
        assertThat(a.bytes()).isEqualTo(bytes("A-class"));
        assertThat(a.staticState()).containsOnlyKeys("counter");
        assertThat(a.staticState().get("counter")).isEqualTo(bytes("3"));
        SchedulerMsg.ClassBytes b = w2.await(SchedulerMsg.ClassBytes.class);
        assertThat(b.requestId()).isEqualTo(7);
        assertThat(b.bytes()).isEqualTo(bytes("B-class"));
    }

    @Test
    void aClassRequestForAClientThatIsGoneGetsNullBytes() throws Exception {
        Client c = client();
        Worker w = worker(1);
        w.send(new WorkerMsg.FetchClass(1, "client-that-never-was", "com.example.C"));
        SchedulerMsg.ClassBytes none = w.await(SchedulerMsg.ClassBytes.class, b -> b.requestId() == 1);
        assertThat(none.bytes()).isNull();
        assertThat(none.className()).isEqualTo("com.example.C");

        // A request pending while its client leaves is answered too.
        w.send(new WorkerMsg.FetchClass(2, c.id, "com.example.D"));
        c.await(SchedulerMsg.FetchClassForWorker.class);
        c.close();
        SchedulerMsg.ClassBytes orphan = w.await(SchedulerMsg.ClassBytes.class, b -> b.requestId() == 2);
        assertThat(orphan.bytes()).isNull();
        assertThat(orphan.clientId()).isEqualTo(c.id);
    }

    @Test
    void staticStateReachesEveryWorkerBeforeTasksSubmittedAfterIt() throws Exception {
        Worker w1 = worker(1);
        Worker w2 = worker(1);
        Client c = client();
        c.send(new ClientMsg.StaticStateForWorkers(Map.of("Cell1", Map.of("x", bytes("41")))));
        c.send(Client.graph(List.of(Client.restricted("reads-x-1", bytes("code"), w2.address)), List.of("reads-x-1")));
        for (Worker w : List.of(w1, w2)) {
            SchedulerMsg.StaticState st = w.await(SchedulerMsg.StaticState.class);
            assertThat(st.clientId()).isEqualTo(c.id);
            assertThat(st.fields().get("Cell1").get("x")).isEqualTo(bytes("41"));
        }
        SchedulerMsg.ComputeTask ct = w2.awaitCompute("reads-x-1");
        List<Message> seen = w2.history();
        assertThat(seen.indexOf(ct))
                .isGreaterThan(seen.indexOf(seen.stream()
                        .filter(m -> m instanceof SchedulerMsg.StaticState)
                        .findFirst()
                        .orElseThrow()));
    }

    @Test
    void pushedClassesReachWorkersBeforeTheTasksSentAfterThemAndLateWorkersWithCurrentState() throws Exception {
        Worker now = worker(1);
        Client c = client();
        var cell = new ClientMsg.ClassFile("REPL.$JShell$7", bytes("class file"), Map.of("x", bytes("1")));
        c.send(new ClientMsg.PushClasses(List.of(cell)));
        c.send(Client.graph(
                List.of(Client.restricted("uses-cell-1", bytes("code"), now.address)), List.of("uses-cell-1")));
        SchedulerMsg.ComputeTask ct = now.awaitCompute("uses-cell-1");
        SchedulerMsg.PushedClasses pushed = now.await(SchedulerMsg.PushedClasses.class);
        assertThat(pushed.clientId()).isEqualTo(c.id);
        assertThat(pushed.classes()).singleElement().satisfies(f -> {
            assertThat(f.name()).isEqualTo("REPL.$JShell$7");
            assertThat(f.bytes()).isEqualTo(bytes("class file"));
        });
        List<Message> seen = now.history();
        assertThat(seen.indexOf(ct)).isGreaterThan(seen.indexOf(pushed));

        // The notebook assigns the variable; a worker joining afterwards defines the class with the new value.
        c.send(new ClientMsg.StaticStateForWorkers(Map.of("REPL.$JShell$7", Map.of("x", bytes("2")))));
        c.clusterInfo();
        Worker later = worker(1);
        SchedulerMsg.PushedClasses late = later.await(SchedulerMsg.PushedClasses.class);
        assertThat(late.clientId()).isEqualTo(c.id);
        assertThat(late.classes()).singleElement().satisfies(f -> {
            assertThat(f.bytes()).isEqualTo(bytes("class file"));
            assertThat(f.staticState().get("x")).isEqualTo(bytes("2"));
        });

        // Once the client has left, its classes are not kept for later workers: a worker joining then gets only the
        // classes of a client that pushes after it joined.
        c.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> server.clientCount() == 0);
        Worker afterLeaving = worker(1);
        Client other = client();
        other.send(new ClientMsg.PushClasses(List.of(new ClientMsg.ClassFile("Other", bytes("o"), Map.of()))));
        assertThat(afterLeaving.await(SchedulerMsg.PushedClasses.class).clientId())
                .isEqualTo(other.id);
    }

    @Test
    void aPushWithoutBytesClosesOnlyThatClient() throws Exception {
        Worker w = worker(1);
        Client good = client();
        Client malformed = client();
        malformed.send(new ClientMsg.PushClasses(List.of(new ClientMsg.ClassFile("C", null, Map.of()))));
        assertThat(malformed.awaitClosed()).isTrue();
        good.send(new ClientMsg.PushClasses(List.of(new ClientMsg.ClassFile("D", bytes("d"), Map.of()))));
        assertThat(w.await(SchedulerMsg.PushedClasses.class).classes())
                .singleElement()
                .satisfies(f -> assertThat(f.name()).isEqualTo("D"));
    }

    @Test
    void anUploadedJarReachesWorkersNowAndLater() throws Exception {
        Worker before = worker(1);
        Client c = client();
        c.send(new ClientMsg.UploadJar("lib.jar", bytes("PK...")));
        SchedulerMsg.AddJar now = before.await(SchedulerMsg.AddJar.class);
        assertThat(now.name()).isEqualTo("lib.jar");
        assertThat(now.bytes()).isEqualTo(bytes("PK..."));

        c.clusterInfo();
        Worker later = worker(1);
        SchedulerMsg.AddJar late = later.await(SchedulerMsg.AddJar.class);
        assertThat(late.name()).isEqualTo("lib.jar");
        assertThat(late.bytes()).isEqualTo(bytes("PK..."));
    }

    @Test
    void clusterInfoListsThreadsAndHeldKeys() throws Exception {
        Worker w1 = worker(2);
        Worker w2 = worker(3);
        Client c = client();
        c.send(Client.graph(List.of(Client.restricted("k-1", bytes("k"), w2.address)), List.of("k-1")));
        w2.finish(w2.awaitCompute("k-1"), null);
        c.await(SchedulerMsg.KeyInMemory.class);

        SchedulerMsg.ClusterInfo info = c.clusterInfo();
        assertThat(info.nthreads()).isEqualTo(Map.of(w1.address, 2, w2.address, 3));
        assertThat(info.hasWhat()).isEqualTo(Map.of(w1.address, List.of(), w2.address, List.of("k-1")));
        assertThat(server.workers()).isEqualTo(Map.of(w1.address, 2, w2.address, 3));
    }

    @Test
    void anUnexpectedMessageClosesOnlyThatConnection() throws Exception {
        Client good = client();
        Worker w = worker(1);

        Client rude = client();
        rude.send(new WorkerMsg.TaskStarted("not-a-client-message"));
        assertThat(rude.awaitClosed()).isTrue();

        FakePeer stranger = new FakePeer(server.address(), "worker");
        peers.add(stranger);
        stranger.send(new ClientMsg.ReleaseKeys(List.of("x")));
        assertThat(stranger.awaitClosed()).as("a worker must register first").isTrue();

        Client malformed = client();
        // Its task's run spec ends beyond the message's run-spec bytes.
        malformed.send(new ClientMsg.UpdateGraph(
                List.of("no-code-1"),
                new int[] {0},
                new int[0],
                List.of(),
                new byte[2],
                new int[] {7},
                List.of(ClientMsg.TaskOptions.NONE),
                new int[0],
                new int[] {0}));
        assertThat(malformed.awaitClosed()).isTrue();

        // The others are still served.
        good.submit("fine-1", bytes("fine"));
        w.finish(w.awaitCompute("fine-1"), null);
        assertThat(good.await(SchedulerMsg.KeyInMemory.class).key()).isEqualTo("fine-1");
        assertThat(good.comm.isOpen()).isTrue();
        assertThat(w.comm.isOpen()).isTrue();
        assertThat(good.clusterInfo().nthreads()).containsOnlyKeys(w.address);
    }

    @Test
    void garbageBytesOnTheSocketCloseOnlyThatSocket() throws Exception {
        Client good = client();
        String hostPort = server.address().substring("tcp://".length());
        int colon = hostPort.lastIndexOf(':');
        try (var socket =
                new java.net.Socket(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)))) {
            socket.getOutputStream().write(new byte[] {0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8});
            socket.getOutputStream().flush();
            socket.setSoTimeout((int) FakePeer.WAIT.toMillis());
            int read;
            do {
                read = socket.getInputStream().read(); // the scheduler's handshake, then end of stream
            } while (read != -1);
        }
        assertThat(good.clusterInfo().requestId()).isPositive();
    }

    @Test
    void fireAndForgetKeepsATaskUntilItFinishes() throws Exception {
        Worker w = worker(1);
        Client c = client();
        c.submit("faf-1", bytes("f"));
        SchedulerMsg.ComputeTask ct = w.awaitCompute("faf-1");
        c.send(new ClientMsg.FireAndForget(List.of("faf-1")));
        c.send(new ClientMsg.ReleaseKeys(List.of("faf-1")));
        c.clusterInfo();
        w.barrier();
        assertThat(w.pending(SchedulerMsg.CancelCompute.class))
                .as("still wanted by fire-and-forget")
                .isEmpty();

        w.finish(ct, null);
        assertThat(w.await(SchedulerMsg.FreeKeys.class).keys())
                .as("released once finished")
                .containsExactly("faf-1");
        c.clusterInfo();
        assertThat(c.pending(SchedulerMsg.KeyInMemory.class))
                .as("the client had released it")
                .isEmpty();
    }

    @Test
    void desiringAKeyAgainReportsItsResult() throws Exception {
        Worker w = worker(1);
        Client c1 = client();
        Client c2 = client();
        c1.submit("d-1", bytes("d"));
        w.finish(w.awaitCompute("d-1"), null);
        c1.await(SchedulerMsg.KeyInMemory.class);

        c2.send(new ClientMsg.DesireKeys(List.of("d-1")));
        SchedulerMsg.KeyInMemory mem = c2.await(SchedulerMsg.KeyInMemory.class);
        assertThat(mem.holders()).containsExactly(w.address);
        c1.send(new ClientMsg.ReleaseKeys(List.of("d-1")));
        c1.clusterInfo();
        w.barrier();
        assertThat(w.pending(SchedulerMsg.FreeKeys.class))
                .as("c2 still wants it")
                .isEmpty();
    }

    @Test
    void cancellingTellsTheClientAndTheWorker() throws Exception {
        Worker w = worker(1);
        Client c = client();
        c.submit("cx-1", bytes("c"));
        w.awaitCompute("cx-1");
        c.send(new ClientMsg.CancelKeys(List.of("cx-1")));
        assertThat(c.await(SchedulerMsg.KeyCancelled.class).key()).isEqualTo("cx-1");
        assertThat(w.await(SchedulerMsg.CancelCompute.class).key()).isEqualTo("cx-1");
    }

    @Test
    void scatteredDataIsKnownWhereTheClientPutIt() throws Exception {
        Worker w = worker(1);
        Client c = client();
        c.send(new ClientMsg.ScatterDone(Map.of("data-1", List.of(w.address)), Map.of("data-1", 100L)));
        SchedulerMsg.KeyInMemory mem = c.await(SchedulerMsg.KeyInMemory.class);
        assertThat(mem.key()).isEqualTo("data-1");
        assertThat(mem.nbytes()).isEqualTo(100);
        assertThat(mem.holders()).containsExactly(w.address);
        c.submit("use-1", bytes("u"), "data-1");
        assertThat(w.awaitCompute("use-1").whoHas()).isEqualTo(Map.of("data-1", List.of(w.address)));
    }

    @Test
    void restartCancelsEverythingClosesWorkersAndAcksWhenTheyLeft() throws Exception {
        Worker w1 = worker(1);
        Worker w2 = worker(1);
        Client c = client();
        c.submit("z-1", bytes("z"));
        c.send(new ClientMsg.RestartWorkers(99));
        assertThat(c.await(SchedulerMsg.KeyCancelled.class).key()).isEqualTo("z-1");
        w1.await(SchedulerMsg.CloseWorker.class);
        w2.await(SchedulerMsg.CloseWorker.class);
        assertThat(c.pending(SchedulerMsg.Ack.class))
                .as("not before the workers left")
                .isEmpty();
        w1.close();
        c.clusterInfo();
        assertThat(c.pending(SchedulerMsg.Ack.class)).as("w2 is still there").isEmpty();
        w2.close();
        SchedulerMsg.Ack ack = c.await(SchedulerMsg.Ack.class);
        assertThat(ack.requestId()).isEqualTo(99);
        assertThat(ack.error()).isNull();
        assertThat(server.workers()).isEmpty();
    }

    @Test
    void restartAcksWithAnErrorWhenWorkersDoNotLeave() throws Exception {
        server.close();
        server = SchedulerServer.start(
                config().restartTimeout(Duration.ofMillis(200)).build());
        Worker stubborn = worker(1);
        Client c = client();
        c.send(new ClientMsg.RestartWorkers(5));
        stubborn.await(SchedulerMsg.CloseWorker.class);
        SchedulerMsg.Ack ack = c.await(SchedulerMsg.Ack.class);
        assertThat(ack.requestId()).isEqualTo(5);
        assertThat(ack.error()).contains(stubborn.address).contains("did not leave");
    }

    @Test
    void restartDeadlinesRunOnTheConfiguredClock() throws Exception {
        server.close();
        var clock = new ManualClock();
        server = SchedulerServer.start(
                config().clock(clock).restartTimeout(Duration.ofSeconds(30)).build());
        Worker stubborn = worker(1);
        Client c = client();
        c.send(new ClientMsg.RestartWorkers(6));
        stubborn.await(SchedulerMsg.CloseWorker.class);
        assertThat(c.pending(SchedulerMsg.Ack.class))
                .as("no time has passed on the scheduler's clock")
                .isEmpty();

        clock.advance(Duration.ofSeconds(31)); // the loop's idle tick then finds the restart overdue
        SchedulerMsg.Ack ack = c.await(SchedulerMsg.Ack.class);

        assertThat(ack.requestId()).isEqualTo(6);
        assertThat(ack.error()).contains(stubborn.address).contains("did not leave within PT30S");
    }

    @Test
    void awaitWorkersReturnsOnceTheyRegistered() throws Exception {
        assertThat(server.awaitWorkers(1, Duration.ofMillis(1))).isFalse();
        worker(1);
        worker(2);
        assertThat(server.awaitWorkers(2, FakePeer.WAIT)).isTrue();
        assertThat(server.workers().values()).containsExactly(1, 2);
    }

    @Test
    void aSecondWorkerWithTheSameAddressIsRejected() throws Exception {
        Worker w = worker(1);
        FakePeer dup = new FakePeer(server.address(), "worker");
        peers.add(dup);
        dup.send(new WorkerMsg.RegisterWorker(w.address, "dup", 1, 1, Map.of(), 1));
        assertThat(dup.awaitClosed()).isTrue();
        assertThat(server.workers()).containsOnlyKeys(w.address);
        assertThat(w.comm.isOpen()).isTrue();
    }

    @Test
    void longRunningFreesTheSlotForTheNextTask() throws Exception {
        Worker w = worker(1);
        Client c = client();
        c.send(Client.graph(
                List.of(
                        Client.spec("lr-1", bytes("a")),
                        Client.spec("lr-2", bytes("b")),
                        Client.spec("lr-3", bytes("c"))),
                List.of("lr-1", "lr-2", "lr-3")));
        // One thread, saturation 1.1: two root tasks go to the worker, the third is queued on the scheduler.
        SchedulerMsg.ComputeTask first = w.await(SchedulerMsg.ComputeTask.class);
        w.await(SchedulerMsg.ComputeTask.class);
        c.clusterInfo();
        w.barrier();
        assertThat(w.pending(SchedulerMsg.ComputeTask.class)).isEmpty();

        w.send(new WorkerMsg.LongRunning(first.key(), first.runId(), "seceded"));
        assertThat(w.await(SchedulerMsg.ComputeTask.class).key()).isEqualTo("lr-3");
    }

    @Test
    void inProcessAddressesWork() throws Exception {
        try (SchedulerServer inproc = SchedulerServer.start(SchedulerServerConfig.builder()
                        .listenAddress("inproc://")
                        .validateState(true)
                        .build());
                Worker w = new Worker(inproc.address(), 1);
                Client c = new Client(inproc.address())) {
            assertThat(inproc.address()).startsWith("inproc://");
            c.submit("ip-1", bytes("ip"));
            w.finish(w.awaitCompute("ip-1"), bytes("1"));
            assertThat(c.await(SchedulerMsg.KeyInMemory.class).inlineValue()).isEqualTo(bytes("1"));
        }
    }

    @Test
    void closeClosesEveryConnectionAndIsIdempotent() throws Exception {
        Client c = client();
        Worker w = worker(1);
        server.close();
        server.close();
        assertThat(c.awaitClosed()).isTrue();
        assertThat(w.awaitClosed()).isTrue();
        assertThat(server.isClosed()).isTrue();
    }
}
