package io.jdask.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.jdask.Future;
import io.jdask.FutureStatus;
import io.jdask.Profile;
import io.jdask.Progress;
import io.jdask.TaskRecord;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The dashboard, the task stream, the profile and progress bars on a real cluster: two worker processes with
 * small heaps, one thread each, the dashboard on a free port.
 */
class VisibilityTest {
    @RegisterExtension
    static final ClusterExtension cluster =
            ClusterExtension.processes(2).memoryLimit("128MB").dashboardOnFreePort();

    static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final Duration WAIT = Duration.ofSeconds(30);

    /** Spins on the CPU in a method the profile must show. */
    public static int spinInKnownMethod(int millis) {
        long end = System.nanoTime() + millis * 1_000_000L;
        long x = 1;
        while (System.nanoTime() < end) {
            x = x * 6364136223846793005L + 1442695040888963407L;
        }
        return (int) (x & 1);
    }

    public static int failsOnPurpose(int x) {
        throw new IllegalArgumentException("no " + x);
    }

    static String get(String url) throws Exception {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("GET %s: %s", url, r.body()).isEqualTo(200);
        return r.body();
    }

    static String base() {
        String link = cluster.cluster().dashboardLink();
        return link.substring(0, link.length() - "/status".length());
    }

    static long number(String json, String field) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(field) + "\":(\\d+)").matcher(json);
        assertThat(m.find()).as("%s in %s", field, json).isTrue();
        return Long.parseLong(m.group(1));
    }

    @Test
    void linksPointAtTheDashboard() throws Exception {
        assertThat(cluster.cluster().dashboardLink()).matches("http://127\\.0\\.0\\.1:\\d+/status");
        assertThat(cluster.client().dashboardLink()).isEqualTo(cluster.cluster().dashboardLink());
        assertThat(get(cluster.cluster().dashboardLink())).contains("<title>jdask dashboard</title>");
        assertThat(get(base() + "/health")).isEqualTo("ok");
    }

    @Test
    void jsonStatusMatchesTheCluster() throws Exception {
        List<Future<Integer>> futures = cluster.client().map(Ops::square, List.of(1, 2, 3, 4, 5, 6, 7));
        cluster.client().gather(futures);
        String json = await().atMost(WAIT)
                .until(
                        () -> get(base() + "/json/status"),
                        j -> j.contains(
                                "{\"name\":\"square\",\"total\":7,\"waiting\":0,\"processing\":0,\"memory\":7"));
        assertThat(Pattern.compile("\"nthreads\":1").matcher(json).results().count())
                .isEqualTo(2); // two workers
        for (String w : cluster.cluster().workerAddresses()) assertThat(json).contains("\"address\":\"" + w + "\"");
        assertThat(number(json, "clients")).isGreaterThanOrEqualTo(1);
        // held keys over both workers: at least the squares this test holds
        long held = Pattern.compile("\"heldKeys\":(\\d+)")
                .matcher(json)
                .results()
                .mapToLong(r -> Long.parseLong(r.group(1)))
                .sum();
        assertThat(held).isGreaterThanOrEqualTo(7);
        assertThat(get(base() + "/info/workers")).contains("<h2>Workers (2)</h2>");
        futures.forEach(Future::release);
    }

    @Test
    void taskStreamListsEachTaskOnceOnTheWorkerThatRanIt() {
        List<Future<Integer>> futures =
                cluster.client().map(Ops::inc, IntStream.range(100, 110).boxed().toList());
        cluster.client().gather(futures);
        Future<Integer> bad = cluster.client().submit(VisibilityTest::failsOnPurpose, 1);
        assertThatThrownBy(bad::result).isInstanceOf(IllegalArgumentException.class);

        Set<String> keys = futures.stream().map(Future::key).collect(Collectors.toSet());
        List<TaskRecord> stream = cluster.client().taskStream();
        List<TaskRecord> mine =
                stream.stream().filter(r -> keys.contains(r.key())).toList();
        assertThat(mine).hasSize(10);
        assertThat(new HashSet<>(mine.stream().map(TaskRecord::key).toList())).isEqualTo(keys);
        Set<String> workers = new HashSet<>(cluster.cluster().workerAddresses());
        for (TaskRecord r : mine) {
            assertThat(r.functionName()).isEqualTo("inc");
            assertThat(r.status()).isEqualTo(FutureStatus.FINISHED);
            assertThat(r.startMicros()).isLessThanOrEqualTo(r.stopMicros());
            assertThat(r.worker()).isIn(workers);
            assertThat(r.thread()).isZero(); // one thread per worker
        }
        // each on the worker that holds its result
        Map<String, List<String>> whoHas = cluster.client().whoHas(futures);
        for (TaskRecord r : mine) assertThat(whoHas.get(r.key())).contains(r.worker());
        TaskRecord failed = stream.stream()
                .filter(r -> r.key().equals(bad.key()))
                .findFirst()
                .orElseThrow();
        assertThat(failed.status()).isEqualTo(FutureStatus.ERROR);
        assertThat(failed.functionName()).isEqualTo("failsOnPurpose");

        long lastStop = mine.stream().mapToLong(TaskRecord::stopMicros).max().orElseThrow();
        assertThat(cluster.client().taskStream(mine.get(0).stop().plusSeconds(3600)))
                .isEmpty();
        assertThat(cluster.client().taskStream(java.time.Instant.EPOCH.plusNanos(lastStop * 1000)))
                .extracting(TaskRecord::stopMicros)
                .allMatch(s -> s >= lastStop);
    }

    @Test
    void profileShowsTheMethodATaskSpinsIn() {
        List<Future<Integer>> spins = cluster.client().map(VisibilityTest::spinInKnownMethod, List.of(800, 800));
        cluster.client().gather(spins);
        Profile p = cluster.client().profile();
        assertThat(p.contains("VisibilityTest.spinInKnownMethod"))
                .as("profile:%n%s", p.text(60, 0))
                .isTrue();
        // ~1.6 s of spinning sampled every 10 ms on two workers: far more than a handful of samples
        assertThat(p.count("VisibilityTest.spinInKnownMethod")).isGreaterThan(20);
        assertThat(p.children()).extracting(Profile::frame).contains("spinInKnownMethod");
    }

    @Test
    void progressReachesTenOfTen() {
        List<Future<Integer>> futures = cluster.client()
                .map(Ops::slowInc, IntStream.range(0, 10).boxed().toList());
        var bytes = new ByteArrayOutputStream();
        Progress.show(futures, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        String[] frames = out.split("\r");
        assertThat(frames[frames.length - 1]).contains("10/10 done");
        assertThat(futures).allMatch(Future::done);
        assertThat(Progress.text(futures)).contains("10/10 done");
    }
    /** A headless Chromium on the PATH, or null (CI installs Debian's chromium; see .ci/run). */
    static String chromium() {
        for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
            for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
                java.nio.file.Path p = java.nio.file.Path.of(dir, name);
                if (java.nio.file.Files.isExecutable(p)) return p.toString();
            }
        }
        return null;
    }

    public static int triple(int x) {
        return 3 * x;
    }

    @Test
    void theStatusPageDrawsTheClusterInARealBrowser() throws Exception {
        String browser = chromium();
        // In CI (CI=true) a missing browser is a failure, never a quiet skip: .ci/run must provide one.
        assertThat(browser != null || System.getenv("CI") == null)
                .as("CI=true but no chromium on the PATH: .ci/run installs Debian's chromium; see its output")
                .isTrue();
        org.junit.jupiter.api.Assumptions.assumeTrue(
                browser != null, "no chromium on the PATH (apt-get install chromium); .ci/run installs it");
        List<Future<Integer>> fs = cluster.client()
                .map(VisibilityTest::triple, IntStream.range(0, 12).boxed().toList());
        assertThat(cluster.client().gather(fs)).hasSize(12);
        // The browser loads the page, runs its script (which polls /json/status), and prints the resulting DOM.
        Process p = new ProcessBuilder(
                        browser,
                        "--headless",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--virtual-time-budget=3000",
                        "--dump-dom",
                        cluster.client().dashboardLink())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        String dom = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS))
                .as("chromium finished")
                .isTrue();
        assertThat(dom).as("the script reached the scheduler").contains("id=\"conn\" class=\"ok\">live<");
        Matcher row = Pattern.compile("<tr><td>triple</td>.*?<td>(\\d+) / (\\d+)</td></tr>", Pattern.DOTALL)
                .matcher(dom);
        assertThat(row.find()).as("a progress row for triple in: %s", dom).isTrue();
        assertThat(row.group(1)).isEqualTo(row.group(2));
        assertThat(Integer.parseInt(row.group(2))).isGreaterThanOrEqualTo(12);
        for (String worker : cluster.cluster().workerAddresses()) {
            assertThat(dom).as("the workers table lists %s", worker).contains(worker);
        }
        assertThat(dom).as("task stream bars drawn").contains("<rect");
        cluster.client().cancel(fs);
    }
}
