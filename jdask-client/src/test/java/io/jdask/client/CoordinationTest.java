package io.jdask.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.jdask.Actor;
import io.jdask.ActorFuture;
import io.jdask.Client;
import io.jdask.CoordinationTimeoutException;
import io.jdask.DQueue;
import io.jdask.Dask;
import io.jdask.Future;
import io.jdask.FutureStatus;
import io.jdask.Subscriber;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Seed 001's "Advanced Coordination", "Actors" and "Dynamic Task Submission" examples, and concurrency properties of
 * the primitives, on worker processes: 2 workers x 2 threads.
 */
class CoordinationTest {
    @RegisterExtension
    static final ClusterExtension cluster = ClusterExtension.processes(2).threadsPerWorker(2);

    // ------------------------------------------------------------------ task functions (run on workers)

    public static int produce(String queue, int n) {
        DQueue<Integer> q = Dask.client().queue(queue);
        for (int i = 0; i < n; i++) q.put(i);
        return n;
    }

    public static List<Integer> consume(String queue, int n) {
        DQueue<Integer> q = Dask.client().queue(queue);
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(q.get(Duration.ofSeconds(30)));
        return out;
    }

    public static int incrementUnderLock(String lock, String variable) {
        Client c = Dask.client();
        var l = c.lock(lock);
        var v = c.<Integer>variable(variable);
        l.acquire();
        try {
            int x = v.get();
            Thread.yield(); // widen the read-modify-write window: without the lock, updates get lost
            v.set(x + 1);
            return x + 1;
        } finally {
            l.release();
        }
    }

    public static String waiter(String event) {
        Dask.client().event(event).await();
        return "Event occurred";
    }

    public static boolean setter(String event, int millis) throws InterruptedException {
        Thread.sleep(millis);
        Dask.client().event(event).set();
        return true;
    }

    public static int reader(String variable) {
        return Dask.client().<Integer>variable(variable).get(Duration.ofSeconds(30));
    }

    /** Holds a lease of a 2-lease semaphore a moment; returns how many holders it saw inside (itself included). */
    public static int insideSemaphore(String sem, String counter) throws InterruptedException {
        Client c = Dask.client();
        var s = c.semaphore(sem, 2);
        var lock = c.lock(counter + "-lock");
        var v = c.<Integer>variable(counter);
        s.acquire();
        try {
            lock.acquire();
            int inside;
            try {
                inside = v.get() + 1;
                v.set(inside);
            } finally {
                lock.release();
            }
            Thread.sleep(30);
            lock.acquire();
            try {
                v.set(v.get() - 1);
            } finally {
                lock.release();
            }
            return inside;
        } finally {
            s.release();
        }
    }

    public static int producer(String queue, int id, int n) {
        DQueue<Integer> q = Dask.client().queue(queue);
        for (int i = 0; i < n; i++) q.put(id * 1000 + i);
        return n;
    }

    public static List<Integer> consumer(String queue, int n) {
        Dask.secede(); // blocked consumers must not hold the threads the producers need
        DQueue<Integer> q = Dask.client().queue(queue);
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(q.get(Duration.ofSeconds(60)));
        Dask.rejoin();
        return out;
    }

    public static int resultOfQueuedFuture(String queue) {
        Future<Integer> f = Dask.client().<Future<Integer>>queue(queue).get(Duration.ofSeconds(30));
        return f.result() * 10;
    }

    public static int publishN(String topic, int n) {
        var p = Dask.client().<Integer>publisher(topic);
        for (int i = 0; i < n; i++) p.put(i);
        return n;
    }

    public static String blockOnEventReportingInterrupt(String event, String queue) {
        Client c = Dask.client();
        try {
            // The cancel may already come while this put waits for the scheduler's acknowledgement: the test gets
            // "waiting" as soon as the item is in the queue, and the acknowledgement travels on another connection
            // than the cancel. The put is interruptible like the wait, so both are inside the try.
            c.queue(queue).put("waiting");
            c.event(event).await();
            return "set";
        } catch (CancellationException e) {
            // The wait kept the thread's interrupt flag set; clear it to make one more blocking call (the put waits
            // for the scheduler's acknowledgement, and with the flag set that wait could end at once, racing the put).
            Thread.interrupted();
            c.queue(queue).put("interrupted");
            throw e;
        }
    }

    public static int fib(int n) {
        if (n < 2) return n;
        Client c = Dask.client();
        Future<Integer> a = c.submit(CoordinationTest::fib, n - 1);
        Future<Integer> b = c.submit(CoordinationTest::fib, n - 2);
        Dask.secede();
        int r = a.result() + b.result();
        Dask.rejoin();
        return r;
    }

