package io.jdask.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.jdask.Future;
import io.jdask.Settings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Operations on worker processes (issue 16): the settings worker processes get from their LocalCluster, and the
 * dashboard's Prometheus {@code /metrics} scraped over HTTP after tasks ran.
 */
class OperationsProcessesTest {
    /** A setting nobody reads yet, set in this JVM before the cluster starts: the workers must see it. */
    private static final String WAIT_COUNT = "jdask.adaptive.wait-count";

    static {
        System.setProperty(WAIT_COUNT, "7");
    }

    @RegisterExtension
    static final ClusterExtension cluster = ClusterExtension.processes(2).dashboardOnFreePort();

    @AfterAll
    static void clearProperty() {
        System.clearProperty(WAIT_COUNT);
    }

    static String waitCountOnWorker() {
        Settings s = Settings.current();
        Settings.Setting wait = s.setting(Settings.ADAPTIVE_WAIT_COUNT);
        return wait.text() + " " + wait.source() + " file=" + s.file().isPresent();
    }

    static int square(int x) {
        return x * x;
    }

    static int add(int a, int b) {
        return a + b;
    }

    static int boom(int x) {
        throw new IllegalStateException("boom " + x);
    }

    @Test
    void workerProcessesGetTheClustersEffectiveSettings() {
        for (String worker : List.of("local-0", "local-1")) {
            String seen = cluster.client()
                    .with(o -> o.workers(worker))
                    .submit(OperationsProcessesTest::waitCountOnWorker)
                    .result();
            assertThat(seen).as("on %s", worker).isEqualTo("7 SYSTEM_PROPERTY file=false");
        }
    }

    @Test
    void metricsCountTheTasksTransfersWorkersAndMemory() throws Exception {
        var client = cluster.client();
        List<Future<Integer>> squares = new ArrayList<>();
        for (int i = 0; i < 5; i++) squares.add(client.submit(OperationsProcessesTest::square, i));
        assertThat(client.gather(squares)).containsExactly(0, 1, 4, 9, 16);
        // a value on each worker, then a task needing both: one of them crosses to the other worker
        Future<Integer> onFirst = client.with(o -> o.workers("local-0")).submit(OperationsProcessesTest::square, 10);
        Future<Integer> onSecond = client.with(o -> o.workers("local-1")).submit(OperationsProcessesTest::square, 20);
        Future<Integer> sum = client.submit(OperationsProcessesTest::add, onFirst, onSecond);
        assertThat(sum.result()).isEqualTo(500);
        Future<Integer> failed = client.submit(OperationsProcessesTest::boom, 1);
        assertThatThrownBy(failed::result).hasMessageContaining("boom 1");
        String squarePrefix = prefix(squares.get(0).key());
        String addPrefix = prefix(sum.key());
        String boomPrefix = prefix(failed.key());

        // workers report their memory at most twice a second: wait for both workers' reports
        Map<String, Double> m = await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(100))
                .until(
                        () -> parse(scrape()),
                        s -> s.keySet().stream()
                                        .filter(k -> k.startsWith("jdask_worker_memory_bytes{")
                                                && k.contains("type=\"managed\""))
                                        .count()
                                == 2);

