package io.jdask.worker.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Regression: a client closing released ~1,000 keys in one FreeKeys; the per-event loop guard was recomputed from
 * the number of tasks left, which the event itself was shrinking, and the worker shut down on a false alarm.
 */
class FreeManyKeysAtOnceTest {

    @Test
    void oneEventMayForgetThousandsOfTasks() {
        WorkerState ws = WorkerState.builder("tcp://127.0.0.1:1").nthreads(2).build();
        Map<String, Long> data = new LinkedHashMap<>();
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            data.put("k-" + i, 8L);
            keys.add("k-" + i);
        }
        ws.handle(new WorkerEvent.UpdateData(data, "scatter", 1));
        assertThat(ws.taskCount()).isEqualTo(2_000);
        List<WorkerInstruction> out = ws.handle(new WorkerEvent.FreeKeys(keys, "remove-client", 2));
        ws.validate();
        assertThat(ws.taskCount()).isZero();
        assertThat(out).filteredOn(i -> i instanceof WorkerInstruction.DropData).isNotEmpty();
    }
}