    public static int incrementActor(Actor<Counter> counter) {
        return counter.call(Counter::increment).result();
    }

    /** The seed's actor. */
    public static final class Counter implements Serializable {
        private int count;
        private final List<Integer> seen = new ArrayList<>();

        public int increment() {
            return ++count;
        }

        public int getCount() {
            return count;
        }

        public int append(int x) {
            seen.add(x);
            return seen.size();
        }

        public List<Integer> seen() {
            return List.copyOf(seen);
        }

        public int fail(String why) {
            throw new IllegalStateException(why);
        }

        /** Adds a + b + c (+ d + e), and says in what order it got them. */
        public String add3(int a, int b, int c) {
            count += a + b + c;
            return a + "," + b + "," + c;
        }

        public String add4(int a, int b, int c, int d) {
            count += a + b + c + d;
            return a + "," + b + "," + c + "," + d;
        }

        public String add5(int a, int b, int c, int d, String label) {
            count += a + b + c + d;
            return label + ":" + a + "," + b + "," + c + "," + d;
        }
    }

    // ------------------------------------------------------------------ seed 001: advanced coordination

    @Test
    void seedQueueProducerConsumer() {
        cluster.client().submit(CoordinationTest::produce, "seed-q", 10);
        Future<List<Integer>> results = cluster.client().submit(CoordinationTest::consume, "seed-q", 10);
        assertThat(results.result()).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    }

    @Test
    void seedEventWaiterAndSetter() {
        Future<String> wait = cluster.client().submit(CoordinationTest::waiter, "seed-event");
        Future<Boolean> set = cluster.client().submit(CoordinationTest::setter, "seed-event", 200);
        assertThat(wait.result()).isEqualTo("Event occurred");
        assertThat(set.result()).isTrue();
        assertThat(cluster.client().event("seed-event").isSet()).isTrue();
    }

    @Test
    void seedVariableSetByClientReadByTask() {
        cluster.client().<Integer>variable("my-var").set(42);
        assertThat(cluster.client().submit(CoordinationTest::reader, "my-var").result())
                .isEqualTo(42);
    }

    @Test
    void seedLockTwentyTasksIncrementingAVariableLoseNoUpdate() {
        cluster.client().<Integer>variable("counter").set(0);
        List<Future<Integer>> fs = new ArrayList<>();
        for (int i = 0; i < 20; i++)
            fs.add(cluster.client().submit(CoordinationTest::incrementUnderLock, "counter-lock", "counter"));
        // Each task saw a distinct value: no two read-modify-writes overlapped.
        assertThat(new HashSet<>(cluster.client().gather(fs))).hasSize(20);
        assertThat(cluster.client().<Integer>variable("counter").get()).isEqualTo(20);
        assertThat(cluster.client().lock("counter-lock").isLocked()).isFalse();
    }

    // ------------------------------------------------------------------ properties

    @Test
    void semaphoreOfTwoNeverAdmitsAThird() {
        cluster.client().<Integer>variable("inside").set(0);
        List<Future<Integer>> fs = new ArrayList<>();
        for (int i = 0; i < 12; i++)
            fs.add(cluster.client().submit(CoordinationTest::insideSemaphore, "sem2", "inside"));
        List<Integer> seen = cluster.client().gather(fs);
        assertThat(seen).allSatisfy(n -> assertThat(n).isBetween(1, 2));
        assertThat(cluster.client().semaphore("sem2", 2).leasesInUse()).isZero();
    }

    @Test
    void queueSharedByFourProducersAndFourConsumersLosesAndDuplicatesNothing() {
        List<Future<List<Integer>>> consumers = new ArrayList<>();
        for (int i = 0; i < 4; i++) consumers.add(cluster.client().submit(CoordinationTest::consumer, "mpmc", 50));
        for (int p = 0; p < 4; p++) cluster.client().submit(CoordinationTest::producer, "mpmc", p, 50);
        List<Integer> all = new ArrayList<>();
        for (var c : consumers) all.addAll(c.result());
        Set<Integer> expected = new HashSet<>();
        for (int p = 0; p < 4; p++) for (int i = 0; i < 50; i++) expected.add(p * 1000 + i);
        assertThat(all).hasSize(200).doesNotHaveDuplicates();
        assertThat(new HashSet<>(all)).isEqualTo(expected);
        assertThat(cluster.client().queue("mpmc").size()).isZero();
    }

