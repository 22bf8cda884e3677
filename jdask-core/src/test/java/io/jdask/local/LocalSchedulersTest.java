package io.jdask.local;

import static io.jdask.Dask.all;
import static io.jdask.Dask.delayed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import io.jdask.Dask;
import io.jdask.Delayed;
import io.jdask.Scheduler;
import io.jdask.TaskFailedException;
import io.jdask.Tutorial;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Behaviour both local schedulers share, run against each; then what only THREADS does. */
class LocalSchedulersTest {

    static Scheduler scheduler(String name) {
        return name.equals("SYNC") ? Scheduler.SYNC : Scheduler.threads(2);
    }

    @ParameterizedTest
    @ValueSource(strings = {"SYNC", "THREADS"})
    void dependenciesRunBeforeDependents(String s) {
        List<String> log = java.util.Collections.synchronizedList(new ArrayList<>());
        Delayed<String> a = delayed((String x) -> {
                    log.add("a");
                    return x;
                })
                .call("a");
        Delayed<String> b = delayed((String x) -> {
                    log.add("b");
                    return x + "b";
                })
                .call(a);
        Delayed<String> c = delayed((String x, String y) -> {
                    log.add("c");
                    return x + y;
                })
                .call(a, b);
        assertThat(c.compute(scheduler(s))).isEqualTo("aab");
        assertThat(log).containsExactly("a", "b", "c");
    }

