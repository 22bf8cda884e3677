package io.jdask.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdask.scheduler.ClusterSnapshot;
import io.jdask.scheduler.ClusterSnapshot.PrefixProgress;
import io.jdask.scheduler.ClusterSnapshot.PrefixTotals;
import io.jdask.scheduler.ClusterSnapshot.WorkerSnapshot;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The metrics of a made-up snapshot, as Prometheus's text format writes them. */
class MetricsTest {
    @Test
    void everyPartOfTheSnapshotBecomesASeries() {
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("memory", 10L);
        counts.put("no-worker", 2L);
        ClusterSnapshot s = new ClusterSnapshot(
                5_000_000L,
                3,
                List.of(
                        new WorkerSnapshot(
                                "tcp://127.0.0.1:4001",
                                "local-0",
                                2,
                                1,
                                10,
                                2048,
                                1L << 28,
                                2048,
                                4096,
                                1L << 20,
                                true),
                        new WorkerSnapshot("tcp://127.0.0.1:4002", "local-1", 4, 0, 0, 0, 0)), // no report yet
                counts,
                List.of(new PrefixProgress("inc", 12, 0, 1, 10, 1)),
                List.of(),
                11,
                List.of(new PrefixTotals("inc", 10, 1, 2_500_000)),
                4,
                8192);
        String text = new String(Metrics.render(s, 1_500_000), StandardCharsets.UTF_8);
        assertThat(text.lines())
                .contains(
                        "# TYPE jdask_scheduler_workers gauge",
                        "jdask_scheduler_workers{state=\"running\"} 1.0",
                        "jdask_scheduler_workers{state=\"paused\"} 1.0",
                        "jdask_scheduler_clients 3.0",
                        "jdask_scheduler_tasks{state=\"memory\"} 10.0",
                        "jdask_scheduler_tasks{state=\"no-worker\"} 2.0",
                        "jdask_scheduler_prefix_tasks{prefix=\"inc\",state=\"processing\"} 1.0",
                        "jdask_scheduler_prefix_tasks{prefix=\"inc\",state=\"memory\"} 10.0",
                        "# TYPE jdask_scheduler_task_compute_seconds summary",
                        "jdask_scheduler_task_compute_seconds_count{prefix=\"inc\"} 11",
                        "jdask_scheduler_task_compute_seconds_sum{prefix=\"inc\"} 2.5",
                        "# TYPE jdask_scheduler_tasks_erred_total counter",
                        "jdask_scheduler_tasks_erred_total{prefix=\"inc\"} 1.0",
                        "jdask_scheduler_transfers_total 4.0",
                        "jdask_scheduler_transfer_bytes_total 8192.0",
                        "jdask_scheduler_event_loop_lag_seconds 0.0015",
                        "jdask_worker_memory_bytes{name=\"local-0\",type=\"managed\",worker=\"tcp://127.0.0.1:4001\"} 2048.0",
                        "jdask_worker_memory_bytes{name=\"local-0\",type=\"spilled\",worker=\"tcp://127.0.0.1:4001\"} 4096.0",
                        "jdask_worker_memory_bytes{name=\"local-0\",type=\"heap\",worker=\"tcp://127.0.0.1:4001\"} 1048576.0",
                        "jdask_worker_threads{name=\"local-1\",worker=\"tcp://127.0.0.1:4002\"} 4.0");
        // a worker that has not reported its memory has no memory series (rather than a made-up zero)
        assertThat(text).doesNotContain("jdask_worker_memory_bytes{name=\"local-1\"");
    }
}