    @Test
    void aFuturePutInAQueueStaysAliveAndTheGetterCanUseIt() {
        Future<Integer> f = cluster.client().submit(Ops::add, 3, 4);
        cluster.client().<Future<Integer>>queue("futures").put(f);
        String key = f.key();
        f.release(); // the queue alone keeps the result
        Future<Integer> r = cluster.client().submit(CoordinationTest::resultOfQueuedFuture, "futures");
        assertThat(r.result()).isEqualTo(70);
        // A variable holding a future hands the client a future of the same key.
        Future<Integer> g = cluster.client().submit(Ops::add, 5, 6);
        cluster.client().<Future<Integer>>variable("fut-var").set(g);
        Future<Integer> back =
                cluster.client().<Future<Integer>>variable("fut-var").get();
        assertThat(back.key()).isEqualTo(g.key()).isNotEqualTo(key);
        assertThat(back.result()).isEqualTo(11);
    }

    @Test
    void publishedValuesReachTheSubscriberInOrder() {
        try (Subscriber<Integer> sub = cluster.client().subscriber("numbers")) {
            cluster.client().submit(CoordinationTest::publishN, "numbers", 20).result();
            List<Integer> got = new ArrayList<>();
            for (int i = 0; i < 20; i++) got.add(sub.get(Duration.ofSeconds(10)));
            assertThat(got)
                    .containsExactlyElementsOf(
                            java.util.stream.IntStream.range(0, 20).boxed().toList());
        }
    }

    // ------------------------------------------------------------------ errors

    @Test
    void timeoutsNameThePrimitive() {
        assertThatThrownBy(() -> cluster.client().queue("empty-q").get(Duration.ofMillis(100)))
                .isInstanceOf(CoordinationTimeoutException.class)
                .hasMessageContaining("queue 'empty-q'");
        assertThatThrownBy(() -> cluster.client().variable("never-set").get(Duration.ofMillis(50)))
                .isInstanceOf(CoordinationTimeoutException.class)
                .hasMessageContaining("variable 'never-set'");
        var held = cluster.client().lock("busy");
        held.acquire();
        assertThat(cluster.client().lock("busy").tryAcquire(Duration.ofMillis(100)))
                .isFalse();
        held.release();
        assertThat(cluster.client().lock("busy").tryAcquire(Duration.ofMillis(100)))
                .isTrue();
        assertThat(cluster.client().event("never").await(Duration.ofMillis(50))).isFalse();
        assertThatThrownBy(() -> cluster.client().lock("free").release())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("lock 'free'");
    }

