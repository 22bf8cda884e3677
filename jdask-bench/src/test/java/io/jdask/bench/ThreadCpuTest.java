package io.jdask.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The profile mode's CPU accounting: grouping of thread names, differences of snapshots, and per-task figures. */
class ThreadCpuTest {

    @Test
    void threadsAreGroupedWithoutTheirNumbering() {
        assertThat(ThreadCpu.group("jdask-io-worker-2-1")).isEqualTo("jdask-io-worker");
        assertThat(ThreadCpu.group("GC Thread#3")).isEqualTo("GC Thread");
        assertThat(ThreadCpu.group("jdask-scheduler")).isEqualTo("jdask-scheduler");
        assertThat(ThreadCpu.group("1234")).isEqualTo("1234"); // nothing would be left: keep the name
    }

    @Test
    void aWindowIsTheDifferenceAndIsReportedPerTask() {
        var before = new ThreadCpu.Snapshot(
                new TreeMap<>(
                        Map.of("client+scheduler loop", new long[] {100, 50}, "worker-7 io", new long[] {10, 10})),
                new TreeMap<>(Map.of("client+scheduler", new long[] {5, 5, 0, 0})));
        var after = new ThreadCpu.Snapshot(
                new TreeMap<>(
                        Map.of("client+scheduler loop", new long[] {400, 150}, "worker-7 io", new long[] {110, 110})),
                new TreeMap<>(Map.of("client+scheduler", new long[] {2005, 1005, 10_000, 20_000})));
        var window = after.minus(before);
        assertThat(window.ticks().get("client+scheduler loop")).containsExactly(300, 100);
        assertThat(window.io().get("client+scheduler")).containsExactly(2000, 1000, 10_000, 20_000);

        // 600 ticks = 6 CPU-s over 1000 tasks = 6000 us per task; the loop has 4 s (4000 us/task), 1 s of it system.
        List<String> lines = ThreadCpu.report(window, 1000, 10.0);
        assertThat(lines.get(0)).contains("6.0 CPU-s").contains("6000.0 us of CPU per task");
        assertThat(lines)
                .anySatisfy(l -> assertThat(l)
                        .startsWith("CPU client+scheduler loop")
                        .contains("4000.0")
                        .contains("1000.0")
                        .contains("66.7%"));
        assertThat(lines)
                .anySatisfy(
                        l -> assertThat(l).startsWith("CPU workers (all) (sum)").contains("2000.0"));
        assertThat(lines)
                .anySatisfy(l -> assertThat(l)
                        .startsWith("SYSCALLS client+scheduler")
                        .contains("2.00 read-type")
                        .contains("1.00 write-type"));
    }

    @Test
    void aSnapshotOfThisJvmSeesItsBusyThread() {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "needs Linux /proc");
        var before = ThreadCpu.take();
        long x = 0;
        long end = System.nanoTime() + 300_000_000L; // burn about 0.3 s of CPU, well over one 10 ms tick
        while (System.nanoTime() < end) x += Long.numberOfTrailingZeros(x + System.nanoTime());
        var window = ThreadCpu.take().minus(before);
        long total = window.ticks().entrySet().stream()
                .filter(e -> e.getKey().startsWith("client+scheduler "))
                .mapToLong(e -> e.getValue()[0] + e.getValue()[1])
                .sum();
        assertThat(total).as("ticks burnt (x=%d)", x).isPositive();
        assertThat(window.io()).containsKey("client+scheduler");
    }

    @Test
    void aSnapshotCountsTheWakeUpsOfAThreadThatSleeps() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "needs Linux /proc");
        var before = ThreadCpu.take();
        CountDownLatch slept = new CountDownLatch(1);
        Thread sleeper = new Thread(
                () -> {
                    for (int i = 0; i < 20; i++) {
                        try {
                            Thread.sleep(1); // each sleep blocks the thread and is woken: one voluntary context switch
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                    slept.countDown();
                    long deadline = System.nanoTime() + 5_000_000_000L; // stay alive until the second snapshot is taken
                    while (!Thread.currentThread().isInterrupted() && System.nanoTime() < deadline) Thread.onSpinWait();
                },
                "wakeup-probe");
        sleeper.start();
        assertThat(slept.await(10, TimeUnit.SECONDS))
                .as("the probe slept 20 times")
                .isTrue();
        var window = ThreadCpu.take().minus(before);
        sleeper.interrupt();
        sleeper.join();
        assertThat(window.ticks().get("client+scheduler wakeup-probe"))
                .as("the probe thread's counters")
                .hasSize(4)
                .satisfies(t -> assertThat(t[2]).isGreaterThanOrEqualTo(20));
    }
}