        assertThat(m).containsEntry("jdask_scheduler_workers{state=\"running\"}", 2.0);
        assertThat(m).containsEntry("jdask_scheduler_workers{state=\"paused\"}", 0.0);
        assertThat(m.get("jdask_scheduler_clients")).isGreaterThanOrEqualTo(1.0);
        // the five squares are held by their futures; the two pinned ones too
        assertThat(m)
                .containsEntry("jdask_scheduler_prefix_tasks{prefix=\"" + squarePrefix + "\",state=\"memory\"}", 7.0);
        assertThat(m).containsEntry("jdask_scheduler_prefix_tasks{prefix=\"" + boomPrefix + "\",state=\"erred\"}", 1.0);
        assertThat(m.get("jdask_scheduler_tasks{state=\"memory\"}")).isGreaterThanOrEqualTo(8.0);
        assertThat(m.get("jdask_scheduler_tasks{state=\"erred\"}")).isGreaterThanOrEqualTo(1.0);
        // durations: a summary per prefix, counting every reported run
        assertThat(m).containsEntry("jdask_scheduler_task_compute_seconds_count{prefix=\"" + squarePrefix + "\"}", 7.0);
        assertThat(m).containsEntry("jdask_scheduler_task_compute_seconds_count{prefix=\"" + addPrefix + "\"}", 1.0);
        assertThat(m.get("jdask_scheduler_task_compute_seconds_sum{prefix=\"" + squarePrefix + "\"}"))
                .isGreaterThan(0.0)
                .isLessThan(60.0);
        assertThat(m).containsEntry("jdask_scheduler_tasks_erred_total{prefix=\"" + boomPrefix + "\"}", 1.0);
        assertThat(m).containsEntry("jdask_scheduler_tasks_erred_total{prefix=\"" + squarePrefix + "\"}", 0.0);
        // the add needed one value from the other worker
        assertThat(m.get("jdask_scheduler_transfers_total")).isGreaterThanOrEqualTo(1.0);
        assertThat(m.get("jdask_scheduler_transfer_bytes_total")).isGreaterThan(0.0);
        assertThat(m.get("jdask_scheduler_event_loop_lag_seconds"))
                .isGreaterThanOrEqualTo(0.0)
                .isLessThan(2.0);
        // per worker: memory of each kind, limit, threads
        Set<String> workers = new HashSet<>();
        for (String k : m.keySet()) {
            Matcher w = Pattern.compile("^jdask_worker_threads\\{name=\"(local-\\d)\",worker=\"tcp://[^\"]+\"}$")
                    .matcher(k);
            if (w.matches()) {
                workers.add(w.group(1));
                assertThat(m.get(k)).isEqualTo(1.0);
            }
        }
        assertThat(workers).containsExactlyInAnyOrder("local-0", "local-1");
        assertThat(m.keySet().stream().filter(k -> k.startsWith("jdask_worker_memory_bytes{") && k.contains("heap")))
                .hasSize(2);
        assertThat(m.entrySet().stream()
                        .filter(e -> e.getKey().startsWith("jdask_worker_memory_bytes{")
                                && e.getKey().contains("type=\"heap\""))
                        .mapToDouble(Map.Entry::getValue))
                .allMatch(v -> v > 0);
        assertThat(m.keySet().stream().filter(k -> k.startsWith("jdask_worker_memory_limit_bytes{")))
                .hasSize(2);
    }

    private static String prefix(String key) {
        return key.substring(0, key.lastIndexOf('-'));
    }

    /** GET /metrics on the cluster's dashboard. */
    private static String scrape() throws Exception {
        URI status = URI.create(cluster.cluster().dashboardLink());
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(status.resolve("/metrics"))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("text/plain; version=0.0.4"));
        return r.body();
    }

    private static final Pattern HELP = Pattern.compile("^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+$");
    private static final Pattern TYPE =
            Pattern.compile("^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|summary|histogram|untyped)$");
    private static final Pattern SAMPLE = Pattern.compile(
            "^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\",?)*})?"
                    + " ([-+]?(?:[0-9.]+(?:[eE][-+]?[0-9]+)?|NaN|Inf))$");

    /**
     * Checks the text exposition format line by line (comments, types, samples, each sample of a declared family,
     * names under jdask_) and returns the samples by their series (name and labels as written).
     */
    static Map<String, Double> parse(String text) {
        Map<String, String> types = new HashMap<>();
        Map<String, Double> samples = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty()) continue;
            Matcher t = TYPE.matcher(line);
            if (t.matches()) {
                assertThat(types.put(t.group(1), t.group(2)))
                        .as("second TYPE for %s", t.group(1))
                        .isNull();
                continue;
            }
            if (HELP.matcher(line).matches()) continue;
            Matcher s = SAMPLE.matcher(line);
            assertThat(s.matches())
                    .as("not a sample of the exposition format: %s", line)
                    .isTrue();
            String name = s.group(1);
            assertThat(name).startsWith("jdask_");
            String family = types.containsKey(name) ? name : name.replaceAll("_(count|sum)$", "");
            assertThat(types).as("a TYPE line before %s", line).containsKey(family);
            assertThat(samples.put(name + (s.group(2) == null ? "" : s.group(2)), Double.parseDouble(s.group(3))))
                    .as("a second sample for %s", line)
                    .isNull();
        }
        assertThat(types).containsEntry("jdask_scheduler_task_compute_seconds", "summary");
        assertThat(types).containsEntry("jdask_scheduler_transfers_total", "counter");
        assertThat(types).containsEntry("jdask_worker_memory_bytes", "gauge");
        return samples;
    }
}
