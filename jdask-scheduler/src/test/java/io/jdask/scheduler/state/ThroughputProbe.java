package io.jdask.scheduler.state;

import io.jdask.scheduler.state.SchedulerEvent.*;
import io.jdask.scheduler.state.SchedulerInstruction.ComputeTask;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Not a test (no timing assertions in tests): a rough probe of task lifecycles per second through
 * {@link SchedulerState#handle}, until the JMH module exists. Each lifecycle is: submitted in a batch,
 * computed (ComputeTask), finished (one TaskFinished event), reported, released in a batch, forgotten.
 * Run after {@code verify}:
 * <pre>{@code
 * java -cp jdask-scheduler/target/classes:jdask-scheduler/target/test-classes \
 *     io.jdask.scheduler.state.ThroughputProbe
 * }</pre>
 */
public final class ThroughputProbe {
    public static void main(String[] args) {
        for (int story : new int[] {100_000, 0}) {
            for (int round = 0; round < 4; round++) {
                report("independent, story=" + story, run(story, 200_000, false));
                report("reduction tree, story=" + story, run(story, 200_000, true));
            }
        }
    }

    private static void report(String what, double perSecond) {
        System.out.printf("%-32s %,12.0f task lifecycles/s%n", what, perSecond);
    }

    private static double run(int storyCapacity, int n, boolean tree) {
        var s = SchedulerState.create(
                SchedulerConfig.builder().storyCapacity(storyCapacity).build());
        long now = 0;
        s.handle(new AddClient("c", "s", now));
        for (int w = 0; w < 8; w++) {
            s.handle(new AddWorker("tcp://w" + w, 4, 1L << 32, Map.of(), null, "s", now));
        }
        var specs = new ArrayList<TaskSpec>(n);
        var wanted = new ArrayList<String>();
        for (int i = 0; i < n; i++) {
            var deps = new LinkedHashSet<String>();
            if (tree && i >= n / 2) { // second half sums pairs of earlier tasks
                int j = (i - n / 2) * 2 % (n / 2);
                deps.add("leaf-" + j);
                deps.add("leaf-" + (j + 1));
            }
            String key = (tree && i >= n / 2 ? "sum-" : "leaf-") + i;
            specs.add(new TaskSpec(key, deps, "code", 0, 0, Restrictions.NONE));
            if (!tree || i >= n / 2) {
                wanted.add(key);
            }
        }
        long t0 = System.nanoTime();
        var pending = new ArrayDeque<ComputeTask>();
        collect(s.handle(new UpdateGraph("c", specs, wanted, "s", now)), pending);
        int finished = 0;
        while (!pending.isEmpty()) {
            ComputeTask c = pending.poll();
            collect(
                    s.handle(new TaskFinished(c.worker(), c.key(), c.runId(), 8, "int", now, now + 1000, "s", ++now)),
                    pending);
            finished++;
        }
        s.handle(new ReleaseKeys("c", wanted, "s", now));
        long t1 = System.nanoTime();
        if (finished != n || s.taskCount() != 0) {
            throw new AssertionError("finished " + finished + " of " + n + ", left " + s.taskCount());
        }
        return n / ((t1 - t0) / 1e9);
    }

    private static void collect(List<SchedulerInstruction> out, ArrayDeque<ComputeTask> pending) {
        for (SchedulerInstruction i : out) {
            if (i instanceof ComputeTask c) {
                pending.add(c);
            }
        }
    }
}
