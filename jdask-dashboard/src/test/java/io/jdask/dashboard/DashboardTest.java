package io.jdask.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdask.protocol.SchedulerMsg.TaskStreamEntry;
import io.jdask.scheduler.ClusterSnapshot;
import io.jdask.scheduler.ClusterSnapshot.PrefixProgress;
import io.jdask.scheduler.ClusterSnapshot.WorkerSnapshot;
import io.jdask.scheduler.SchedulerServer;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The dashboard over a real scheduler (no workers) and real HTTP on loopback; rendering tested on fixed snapshots. */
class DashboardTest {
    static SchedulerServer scheduler;
    static Dashboard dashboard;
    static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() {
        scheduler = SchedulerServer.start("tcp://127.0.0.1:0");
        dashboard = Dashboard.start(scheduler, "127.0.0.1", 0);
    }

    @AfterAll
    static void stop() {
        if (dashboard != null) dashboard.close();
        if (scheduler != null) scheduler.close();
    }

    static HttpResponse<String> get(String base, String path) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(base + path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static String base() {
        return "http://127.0.0.1:" + dashboard.port();
    }

    @Test
    void linkIsTheStatusPageAndTheSchedulerTellsClients() {
        assertThat(dashboard.link()).isEqualTo("http://127.0.0.1:" + dashboard.port() + "/status");
        assertThat(scheduler.dashboardLink()).isEqualTo(dashboard.link());
    }

    @Test
    void servesHealthStatusWorkersAndJson() throws Exception {
        assertThat(get(base(), "/health").body()).isEqualTo("ok");
        HttpResponse<String> status = get(base(), "/status");
        assertThat(status.statusCode()).isEqualTo(200);
        assertThat(status.headers().firstValue("Content-Type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("text/html"));
        assertThat(status.body())
                .contains("<svg id=\"stream\"")
                .contains("fetch(\"/json/status\"")
                .doesNotContain("<script src", "<link", "https://", "@import"); // self-contained: works offline
        HttpResponse<String> json = get(base(), "/json/status");
        assertThat(json.statusCode()).isEqualTo(200);
        assertThat(json.body())
                .startsWith("{\"time\":")
                .contains("\"workers\":[]")
                .contains("\"taskCount\":0")
                .contains("\"clients\":0");
        assertThat(get(base(), "/info/workers").body()).contains("<h2>Workers (0)</h2>");
        assertThat(get(base(), "/profile").body()).contains("0 samples of running tasks from 0 workers");
        assertThat(get(base(), "/nothing").statusCode()).isEqualTo(404);
        assertThat(get(base(), "/").statusCode()).isEqualTo(302);
    }

    @Test
    void aTakenPortFallsBackToAFreeOne() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"));
                SchedulerServer other = SchedulerServer.start("tcp://127.0.0.1:0");
                Dashboard d = Dashboard.start(other, "127.0.0.1", taken.getLocalPort())) {
            assertThat(d.port()).isNotEqualTo(taken.getLocalPort()).isPositive();
            assertThat(get("http://127.0.0.1:" + d.port(), "/health").body()).isEqualTo("ok");
            assertThat(other.dashboardLink()).isEqualTo(d.link());
        }
    }

    @Test
    void aStoppedSchedulerGives503AndClosingClearsTheLink() throws Exception {
        SchedulerServer other = SchedulerServer.start("tcp://127.0.0.1:0");
        Dashboard d = Dashboard.start(other, "127.0.0.1", 0);
        other.close();
        HttpResponse<String> r = get("http://127.0.0.1:" + d.port(), "/json/status");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(get("http://127.0.0.1:" + d.port(), "/health").body()).isEqualTo("ok");
        d.close();
        d.close(); // idempotent
        assertThat(other.dashboardLink()).isEmpty();
    }

    static ClusterSnapshot snapshot() {
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("released", 0L);
        counts.put("processing", 1L);
        counts.put("memory", 10L);
        counts.put("erred", 1L);
        return new ClusterSnapshot(
                5_000_000L,
                1,
                List.of(new WorkerSnapshot(
                        "tcp://127.0.0.1:4001", "local-0", 2, 1, 10, 2048, 1L << 28, 2048, 4096, 1L << 20, true)),
                counts,
                List.of(new PrefixProgress("inc", 12, 0, 1, 10, 1)),
                List.of(new TaskStreamEntry("inc-ab\"12", "tcp://127.0.0.1:4001", 1, 100, 250, true)),
                11);
    }

    @Test
    void jsonCarriesEveryPartOfTheSnapshot() {
        String json = StatusJson.render(snapshot());
        assertThat(json)
                .isEqualTo("{\"time\":5000000,\"clients\":1,"
                        + "\"workers\":[{\"address\":\"tcp://127.0.0.1:4001\",\"name\":\"local-0\",\"nthreads\":2,\"processing\":1,"
                        + "\"heldKeys\":10,\"heldBytes\":2048,\"memoryLimit\":268435456,\"managedBytes\":2048,"
                        + "\"spilledBytes\":4096,\"heapBytes\":1048576,\"paused\":true}],"
                        + "\"taskCount\":12,"
                        + "\"tasks\":{\"released\":0,\"processing\":1,\"memory\":10,\"erred\":1},"
                        + "\"progress\":[{\"name\":\"inc\",\"total\":12,\"waiting\":0,\"processing\":1,\"memory\":10,\"erred\":1}],"
                        + "\"taskStream\":{\"total\":11,\"windowMicros\":10000000,\"entries\":[{\"key\":\"inc-ab\\\"12\","
                        + "\"name\":\"inc\",\"worker\":\"tcp://127.0.0.1:4001\",\"thread\":1,\"start\":100,\"stop\":250,"
                        + "\"erred\":true}]}}");
    }

    @Test
    void jsonEscapesControlCharacters() {
        assertThat(new Json().beginArray().value("a\u0001b\n\\").endArray().toString())
                .isEqualTo("[\"a\\u0001b\\n\\\\\"]");
    }

    @Test
    void workersPageListsEveryWorkerEscaped() {
        String html = Pages.workers(snapshot());
        assertThat(html)
                .contains("<td>tcp://127.0.0.1:4001</td><td>local-0</td><td>2</td><td>1</td><td>10</td>"
                        + "<td>2.0 KiB</td><td>256.0 MiB</td>");
        assertThat(Pages.escape("<b>")).isEqualTo("&lt;b&gt;");
    }
}