    @Test
    void usingAPrimitiveAfterItsClientClosedFailsClearly() {
        Client other = Client.connect(cluster.cluster());
        DQueue<Integer> q = other.queue("closed-q");
        var lock = other.lock("closed-lock");
        other.close();
        assertThatThrownBy(() -> q.put(1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("queue 'closed-q'")
                .hasMessageContaining("closed");
        assertThatThrownBy(lock::acquire)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("lock 'closed-lock'");
    }

    @Test
    void aTaskBlockedOnAnEventIsCancellable() {
        Future<String> blocked = cluster.client()
                .submit(CoordinationTest::blockOnEventReportingInterrupt, "never-set-event", "cancel-report");
        DQueue<String> report = cluster.client().queue("cancel-report");
        assertThat(report.get(Duration.ofSeconds(30))).isEqualTo("waiting");
        cluster.client().cancel(List.of(blocked));
        assertThat(report.get(Duration.ofSeconds(30))).isEqualTo("interrupted");
        assertThat(blocked.status()).isEqualTo(FutureStatus.CANCELLED);
    }

    @Test
    void aWaitingClientThreadIsInterruptible() throws Exception {
        var result = new java.util.concurrent.CompletableFuture<Throwable>();
        Thread t = new Thread(() -> {
            try {
                cluster.client().queue("interrupt-q").get();
                result.complete(null);
            } catch (Throwable e) {
                result.complete(e);
            }
        });
        t.start();
        // Wait until the get is parked on the scheduler, then interrupt it.
        awaitParked(t);
        t.interrupt();
        assertThat(result.get(10, java.util.concurrent.TimeUnit.SECONDS))
                .isInstanceOf(CancellationException.class)
                .hasMessageContaining("queue 'interrupt-q'");
        // The abandoned wait does not swallow the next value.
        cluster.client().queue("interrupt-q").put(5);
        assertThat(cluster.client().<Integer>queue("interrupt-q").get(Duration.ofSeconds(10)))
                .isEqualTo(5);
    }

    @Test
    void anItemRacingAnInterruptedGetIsNeitherLostNorDuplicated() throws Exception {
        // Each round: a getter parks, then a put and an interrupt land at about the same time. Whether the getter got
        // the item or was interrupted, every item must end up exactly once: with the getter or still in the queue.
        String name = "race-q";
        java.util.List<Integer> received = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        int rounds = 30;
        for (int i = 0; i < rounds; i++) {
            var done = new java.util.concurrent.CountDownLatch(1);
            Thread t = new Thread(() -> {
                try {
                    received.add(cluster.client().<Integer>queue(name).get());
                } catch (CancellationException interrupted) {
                    // the item, if it was on its way, goes back to the queue
                } finally {
                    done.countDown();
                }
            });
            t.start();
            awaitParked(t);
            cluster.client().queue(name).put(i);
            t.interrupt();
            assertThat(done.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        }
        java.util.List<Integer> all = new java.util.ArrayList<>(received);
        // Take the rest from the queue, one item per poll; a returned item may still be on its way back.
        await().atMost(Duration.ofSeconds(10))
                .pollInSameThread()
                .pollInterval(Duration.ofMillis(1))
                .untilAsserted(() -> {
                    try {
                        all.add(cluster.client().<Integer>queue(name).get(Duration.ofMillis(200)));
                    } catch (io.jdask.CoordinationTimeoutException e) {
                        // nothing there yet
                    }
                    assertThat(all).as("got by the getters: %s", received).hasSizeGreaterThanOrEqualTo(rounds);
                });
        assertThat(all)
                .as("got by the getters: %s", received)
                .containsExactlyInAnyOrderElementsOf(
                        java.util.stream.IntStream.range(0, rounds).boxed().toList());
        assertThat(cluster.client().queue(name).size()).isZero();
    }

    /** Waits until {@code t} is parked (in a client call waiting for the scheduler's answer). */
    private static void awaitParked(Thread t) {
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(1))
                .until(() -> t.getState() == Thread.State.WAITING);
    }

    // ------------------------------------------------------------------ dynamic task submission

    @Test
    void recursiveFibonacciWithSecedeAndRejoinDoesNotDeadlock() {
        assertThat(cluster.client().submit(CoordinationTest::fib, 12).result(Duration.ofSeconds(60)))
                .isEqualTo(144);
    }

    // ------------------------------------------------------------------ actors

    @Test
    void seedActorCounter() {
        Actor<Counter> counter = cluster.client().submitActor(Counter::new).result();
        ActorFuture<Integer> f1 = counter.call(Counter::increment);
        ActorFuture<Integer> f2 = counter.call(Counter::increment);
        assertThat(counter.call(Counter::getCount).result()).isEqualTo(2);
        assertThat(List.of(f1.result(), f2.result())).containsExactly(1, 2);
        assertThat(cluster.cluster().workerAddresses()).contains(counter.worker());
    }

    @Test
    void actorCallsRunOneAtATimeInArrivalOrder() {
        Actor<Counter> counter = cluster.client().submitActor(Counter::new).result();
        List<ActorFuture<Integer>> fs = new ArrayList<>();
        for (int i = 0; i < 500; i++) fs.add(counter.call(Counter::append, i));
        for (int i = 0; i < 500; i++) assertThat(fs.get(i).result()).isEqualTo(i + 1);
        assertThat(counter.call(Counter::seen).result())
                .containsExactlyElementsOf(
                        java.util.stream.IntStream.range(0, 500).boxed().toList());
    }

    @Test
    void anActorHandlePassedIntoTasksReachesTheSameObject() {
        Actor<Counter> counter = cluster.client().submitActor(Counter::new).result();
        List<Future<Integer>> fs = new ArrayList<>();
        for (int i = 0; i < 10; i++) fs.add(cluster.client().submit(CoordinationTest::incrementActor, counter));
        assertThat(new HashSet<>(cluster.client().gather(fs))).hasSize(10);
        assertThat(counter.call(Counter::getCount).result()).isEqualTo(10);
    }

    @Test
    void actorMethodsTakeUpToFiveArgumentsInOrder() {
        Actor<Counter> counter = cluster.client().submitActor(Counter::new).result();
        assertThat(counter.call(Counter::add3, 1, 2, 3).result()).isEqualTo("1,2,3");
        assertThat(counter.call(Counter::add4, 4, 5, 6, 7).result()).isEqualTo("4,5,6,7");
        assertThat(counter.call(Counter::add5, 8, 9, 10, 11, "five").result()).isEqualTo("five:8,9,10,11");
        assertThat(counter.call(Counter::getCount).result()).isEqualTo(1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9 + 10 + 11);
    }

    @Test
    void anExceptionInAnActorMethodReachesTheCaller() {
        Actor<Counter> counter = cluster.client().submitActor(Counter::new).result();
        assertThatThrownBy(() -> counter.call(Counter::fail, "nope").result())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("nope");
        assertThat(counter.call(Counter::increment).result()).isEqualTo(1); // still usable
    }
}
