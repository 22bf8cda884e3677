package io.jdask.dashboard;

import io.jdask.scheduler.ClusterSnapshot;
import io.jdask.scheduler.ClusterSnapshot.PrefixProgress;
import io.jdask.scheduler.ClusterSnapshot.PrefixTotals;
import io.jdask.scheduler.ClusterSnapshot.WorkerSnapshot;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot.SummaryDataPointSnapshot;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/*
 * Design note. /metrics in Prometheus's text format, made from one ClusterSnapshot per scrape: the snapshot is what
 * the scheduler loop publishes for the dashboard anyway (reused for 100 ms), so a scrape adds no lock and no work
 * to the loop beyond answering a snapshot request. The Prometheus Java client is used for its data model and its
 * text writer only (escaping, ordering, the format's details): no registry, no instrumentation and no HTTP server
 * of its own, since the values are not counted here but read from the snapshot at each scrape (the client's
 * "collector" pattern, without the registry).
 *
 * The names follow Dask's (distributed/http/scheduler/prometheus) where it has one, with jdask_ for dask_, so a
 * dashboard built for one reads the other with a renamed prefix:
 *
 *   jdask_scheduler_workers{state}                       gauge    workers, running or paused
 *   jdask_scheduler_clients                              gauge    connected clients
 *   jdask_scheduler_tasks{state}                         gauge    known tasks per state (released, waiting, ...)
 *   jdask_scheduler_prefix_tasks{prefix,state}           gauge    per function name: waiting, processing, memory, erred
 *   jdask_scheduler_task_compute_seconds{prefix}         summary  every reported task's function call time (count, sum)
 *   jdask_scheduler_tasks_erred_total{prefix}            counter  tasks reported erred
 *   jdask_scheduler_transfers_total                      counter  values workers fetched from other workers
 *   jdask_scheduler_transfer_bytes_total                 counter  their sizes
 *   jdask_scheduler_event_loop_lag_seconds               gauge    how long this scrape's request waited for the loop
 *   jdask_worker_memory_bytes{worker,name,type}          gauge    managed (in memory), spilled (on disk), heap (JVM)
 *   jdask_worker_memory_limit_bytes{worker,name}         gauge
 *   jdask_worker_threads{worker,name}                    gauge
 *   jdask_worker_processing_tasks{worker,name}           gauge
 *
 * A worker's memory series are absent until it reported them (a worker that shares its JVM has no heap series).
 */
/** Renders a {@link ClusterSnapshot} as Prometheus metrics (text exposition format 0.0.4). */
final class Metrics {
    /** The content type of the text format. */
    static final String CONTENT_TYPE = "text/plain; version=0.0.4"; // the dashboard adds the charset

    private static final PrometheusTextFormatWriter WRITER = PrometheusTextFormatWriter.create();

    private Metrics() {}

    /** The metrics of {@code s}, with the loop's lag measured for it, as the text format. */
    static byte[] render(ClusterSnapshot s, long loopLagNanos) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        try {
            WRITER.write(out, snapshots(s, loopLagNanos), EscapingScheme.UNDERSCORE_ESCAPING);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        return out.toByteArray();
    }

