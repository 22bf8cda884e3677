package io.jdask.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.jdask.Fn;
import io.jdask.Fn0;
import io.jdask.Fn1;
import io.jdask.Fn2;
import io.jdask.graph.TaskRef;
import io.jdask.protocol.DataMsg;
import io.jdask.protocol.Message;
import io.jdask.protocol.SchedulerMsg;
import io.jdask.protocol.Serializer;
import io.jdask.protocol.WorkerMsg;
import io.jdask.worker.state.WorkerTaskState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Workers on loopback against a fake scheduler: execution, errors, transfers, the data plane. */
class WorkerServerTest {
    static final Serializer S = Serializer.shared();
    static final ClassLoader LOADER = WorkerServerTest.class.getClassLoader();
    static final String CLIENT = "client-1";

    FakeScheduler scheduler;
    WorkerServer a;
    WorkerServer b;

    @BeforeEach
    void startCluster() {
        scheduler = new FakeScheduler();
        a = WorkerServer.start(
                config("alice").resource("GPU", 1).memoryLimit(123_456_789).build());
        b = WorkerServer.start(config("bob").build());
    }

    @AfterEach
    void stopCluster() {
        if (a != null) a.close();
        if (b != null) b.close();
        scheduler.close();
    }

    WorkerConfig.Builder config(String name) {
        return WorkerConfig.builder(scheduler.address())
                .listen("tcp://127.0.0.1:0")
                .nthreads(2)
                .name(name)
                .connectTimeout(Duration.ofSeconds(10));
    }

    // ---- task functions (static, so they ship as method references) ----------------------------

    static Integer inc(Integer x) {
        return x + 1;
    }

    static Integer add(Integer x, Integer y) {
        return x + y;
    }

    static Integer sumAll(List<Integer> xs) {
        return xs.stream().mapToInt(Integer::intValue).sum();
    }

    static Integer nap(Integer millis) throws InterruptedException {
        Thread.sleep(millis);
        return millis;
    }

    static final java.util.concurrent.atomic.AtomicInteger NAPS_STARTED =
            new java.util.concurrent.atomic.AtomicInteger();

    /** As {@link #nap}, counting the naps that have started. */
    static Integer countedNap(Integer millis) throws InterruptedException {
        NAPS_STARTED.incrementAndGet();
        return nap(millis);
    }

    static final java.util.concurrent.atomic.AtomicInteger INTERRUPTS = new java.util.concurrent.atomic.AtomicInteger();
    static final java.util.concurrent.CountDownLatch CLEANUP_DONE = new java.util.concurrent.CountDownLatch(1);
    static final java.util.concurrent.CountDownLatch STUCK_STARTED = new java.util.concurrent.CountDownLatch(1);

