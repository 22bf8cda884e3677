package io.jdask.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.jdask.Fn1;
import io.jdask.Fn2;
import io.jdask.graph.TaskRef;
import io.jdask.protocol.SchedulerMsg;
import io.jdask.protocol.Serializer;
import io.jdask.protocol.WorkerMsg;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, item 8: a long-lived worker kept the run id of every ComputeTask it was ever sent. Every per-key map of a
 * worker must have a removal path tied to the key's life: thousands of distinct keys through one worker, released by
 * the scheduler, leave nothing behind.
 */
class Issue12PerKeyBookkeepingTest {
    static final Serializer S = Serializer.shared();
    static final int KEYS = 3_000;

    FakeScheduler scheduler;
    WorkerServer worker;

    @BeforeEach
    void start() {
        scheduler = new FakeScheduler();
        worker = WorkerServer.start(WorkerConfig.builder(scheduler.address())
                .listen("tcp://127.0.0.1:0")
                .nthreads(2)
                .name("long-lived")
                .connectTimeout(Duration.ofSeconds(10))
                .build());
    }

    @AfterEach
    void stop() {
        worker.close();
        scheduler.close();
    }

    static Integer inc(Integer x) {
        return x + 1;
    }

    static Integer add(Integer x, Integer y) {
        return x + y;
    }

    static Integer fail(Integer x) {
        throw new IllegalStateException("task " + x + " fails on purpose");
    }

    static SchedulerMsg.ComputeTask compute(String key, long runId, byte[] spec, Map<String, Long> deps, String at) {
        Map<String, List<String>> whoHas = new HashMap<>();
        deps.keySet().forEach(d -> whoHas.put(d, List.of(at)));
        return new SchedulerMsg.ComputeTask(
                key, runId, spec, "client-1", new long[] {0}, whoHas, deps, Map.of(), "compute-" + key);
    }

    @Test
    void thousandsOfReleasedKeysLeaveNoPerKeyEntryBehind() {
        String me = worker.address();
        List<String> keys = new ArrayList<>();
        Map<String, Long> runIds = new HashMap<>();
        List<SchedulerMsg.ComputeTask> dependents = new ArrayList<>();
        for (int i = 0; i < KEYS; i++) {
            long runId = 1_000_000L + i;
            if (i % 10 == 9) {
                // A dependent of the key before it; the scheduler assigns it once that key is in memory here.
                String key = "add-" + i;
                byte[] spec = S.serialize(new Object[] {
                    (Fn2<Integer, Integer, Integer>) Issue12PerKeyBookkeepingTest::add,
                    new Object[] {new TaskRef(keys.get(i - 1)), 1}
                });
                dependents.add(compute(key, runId, spec, Map.of(keys.get(i - 1), 8L), me));
                keys.add(key);
                runIds.put(key, runId);
                continue;
            }
            String key = i % 100 == 50 ? "fail-" + i : "inc-" + i;
            Fn1<Integer, Integer> fn =
                    i % 100 == 50 ? Issue12PerKeyBookkeepingTest::fail : Issue12PerKeyBookkeepingTest::inc;
            keys.add(key);
            runIds.put(key, runId);
            scheduler.send(me, compute(key, runId, S.serialize(new Object[] {fn, new Object[] {i}}), Map.of(), me));
        }
        await().atMost(FakeScheduler.WAIT).until(() -> answered(me) == KEYS - dependents.size());
        dependents.forEach(c -> scheduler.send(me, c));
        await().atMost(FakeScheduler.WAIT).until(() -> answered(me) == KEYS);
        for (var m : scheduler.messagesFrom(me)) {
            switch (m) {
                case WorkerMsg.TaskFinished f -> assertThat(f.runId()).isEqualTo(runIds.get(f.key()));
                case WorkerMsg.TaskErred e -> assertThat(e.runId()).isEqualTo(runIds.get(e.key()));
                default -> {}
            }
        }
        assertThat(worker.perKeyEntries()).containsEntry("state tasks", KEYS).containsEntry("data store", KEYS - 30);

        for (int i = 0; i < KEYS; i += 500) {
            // A copy, not the subList view: the codec does not always read a SubList back (seen as a malformed frame).
            List<String> batch = List.copyOf(keys.subList(i, Math.min(KEYS, i + 500)));
            scheduler.send(me, new SchedulerMsg.FreeKeys(batch, "free-" + i));
        }
        await().atMost(FakeScheduler.WAIT)
                .untilAsserted(() -> assertThat(worker.perKeyEntries())
                        .allSatisfy((where, entries) ->
                                assertThat(entries).as(where).isZero()));
    }

    private int answered(String worker) {
        int n = 0;
        for (var m : scheduler.messagesFrom(worker)) {
            if (m instanceof WorkerMsg.TaskFinished || m instanceof WorkerMsg.TaskErred) n++;
        }
        return n;
    }
}