    static MetricSnapshots snapshots(ClusterSnapshot s, long loopLagNanos) {
        MetricSnapshots.Builder all = MetricSnapshots.builder();

        int paused = 0;
        for (WorkerSnapshot w : s.workers()) if (w.paused()) paused++;
        all.metricSnapshot(GaugeSnapshot.builder()
                .name("jdask_scheduler_workers")
                .help("Workers connected to the scheduler, by state (running or paused).")
                .dataPoint(gauge(s.workers().size() - paused, "state", "running"))
                .dataPoint(gauge(paused, "state", "paused"))
                .build());
        all.metricSnapshot(GaugeSnapshot.builder()
                .name("jdask_scheduler_clients")
                .help("Clients connected to the scheduler.")
                .dataPoint(gauge(s.clients()))
                .build());

        GaugeSnapshot.Builder tasks =
                GaugeSnapshot.builder().name("jdask_scheduler_tasks").help("Tasks the scheduler knows, by state.");
        for (Map.Entry<String, Long> e : s.taskCounts().entrySet()) {
            tasks.dataPoint(gauge(e.getValue(), "state", e.getKey()));
        }
        all.metricSnapshot(tasks.build());

        GaugeSnapshot.Builder byPrefix = GaugeSnapshot.builder()
                .name("jdask_scheduler_prefix_tasks")
                .help("Tasks the scheduler knows per function name (key prefix), by state.");
        for (PrefixProgress p : s.progress()) {
            byPrefix.dataPoint(gauge(p.waiting(), "prefix", p.name(), "state", "waiting"));
            byPrefix.dataPoint(gauge(p.processing(), "prefix", p.name(), "state", "processing"));
            byPrefix.dataPoint(gauge(p.memory(), "prefix", p.name(), "state", "memory"));
            byPrefix.dataPoint(gauge(p.erred(), "prefix", p.name(), "state", "erred"));
        }
        all.metricSnapshot(byPrefix.build());

        SummarySnapshot.Builder compute = SummarySnapshot.builder()
                .name("jdask_scheduler_task_compute_seconds")
                .help(
                        "Time of the function calls of reported tasks (finished or erred) per function name, on workers.");
        CounterSnapshot.Builder erred = CounterSnapshot.builder()
                .name("jdask_scheduler_tasks_erred")
                .help("Tasks reported erred per function name.");
        for (PrefixTotals t : s.totals()) {
            compute.dataPoint(SummaryDataPointSnapshot.builder()
                    .labels(Labels.of("prefix", t.name()))
                    .count(t.finished() + t.erred())
                    .sum(t.computeMicros() / 1e6)
                    .quantiles(Quantiles.EMPTY)
                    .build());
            erred.dataPoint(counter(t.erred(), "prefix", t.name()));
        }
        all.metricSnapshot(compute.build());
        all.metricSnapshot(erred.build());

        all.metricSnapshot(CounterSnapshot.builder()
                .name("jdask_scheduler_transfers")
                .help("Values workers fetched from other workers.")
                .dataPoint(counter(s.transfers()))
                .build());
        all.metricSnapshot(CounterSnapshot.builder()
                .name("jdask_scheduler_transfer_bytes")
                .help("Bytes of the values workers fetched from other workers (sizes as the scheduler knows them).")
                .dataPoint(counter(s.transferBytes()))
                .build());
        all.metricSnapshot(GaugeSnapshot.builder()
                .name("jdask_scheduler_event_loop_lag_seconds")
                .help("How long this scrape's request waited for the scheduler's event loop to take it.")
                .dataPoint(gauge(loopLagNanos / 1e9))
                .build());

        GaugeSnapshot.Builder memory = GaugeSnapshot.builder()
                .name("jdask_worker_memory_bytes")
                .help("Memory of each worker: managed (values in memory), spilled (values on disk), heap (JVM heap"
                        + " in use), as last reported.");
        GaugeSnapshot.Builder limit =
                GaugeSnapshot.builder().name("jdask_worker_memory_limit_bytes").help("Each worker's memory limit.");
        GaugeSnapshot.Builder threads =
                GaugeSnapshot.builder().name("jdask_worker_threads").help("Task threads of each worker.");
        GaugeSnapshot.Builder processing = GaugeSnapshot.builder()
                .name("jdask_worker_processing_tasks")
                .help("Tasks assigned to each worker (running or waiting in its queue).");
        for (WorkerSnapshot w : s.workers()) {
            String name = w.name() == null ? "" : w.name();
            if (w.managedBytes() >= 0) {
                memory.dataPoint(gauge(w.managedBytes(), "worker", w.address(), "name", name, "type", "managed"));
            }
            if (w.spilledBytes() >= 0) {
                memory.dataPoint(gauge(w.spilledBytes(), "worker", w.address(), "name", name, "type", "spilled"));
            }
            if (w.heapBytes() >= 0) {
                memory.dataPoint(gauge(w.heapBytes(), "worker", w.address(), "name", name, "type", "heap"));
            }
            limit.dataPoint(gauge(w.memoryLimit(), "worker", w.address(), "name", name));
            threads.dataPoint(gauge(w.nthreads(), "worker", w.address(), "name", name));
            processing.dataPoint(gauge(w.processing(), "worker", w.address(), "name", name));
        }
        all.metricSnapshot(memory.build());
        all.metricSnapshot(limit.build());
        all.metricSnapshot(threads.build());
        all.metricSnapshot(processing.build());
        return all.build();
    }

    private static GaugeDataPointSnapshot gauge(double value, String... labels) {
        return GaugeDataPointSnapshot.builder()
                .labels(Labels.of(labels))
                .value(value)
                .build();
    }

    private static CounterDataPointSnapshot counter(double value, String... labels) {
        return CounterDataPointSnapshot.builder()
                .labels(Labels.of(labels))
                .value(value)
                .build();
    }
}