    /** Sleeps until interrupted, then spends a while "cleaning up", counting every interrupt it receives. */
    static Integer sleepCountingInterrupts(Integer cleanupMillis) {
        STUCK_STARTED.countDown();
        try {
            Thread.sleep(60_000);
        } catch (InterruptedException first) {
            INTERRUPTS.incrementAndGet();
        }
        long end = System.nanoTime() + cleanupMillis * 1_000_000L;
        while (System.nanoTime() < end) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException again) {
                INTERRUPTS.incrementAndGet();
            }
        }
        CLEANUP_DONE.countDown();
        return INTERRUPTS.get();
    }

    static final java.util.concurrent.atomic.AtomicInteger COUNTED_RUNS =
            new java.util.concurrent.atomic.AtomicInteger();

    static Integer countRun(Integer x) {
        COUNTED_RUNS.incrementAndGet();
        return x;
    }

    static Integer failingTask(Integer x) {
        throw new IllegalArgumentException("bad input " + x, new IllegalStateException("root cause here"));
    }

    static Integer recurseForever(Integer depth) {
        return recurseForever(depth + 1) + 1;
    }

    static byte[] twentyMegabytes() {
        byte[] big = new byte[20_000_000];
        for (int i = 0; i < big.length; i += 4096) big[i] = (byte) (i / 4096);
        big[big.length - 1] = 42;
        return big;
    }

    static Integer checksum(byte[] data) {
        int sum = 0;
        for (int i = 0; i < data.length; i += 4096) sum += data[i];
        return sum * 1000 + data[data.length - 1] + data.length % 1000;
    }

    static byte[] runSpec(Fn fn, Object... args) {
        return S.serialize(new Object[] {fn, args});
    }

    static SchedulerMsg.ComputeTask compute(
            String key, byte[] spec, Map<String, List<String>> whoHas, Map<String, Long> nbytes) {
        return new SchedulerMsg.ComputeTask(
                key, 1L, spec, CLIENT, new long[] {0}, whoHas, nbytes, Map.of(), "compute-" + key);
    }

    WorkerMsg.TaskFinished finished(WorkerServer w, String key) {
        return scheduler.await(
                w.address(), WorkerMsg.TaskFinished.class, m -> m.key().equals(key));
    }

    WorkerMsg.TaskErred erred(WorkerServer w, String key) {
        return scheduler.await(
                w.address(), WorkerMsg.TaskErred.class, m -> m.key().equals(key));
    }

    static Object open(byte[] bytes) {
        return S.deserialize(bytes, LOADER);
    }

    static Object open(io.jdask.protocol.Serialized value) {
        return S.deserialize(value, LOADER);
    }

    // ---- tests ---------------------------------------------------------------------------------

    @Test
    void taskTimesAndThreadSlotsTravelWithTheOutcomeAndProfilesAreAnswered() {
        long before = System.currentTimeMillis() * 1_000_000L;
        scheduler.send(
                a.address(),
                compute("inc-t1", runSpec((Fn1<Integer, Integer>) WorkerServerTest::inc, 1), Map.of(), Map.of()));
        scheduler.send(
                a.address(),
                compute(
                        "failingTask-t2",
                        runSpec((Fn1<Integer, Integer>) WorkerServerTest::failingTask, 1),
                        Map.of(),
                        Map.of()));
        WorkerMsg.TaskFinished ok = finished(a, "inc-t1");
        WorkerMsg.TaskErred bad = erred(a, "failingTask-t2");
        long after = System.currentTimeMillis() * 1_000_000L + 1_000_000L;
        assertThat(ok.thread()).isBetween(0, 1); // two threads: slots 0 and 1
        assertThat(ok.startNanos()).isBetween(before - 1_000_000_000L, ok.stopNanos());
        assertThat(ok.stopNanos()).isLessThan(after);
        assertThat(bad.thread()).isBetween(0, 1);
        assertThat(bad.startNanos()).isPositive().isLessThanOrEqualTo(bad.stopNanos());
        assertThat(bad.stopNanos()).isLessThan(after);

        scheduler.send(a.address(), new SchedulerMsg.WorkerProfileRequest(9));
        WorkerMsg.WorkerProfileReply reply =
                scheduler.await(a.address(), WorkerMsg.WorkerProfileReply.class, r -> r.requestId() == 9);
        assertThat(reply.profile().frames()).isNotEmpty().first().isEqualTo("all");
        assertThat(reply.profile().parents()).hasSameSizeAs(reply.profile().counts());
    }

    @Test
    void theIdleWarmupRunsItsRoundsAndSendsNothingToTheScheduler() {
        int rounds =
                a.warmUpWhileIdle(300, true).orTimeout(60, TimeUnit.SECONDS).join();
        assertThat(rounds).isEqualTo(300);
        // A real task after the warm-up: its TaskFinished must be the only report besides the registration.
        scheduler.send(
                a.address(),
                compute("inc-w1", runSpec((Fn1<Integer, Integer>) WorkerServerTest::inc, 41), Map.of(), Map.of()));
        assertThat(finished(a, "inc-w1").key()).isEqualTo("inc-w1");
        assertThat(scheduler.messagesFrom(a.address()))
                .as("the warm-up's synthetic tasks are never reported")
                .noneMatch(m -> m.toString().contains("warmup-"));
        assertThat(a.storedKeys()).containsExactly("inc-w1");
    }

    @Test
    void theIdleWarmupGivesWayToTheFirstRealTask() {
        var warmup = a.warmUpWhileIdle(Integer.MAX_VALUE, false);
        scheduler.send(
                a.address(),
                compute("inc-w2", runSpec((Fn1<Integer, Integer>) WorkerServerTest::inc, 1), Map.of(), Map.of()));
        finished(a, "inc-w2");
        int rounds = warmup.orTimeout(30, TimeUnit.SECONDS).join();
        assertThat(rounds).isLessThan(Integer.MAX_VALUE);
    }

    @Test
    void theIdleWarmupGivesWayToAConnectionToTheDataServer() {
        // Actor calls and gathers reach a worker through its data server, not its task threads.
        var warmup = b.warmUpWhileIdle(Integer.MAX_VALUE, false);
        try (DataClient client = new DataClient(b.address())) {
            assertThat(client.get("nothing").missing()).containsExactly("nothing");
        }
        int rounds = warmup.orTimeout(30, TimeUnit.SECONDS).join();
        assertThat(rounds).isLessThan(Integer.MAX_VALUE);
    }

    @Test
    void registersWithItsAddressNameThreadsMemoryAndResources() {
        WorkerMsg.RegisterWorker r = scheduler.await(a.address(), WorkerMsg.RegisterWorker.class, m -> true);
        assertThat(r.address())
                .isEqualTo(a.address())
                .startsWith("tcp://127.0.0.1:")
                .doesNotEndWith(":0");
        assertThat(r.name()).isEqualTo("alice").isEqualTo(a.name());
        assertThat(r.nthreads()).isEqualTo(2);
        assertThat(r.memoryLimit()).isEqualTo(123_456_789L);
        assertThat(r.resources()).containsExactly(Map.entry("GPU", 1.0));
        assertThat(r.pid()).isEqualTo(ProcessHandle.current().pid());
        assertThat(scheduler.messagesFrom(a.address())).first().isInstanceOf(WorkerMsg.RegisterWorker.class);
        assertThat(b.address()).isNotEqualTo(a.address());
    }

    @Test
    void reportsTheStartOfATaskThatRunsLongerThanTheReportDelayBeforeItsFinish() {
        scheduler.send(
                a.address(),
                compute("nap-1", runSpec((Fn1<Integer, Integer>) WorkerServerTest::nap, 400), Map.of(), Map.of()));
        WorkerMsg.TaskStarted s = scheduler.await(
                a.address(), WorkerMsg.TaskStarted.class, m -> m.key().equals("nap-1"));
        assertThat(s.key()).isEqualTo("nap-1");
        assertThat(stateOf(a, "nap-1")).as("reported while it still runs").isEqualTo(WorkerTaskState.EXECUTING);
        finished(a, "nap-1");
        List<Message> sent = scheduler.messagesFrom(a.address());
        int started = indexOf(
                sent, m -> m instanceof WorkerMsg.TaskStarted t && t.key().equals("nap-1"));
        int done = indexOf(
                sent, m -> m instanceof WorkerMsg.TaskFinished t && t.key().equals("nap-1"));
        assertThat(started).isLessThan(done);
        assertThat(sent.stream()
                        .filter(m ->
                                m instanceof WorkerMsg.TaskStarted t && t.key().equals("nap-1")))
                .as("one start report")
                .hasSize(1);
    }

    @Test
    void aFinishHeldWhileAnotherTaskRunsStillLeavesWhileThatTaskRuns() {
        scheduler.send(
                a.address(),
                compute("nap-2", runSpec((Fn1<Integer, Integer>) WorkerServerTest::nap, 20_000), Map.of(), Map.of()));
        scheduler.send(
                a.address(),
                compute("inc-2", runSpec((Fn1<Integer, Integer>) WorkerServerTest::inc, 2), Map.of(), Map.of()));
        // nap-2 runs for 20 s on the other thread, so inc-2's TaskFinished is held past its loop turn; the hold's timer
        // must send it long before nap-2 ends (finished() waits far less than 20 s).
        assertThat(open(finished(a, "inc-2").inlineValue())).isEqualTo(3);
        assertThat(stateOf(a, "nap-2")).isEqualTo(WorkerTaskState.EXECUTING);
    }

    @Test
    void quickTasksAreReportedByTheirFinishAlone() {
        int n = 20;
        for (int i = 0; i < n; i++) {
            scheduler.send(
                    a.address(),
                    compute(
                            "quick-" + i,
                            runSpec((Fn1<Integer, Integer>) WorkerServerTest::inc, i),
                            Map.of(),
                            Map.of()));
        }
        for (int i = 0; i < n; i++) {
            finished(a, "quick-" + i);
        }
        long starts = scheduler.messagesFrom(a.address()).stream()
                .filter(m -> m instanceof WorkerMsg.TaskStarted t && t.key().startsWith("quick-"))
                .count();
        // Each finishes well within START_REPORT_DELAY_MICROS of its start, so (but for a stalled machine) none is
        // reported as started; half is a margin for a busy one.
        assertThat(starts).as("start reports of %d sub-millisecond tasks", n).isLessThanOrEqualTo(n / 2);
    }

    @Test
    void runsATaskAndReportsItsFinishWithTheValueInline() {
        scheduler.send(
                a.address(),
                compute("inc-1", runSpec((Fn1<Integer, Integer>) WorkerServerTest::inc, 41), Map.of(), Map.of()));
        WorkerMsg.TaskFinished f = finished(a, "inc-1");
        assertThat(open(f.inlineValue())).isEqualTo(42);
        assertThat(f.typeName()).isEqualTo("java.lang.Integer");
        assertThat(f.nbytes()).isEqualTo(f.inlineValue().length);
        assertThat(f.stopNanos()).isGreaterThanOrEqualTo(f.startNanos());
        assertThat(f.startNanos() / 1_000_000)
                .as("epoch-based, in ms")
                .isCloseTo(System.currentTimeMillis(), org.assertj.core.data.Offset.offset(600_000L));
        assertThat(f.stimulusId()).isNotBlank();
        assertThat(a.storedKeys()).containsExactly("inc-1");
        assertThat(stateOf(a, "inc-1")).isEqualTo(WorkerTaskState.MEMORY);
    }

    @Test
    void fetchesADependencyFromAnotherWorkerAndComputes() {
        scheduler.send(
                a.address(),
                compute("x", runSpec((Fn1<Integer, Integer>) WorkerServerTest::inc, 9), Map.of(), Map.of()));
        long nx = finished(a, "x").nbytes();
        byte[] spec = runSpec((Fn2<Integer, Integer, Integer>) WorkerServerTest::add, new TaskRef("x"), 100);
        scheduler.send(b.address(), compute("y", spec, Map.of("x", List.of(a.address())), Map.of("x", nx)));
        WorkerMsg.TaskFinished y = finished(b, "y");
        assertThat(open(y.inlineValue())).isEqualTo(110);
        assertThat(b.storedKeys()).contains("x", "y");
        assertThat(a.storedKeys()).containsExactly("x");
    }

    @Test
    void substitutesDependenciesNestedInAList() {
        scheduler.send(
                a.address(),
                compute("p", runSpec((Fn1<Integer, Integer>) WorkerServerTest::inc, 1), Map.of(), Map.of()));
        scheduler.send(
                a.address(),
                compute("q", runSpec((Fn1<Integer, Integer>) WorkerServerTest::inc, 2), Map.of(), Map.of()));
        long np = finished(a, "p").nbytes();
        long nq = finished(a, "q").nbytes();
        List<Object> nested = new ArrayList<>(List.of(new TaskRef("p"), new TaskRef("q"), 10, new TaskRef("p")));
        scheduler.send(
                a.address(),
                compute(
                        "s",
                        runSpec((Fn1<List<Integer>, Integer>) WorkerServerTest::sumAll, nested),
                        Map.of(),
                        Map.of("p", np, "q", nq)));
        assertThat(open(finished(a, "s").inlineValue())).isEqualTo(2 + 3 + 10 + 2);
    }

    @Test
    void aFailingTaskIsReportedAndTheWorkerKeepsRunning() {
        scheduler.send(
                a.address(),
                compute("bad", runSpec((Fn1<Integer, Integer>) WorkerServerTest::failingTask, 7), Map.of(), Map.of()));
        WorkerMsg.TaskErred e = erred(a, "bad");
        assertThat(e.exceptionType()).isEqualTo(IllegalArgumentException.class.getName());
        assertThat(e.message()).isEqualTo("bad input 7");
        assertThat(e.traceback())
                .contains("failingTask")
                .contains("IllegalStateException: root cause here")
                .contains("Caused by");
        Object exception = open(e.exception());
        assertThat(exception).isInstanceOf(IllegalArgumentException.class);
        assertThat((Throwable) exception).hasMessage("bad input 7");
        assertThat(((Throwable) exception).getStackTrace())
                .anyMatch(f -> f.getMethodName().equals("failingTask"));

        scheduler.send(
                a.address(),
                compute("good", runSpec((Fn1<Integer, Integer>) WorkerServerTest::inc, 1), Map.of(), Map.of()));
        assertThat(open(finished(a, "good").inlineValue())).isEqualTo(2);
        assertThat(a.isClosed()).isFalse();
    }

    @Test
    void aStackOverflowIsATaskErrorNotAWorkerCrash() {
        scheduler.send(
                a.address(),
                compute(
                        "deep",
                        runSpec((Fn1<Integer, Integer>) WorkerServerTest::recurseForever, 0),
                        Map.of(),
                        Map.of()));
        WorkerMsg.TaskErred e = erred(a, "deep");
        assertThat(e.exceptionType()).isEqualTo(StackOverflowError.class.getName());
        assertThat(e.traceback()).contains("recurseForever");
        scheduler.send(
                a.address(),
                compute("after", runSpec((Fn1<Integer, Integer>) WorkerServerTest::inc, 5), Map.of(), Map.of()));
        assertThat(open(finished(a, "after").inlineValue())).isEqualTo(6);
    }

    @Test
    void aRunSpecThatDoesNotDeserializeIsATaskError() {
        scheduler.send(a.address(), compute("garbage", new byte[] {1, 2, 3, 99}, Map.of(), Map.of()));
        WorkerMsg.TaskErred e = erred(a, "garbage");
        assertThat(e.exceptionType()).isEqualTo("io.jdask.protocol.SerializationException");
        assertThat(e.message()).contains("unknown format tag 99");
    }

    @Test
    void aCancelledRunIsInterruptedOnceEvenWhenItsKeyIsAlsoFreed() throws Exception {
        Fn1<Integer, Integer> task = WorkerServerTest::sleepCountingInterrupts;
        scheduler.send(a.address(), compute("stuck", runSpec(task, 500), Map.of(), Map.of()));
        // Its function runs (an interrupt from now on reaches it; one before its sleep makes the sleep throw at once).
        assertThat(STUCK_STARTED.await(30, java.util.concurrent.TimeUnit.SECONDS))
                .isTrue();
        // The scheduler's cancel is followed by the release of the key; only the first may interrupt the task, or its
        // clean-up (a queue put in real code) would be cut short too.
        scheduler.send(a.address(), new SchedulerMsg.CancelCompute("stuck", "cancel-1"));
        scheduler.send(a.address(), new SchedulerMsg.FreeKeys(List.of("stuck"), "free-1"));
        await().atMost(Duration.ofSeconds(30)).until(() -> INTERRUPTS.get() == 1); // now in its clean-up
        scheduler.send(a.address(), new SchedulerMsg.CancelCompute("stuck", "cancel-2"));
        assertThat(CLEANUP_DONE.await(30, java.util.concurrent.TimeUnit.SECONDS))
                .isTrue();
        assertThat(INTERRUPTS.get()).isEqualTo(1);
    }

    @Test
    void aShortTaskWaitingInLineForAThreadIsSkippedWhenCancelled() {
        Fn1<Integer, Integer> inc = WorkerServerTest::inc;
        Fn1<Integer, Integer> nap = WorkerServerTest::countedNap;
        Fn1<Integer, Integer> counted = WorkerServerTest::countRun;
        scheduler.send(a.address(), compute("s-0", runSpec(inc, 0), Map.of(), Map.of()));
        finished(a, "s-0"); // tasks named s-* are now known to be short
        // Both of alice's threads nap; s-3 (of the short prefix) is handed over ahead and waits in line. It is sent
        // once
        // both naps have started: sent with them, it could reach a free thread first (all three have one priority).
        int napping = NAPS_STARTED.get();
        scheduler.send(a.address(), compute("s-1", runSpec(nap, 1500), Map.of(), Map.of()));
        scheduler.send(a.address(), compute("s-2", runSpec(nap, 1500), Map.of(), Map.of()));
        pollUntil(NAPS_STARTED::get, n -> n == napping + 2);
        scheduler.send(a.address(), compute("s-3", runSpec(counted, 3), Map.of(), Map.of()));
        pollUntil(() -> stateOf(a, "s-3"), st -> st == WorkerTaskState.EXECUTING);
        scheduler.send(a.address(), new SchedulerMsg.CancelCompute("s-3", "cancel-s3"));
        scheduler.send(a.address(), new SchedulerMsg.FreeKeys(List.of("s-3"), "free-s3"));
        finished(a, "s-1");
        finished(a, "s-2");
        pollUntil(() -> stateOf(a, "s-3"), st -> st == null);
        assertThat(COUNTED_RUNS.get()).as("runs of the cancelled task").isZero();
        // The line goes on: a later task of the same name runs.
        scheduler.send(a.address(), compute("s-4", runSpec(counted, 4), Map.of(), Map.of()));
        assertThat(open(finished(a, "s-4").inlineValue())).isEqualTo(4);
        assertThat(COUNTED_RUNS.get()).isEqualTo(1);
    }

    @Test
    void freedKeysAreDroppedAndThenReportedMissing() {
        scheduler.send(
                a.address(),
                compute("tmp", runSpec((Fn1<Integer, Integer>) WorkerServerTest::inc, 1), Map.of(), Map.of()));
        finished(a, "tmp");
        try (DataClient client = new DataClient(a.address())) {
            DataMsg.DataReply before = client.get("tmp");
            assertThat(open(before.values().get("tmp"))).isEqualTo(2);
            assertThat(before.missing()).isEmpty();

            scheduler.send(a.address(), new SchedulerMsg.FreeKeys(List.of("tmp"), "free-1"));
            DataMsg.DataReply after =
                    pollUntil(() -> client.get("tmp"), r -> r.missing().contains("tmp"));
            assertThat(after.values()).isEmpty();
        }
        assertThat(a.storedKeys()).isEmpty();
        assertThat(stateOf(a, "tmp")).as("forgotten").isNull();
    }

    @Test
    void putDataThenGetDataRoundTripsAndTasksCanUseTheValue() {
        io.jdask.protocol.Serialized hello = S.serializeValue("hello");
        io.jdask.protocol.Serialized numbers = S.serializeValue(new ArrayList<>(List.of(1, 2, 3)));
        try (DataClient client = new DataClient(a.address())) {
            DataMsg.PutDataAck ack = client.put(Map.of("greeting", hello, "numbers", numbers));
            assertThat(ack.error()).isNull();
            assertThat(ack.nbytes())
                    .containsEntry("greeting", hello.nbytes())
                    .containsEntry("numbers", numbers.nbytes());

            DataMsg.DataReply reply = client.get("greeting", "numbers", "nope");
            assertThat(open(reply.values().get("greeting"))).isEqualTo("hello");
            assertThat(open(reply.values().get("numbers"))).isEqualTo(List.of(1, 2, 3));
            assertThat(reply.missing()).containsExactly("nope");
        }
        assertThat(stateOf(a, "numbers")).isEqualTo(WorkerTaskState.MEMORY);
        // A task on this worker uses the scattered value (deserialized lazily, on the executor).
        scheduler.send(
                a.address(),
                compute(
                        "total",
                        runSpec((Fn1<List<Integer>, Integer>) WorkerServerTest::sumAll, new TaskRef("numbers")),
                        Map.of(),
                        Map.of("numbers", numbers.nbytes())));
        assertThat(open(finished(a, "total").inlineValue())).isEqualTo(6);
    }

    @Test
    void aBigValueIsNotInlinedButPeersAndClientsCanFetchIt() {
        scheduler.send(
                a.address(),
                compute("big", runSpec((Fn0<byte[]>) WorkerServerTest::twentyMegabytes), Map.of(), Map.of()));
        WorkerMsg.TaskFinished f = finished(a, "big");
        assertThat(f.inlineValue()).isNull();
        assertThat(f.nbytes()).isGreaterThanOrEqualTo(20_000_000L);
        assertThat(f.typeName()).isEqualTo("[B");

        byte[] spec = runSpec((Fn1<byte[], Integer>) WorkerServerTest::checksum, new TaskRef("big"));
        scheduler.send(
                b.address(), compute("sum", spec, Map.of("big", List.of(a.address())), Map.of("big", f.nbytes())));
        assertThat(open(finished(b, "sum").inlineValue())).isEqualTo(checksum(twentyMegabytes()));

        try (DataClient client = new DataClient(a.address())) {
            byte[] fetched = (byte[]) open(client.get("big").values().get("big"));
            assertThat(Arrays.equals(fetched, twentyMegabytes())).isTrue();
        }
    }

    @Test
    void aPeerThatIsGoneCountsAsANetworkFailureAndTheScheduleIsAskedAgain() throws Exception {
        scheduler.send(
                a.address(),
                compute("src", runSpec((Fn1<Integer, Integer>) WorkerServerTest::inc, 1), Map.of(), Map.of()));
        long n = finished(a, "src").nbytes();
        String gone = a.address();
        a.close();
        a = null;
        byte[] spec = runSpec((Fn1<Integer, Integer>) WorkerServerTest::inc, new TaskRef("src"));
        scheduler.send(b.address(), compute("dst", spec, Map.of("src", List.of(gone)), Map.of("src", n)));
        // b cannot reach the only holder: it asks the scheduler who else has it.
        WorkerMsg.RequestWhoHas ask = scheduler.await(
                b.address(), WorkerMsg.RequestWhoHas.class, m -> m.keys().contains("src"));
        assertThat(ask.keys()).containsExactly("src");
        assertThat(stateOf(b, "src")).isEqualTo(WorkerTaskState.MISSING);
        assertThat(b.isClosed()).isFalse();
    }

    @Test
    void theWorkerClosesWhenTheSchedulerGoesAway() {
        scheduler.close();
        a.closeFuture().orTimeout(30, java.util.concurrent.TimeUnit.SECONDS).join();
        b.closeFuture().orTimeout(30, java.util.concurrent.TimeUnit.SECONDS).join();
        assertThat(a.isClosed()).isTrue();
        assertThat(b.isClosed()).isTrue();
    }

    @Test
    void closeWorkerFromTheSchedulerStopsIt() {
        scheduler.send(a.address(), new SchedulerMsg.CloseWorker("scale down"));
        a.closeFuture().orTimeout(30, java.util.concurrent.TimeUnit.SECONDS).join();
        assertThat(a.isClosed()).isTrue();
        assertThat(b.isClosed()).isFalse();
        a.close(); // idempotent
    }

    @Test
    void aWorkerSendsHeartbeatsWithItsFigures() {
        WorkerMsg.Heartbeat beat = scheduler.await(a.address(), WorkerMsg.Heartbeat.class, h -> true);
        assertThat(beat.executing()).isZero();
        assertThat(beat.ready()).isZero();
        assertThat(beat.managedBytes()).isZero();
    }

    @Test
    void aWorkerTheSchedulerRemovedClosesAndSaysItShouldComeBackAsNew() {
        scheduler.send(a.address(), new SchedulerMsg.WorkerRemoved("no word from it for 31.0 s"));
        a.closeFuture().orTimeout(30, java.util.concurrent.TimeUnit.SECONDS).join();
        assertThat(a.removedByScheduler()).isTrue();
        assertThat(b.removedByScheduler()).isFalse();

        scheduler.send(b.address(), new SchedulerMsg.CloseWorker("scale down"));
        b.closeFuture().orTimeout(30, java.util.concurrent.TimeUnit.SECONDS).join();
        assertThat(b.removedByScheduler())
                .as("asked to close: not to come back")
                .isFalse();
    }

    // ---- helpers -------------------------------------------------------------------------------

    /** The state of {@code key} on {@code w}'s state machine, or null if it does not know the key. */
    static WorkerTaskState stateOf(WorkerServer w, String key) {
        return w.inspect(s -> s.task(key) == null ? null : s.task(key).state());
    }

    static int indexOf(List<Message> messages, java.util.function.Predicate<Message> p) {
        for (int i = 0; i < messages.size(); i++) {
            if (p.test(messages.get(i))) return i;
        }
        return -1;
    }

    /** Repeats {@code action} until its answer satisfies {@code done}, for at most 30 s. */
    static <T> T pollUntil(java.util.concurrent.Callable<T> action, java.util.function.Predicate<T> done) {
        // Not until(action, done): Awaitility never hands a null answer to the predicate, and null is an answer here.
        var last = new java.util.concurrent.atomic.AtomicReference<T>();
        await().atMost(Duration.ofSeconds(30))
                .pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(1))
                .until(() -> {
                    last.set(action.call());
                    return done.test(last.get());
                });
        return last.get();
    }
}
