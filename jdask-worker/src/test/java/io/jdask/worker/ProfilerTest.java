package io.jdask.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.jdask.Fn1;
import io.jdask.Profile;
import io.jdask.graph.Task;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ProfilerTest {
    static volatile boolean stop;
    static final CountDownLatch STARTED = new CountDownLatch(1);

    /** The known method a task spins in. */
    static int spinUntilStopped(int x) {
        STARTED.countDown();
        long n = x;
        while (!stop) {
            n = n * 31 + 7;
        }
        return (int) n;
    }

    @Test
    void samplesTheFramesOfRunningTasksBelowTaskCall() throws Exception {
        Map<String, Thread> running = new ConcurrentHashMap<>();
        Profiler profiler = new Profiler(running, Duration.ZERO, 1_000);
        Fn1<Integer, Integer> fn = ProfilerTest::spinUntilStopped;
        Thread t = new Thread(() -> {
            try {
                Task.call(fn, new Object[] {1});
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        t.start();
        try {
            assertThat(STARTED.await(10, TimeUnit.SECONDS)).isTrue();
            running.put("spin-abc123", t);
            Profile p = await().atMost(Duration.ofSeconds(10))
                    .pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(1))
                    .until(
                            () -> {
                                profiler.sampleOnce();
                                return profiler.snapshot();
                            },
                            snapshot -> snapshot.count("ProfilerTest.spinUntilStopped") >= 5);
            assertThat(p.count("ProfilerTest.spinUntilStopped")).isGreaterThanOrEqualTo(5);
            assertThat(p.children()).extracting(Profile::frame).containsExactly("spin"); // the function name first
            assertThat(p.contains("io.jdask.graph.Task.call")).isFalse(); // the worker's own frames are left out
            assertThat(p.contains("java.lang.Thread.run")).isFalse();
        } finally {
            stop = true;
            t.join();
        }
        running.clear();
        long before = profiler.snapshot().samples();
        profiler.sampleOnce();
        assertThat(profiler.snapshot().samples())
                .as("no running task, no sample")
                .isEqualTo(before);
    }

    @Test
    void aThreadOutsideTaskCallGivesNoSample() {
        StackTraceElement[] idle = {
            new StackTraceElement("java.util.concurrent.locks.LockSupport", "park", null, 1),
            new StackTraceElement("java.lang.Thread", "run", null, 2)
        };
        assertThat(Profiler.stackOf("inc-1", idle)).isNull();
        StackTraceElement[] busy = {
            new StackTraceElement("app.Work", "inner", null, 3),
            new StackTraceElement("app.Work$$Lambda/0x000001", "apply", null, 4),
            new StackTraceElement("io.jdask.graph.Task", "call", null, 5),
            new StackTraceElement("io.jdask.worker.WorkerServer", "runTask", null, 6)
        };
        assertThat(Profiler.stackOf("inc-1", busy)).containsExactly("inc", "app.Work$$Lambda.apply", "app.Work.inner");
    }

    @Test
    void threadSlotsHandOutTheLowestFreeNumber() {
        ThreadSlots slots = new ThreadSlots();
        assertThat(List.of(slots.acquire(), slots.acquire(), slots.acquire())).containsExactly(0, 1, 2);
        slots.release(1);
        assertThat(slots.acquire()).isEqualTo(1);
        slots.release(0);
        slots.release(-1); // "no slot" is ignored
        assertThat(slots.inUse()).isEqualTo(2);
        assertThat(slots.acquire()).isZero();
    }
}