    @ParameterizedTest
    @ValueSource(strings = {"SYNC", "THREADS"})
    void aFailingTaskFailsTheComputationNamingItsKeyWithTheCause(String s) {
        Delayed<Integer> ok = delayed(Tutorial::inc).call(1);
        Delayed<Integer> bad = delayed(Tutorial::fail).call(ok);
        AtomicBoolean downstreamRan = new AtomicBoolean();
        Delayed<Integer> after = delayed((Integer x) -> {
                    downstreamRan.set(true);
                    return x;
                })
                .call(bad);
        assertThatThrownBy(() -> after.compute(scheduler(s)))
                .isInstanceOf(TaskFailedException.class)
                .hasMessageContaining("task " + bad.key() + " failed")
                .hasMessageContaining("I died on 2")
                .satisfies(e -> {
                    TaskFailedException tfe = (TaskFailedException) e;
                    assertThat(tfe.key()).isEqualTo(bad.key());
                    assertThat(tfe.getCause()).isInstanceOf(IllegalStateException.class);
                    assertThat(tfe.getCause().getStackTrace()[0].getMethodName())
                            .isEqualTo("fail");
                });
        assertThat(downstreamRan).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"SYNC", "THREADS"})
    void retriesRunAFailingTaskAgain(String s) {
        AtomicInteger attempts = new AtomicInteger();
        Delayed<Integer> flaky = delayed((Integer x) -> {
                    if (attempts.incrementAndGet() < 3) throw new RuntimeException("I died");
                    return x + 1;
                })
                .call(1);
        assertThat(flaky.compute(o -> o.scheduler(scheduler(s)).retries(3))).isEqualTo(2);
        assertThat(attempts).hasValue(3);
        attempts.set(0);
        assertThatThrownBy(() -> flaky.compute(o -> o.scheduler(scheduler(s)).retries(1)))
                .isInstanceOf(TaskFailedException.class);
        assertThat(attempts).hasValue(2);
    }

    @ParameterizedTest
    @ValueSource(strings = {"SYNC", "THREADS"})
    void intermediateResultsAreDroppedOnceNothingNeedsThem(String s) {
        // Step 1 makes a big value; step 2 reads it; step 3 needs only step 2's result and checks that step 1's
        // value became unreachable: the scheduler no longer holds it.
        AtomicReference<WeakReference<byte[]>> firstValue = new AtomicReference<>();
        Delayed<byte[]> big = delayed(() -> {
                    byte[] b = new byte[8 << 20];
                    firstValue.set(new WeakReference<>(b));
                    return b;
                })
                .call();
        Delayed<Integer> size = delayed((byte[] b) -> b.length).call(big);
        Delayed<Boolean> released = delayed((Integer n) -> {
                    try {
                        await().atMost(Duration.ofSeconds(5))
                                .pollInterval(Duration.ofMillis(10))
                                .until(() -> {
                                    System.gc();
                                    return firstValue.get().get() == null;
                                });
                        return true;
                    } catch (ConditionTimeoutException stillReachable) {
                        return false;
                    }
                })
                .call(size);
        assertThat(released.compute(scheduler(s))).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"SYNC", "THREADS"})
    void interruptingTheCallerCancelsTheComputation(String s) throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean taskInterrupted = new AtomicBoolean();
        AtomicBoolean nextStarted = new AtomicBoolean();
        Delayed<Integer> slow = delayed((Integer x) -> {
                    started.countDown();
                    try {
                        Thread.sleep(30_000);
                    } catch (InterruptedException e) {
                        taskInterrupted.set(true);
                        throw e;
                    }
                    return x;
                })
                .call(1);
        Delayed<Integer> next = delayed((Integer x) -> {
                    nextStarted.set(true);
                    return x;
                })
                .call(slow);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicBoolean interruptKept = new AtomicBoolean();
        Thread caller = new Thread(() -> {
            try {
                next.compute(scheduler(s));
            } catch (Throwable t) {
                thrown.set(t);
                interruptKept.set(Thread.currentThread().isInterrupted());
            }
        });
        caller.start();
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        caller.interrupt();
        caller.join(10_000);
        assertThat(caller.isAlive()).isFalse();
        assertThat(thrown.get()).isInstanceOfAny(CancellationException.class, TaskFailedException.class);
        assertThat(interruptKept).isTrue();
        // The running task is interrupted before compute returns; its catch block may run a moment later.
        await().atMost(Duration.ofSeconds(10)).untilTrue(taskInterrupted);
        assertThat(nextStarted).isFalse();
    }

    @Test
    void syncRunsEveryTaskInTheCallingThread() {
        Thread me = Thread.currentThread();
        Delayed<Boolean> a = delayed(() -> Thread.currentThread() == me).call();
        Delayed<Boolean> b =
                delayed((Boolean x) -> x && Thread.currentThread() == me).call(a);
        assertThat(b.compute(Scheduler.SYNC)).isTrue();
    }

    @Test
    void threadsRunIndependentTasksAtTheSameTime() {
        // Two 200 ms sleeps: each records when it ran; with two threads the intervals must overlap.
        ConcurrentHashMap<Integer, long[]> spans = new ConcurrentHashMap<>();
        List<Delayed<Integer>> sleeps = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            sleeps.add(delayed((Integer id) -> {
                        long start = System.nanoTime();
                        Thread.sleep(200);
                        spans.put(id, new long[] {start, System.nanoTime()});
                        return id;
                    })
                    .call(i));
        }
        assertThat(Dask.compute(sleeps, o -> o.scheduler(Scheduler.threads(2)))).containsExactly(0, 1);
        long[] a = spans.get(0), b = spans.get(1);
        assertThat(a[0] < b[1] && b[0] < a[1]).as("the two sleeps overlapped").isTrue();
    }

    @Test
    void threadsReallyRunTasksInParallel() {
        // Stronger than timing: each of two tasks waits for the other to have started.
        CountDownLatch both = new CountDownLatch(2);
        List<Delayed<Boolean>> tasks = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            tasks.add(delayed((Integer id) -> {
                        both.countDown();
                        return both.await(10, TimeUnit.SECONDS);
                    })
                    .call(i));
        }
        assertThat(Dask.compute(tasks, o -> o.scheduler(Scheduler.threads(2)))).containsExactly(true, true);
    }

    @Test
    void aTaskMayComputeAnotherGraphOnTheSamePool() {
        Delayed<Integer> outer = delayed((Integer n) -> {
                    List<Delayed<Integer>> inner = new ArrayList<>();
                    for (int i = 0; i < n; i++) inner.add(delayed(Tutorial::inc).call(i));
                    return delayed(Tutorial::sum).call(all(inner)).compute(Scheduler.threads(1));
                })
                .call(10);
        assertThat(outer.compute(Scheduler.threads(1))).isEqualTo(55);
    }

    @Test
    void aFailureStopsTasksThatHaveNotStarted() throws Exception {
        AtomicInteger ran = new AtomicInteger();
        List<Delayed<Integer>> many = new ArrayList<>();
        many.add(delayed(Tutorial::fail).call(0));
        for (int i = 0; i < 1000; i++) {
            many.add(delayed((Integer x) -> {
                        Thread.sleep(5);
                        ran.incrementAndGet();
                        return x;
                    })
                    .call(i));
        }
        Delayed<Integer> total = delayed(Tutorial::sum).call(all(many));
        assertThatThrownBy(() -> total.compute(Scheduler.threads(2))).isInstanceOf(TaskFailedException.class);
        int atFailure = ran.get();
        await().during(Duration.ofMillis(200))
                .atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(ran.get())
                        .as("no task starts after the failure")
                        .isLessThanOrEqualTo(atFailure + 2));
        assertThat(ran.get()).isLessThan(1000);
    }

    @Test
    void anEmptyComputationReturnsNothing() {
        assertThat(Dask.compute(List.<Delayed<Integer>>of())).isEmpty();
        if (false) fail("unreachable");
    }
}
