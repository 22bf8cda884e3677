package io.jdask.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.jdask.Future;
import io.jdask.client.ClusterExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Smoke test of {@link ClusterBench}: its workloads compute the right values (so no figure times a wrong or partial
 * computation), releasing them leaves nothing on the cluster, and a whole run with tiny sizes prints one parseable
 * line per figure. Workers run in this JVM (real TCP between them) to start fast. No timing is asserted.
 */
class ClusterBenchTest {
    @RegisterExtension
    static final ClusterExtension cluster = ClusterExtension.inJvm(2);

    @Test
    void submitAndMapGatherEveryValueInOrder() {
        var submitted = ClusterWorkloads.submitThenGather(cluster.client(), 50);
        assertThat(submitted.value())
                .containsExactlyElementsOf(LongStream.range(0, 50).boxed().toList());
        assertThat(submitted.futures()).hasSize(50);
        var mapped = ClusterWorkloads.mapThenGather(cluster.client(), 50);
        assertThat(mapped.value())
                .containsExactlyElementsOf(LongStream.range(0, 50).boxed().toList());
        // Every task got its own key: nothing was merged away, so 50 tasks really ran.
        assertThat(mapped.futures().stream().map(Future::key).distinct()).hasSize(50);
        ClusterWorkloads.release(submitted.futures());
        ClusterWorkloads.release(mapped.futures());
    }

    @Test
    void roundTripsTimeEveryCallAndChainRunsEveryLink() {
        var trips = ClusterWorkloads.roundTrips(cluster.client(), 20);
        assertThat(trips.value()).hasSize(20);
        assertThat(Arrays.stream(trips.value()).min().orElseThrow()).isPositive();
        var chain = ClusterWorkloads.chain(cluster.client(), 25);
        assertThat(chain.value()).isEqualTo(25L);
        assertThat(chain.futures()).hasSize(25);
        ClusterWorkloads.release(trips.futures());
        ClusterWorkloads.release(chain.futures());
    }

    @Test
    void scatterAndGatherMoveBytesWhole() {
        byte[] data = new byte[100_000];
        new Random(42).nextBytes(data);
        var scattered = ClusterWorkloads.scatter(cluster.client(), data);
        ClusterWorkloads.checkScattered(cluster.client(), scattered.value(), data);
        // The check is sensitive to a single changed byte.
        byte[] other = data.clone();
        other[77_777]++;
        assertThatThrownBy(() -> ClusterWorkloads.checkScattered(cluster.client(), scattered.value(), other))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("checksum");

        Future<byte[]> remote = ClusterWorkloads.makeRemoteBytes(cluster.client(), 300_000, 5);
        assertThat(remote.done()).isTrue();
        byte[] got = ClusterWorkloads.gatherOne(cluster.client(), remote);
        ClusterWorkloads.checkFilled(got, 300_000, 5);
        assertThatThrownBy(() -> ClusterWorkloads.checkFilled(got, 300_000, 6))
                .isInstanceOf(IllegalStateException.class);
        ClusterWorkloads.release(List.of(scattered.value(), remote));
    }

    @Test
    void checksAgainstWrongResultsFail() {
        assertThatThrownBy(() -> ClusterWorkloads.checkIdentity(List.of(0L, 2L, 1L), 3))
                .hasMessageContaining("value 1 is 2");
        assertThatThrownBy(() -> ClusterWorkloads.checkIdentity(List.of(0L, 1L), 3))
                .hasMessageContaining("2 values");
        // filled() differs per seed and per position, so a shifted or truncated copy fails the check.
        assertThat(ClusterWorkloads.filled(5000, 1)).isNotEqualTo(ClusterWorkloads.filled(5000, 2));
        byte[] b = ClusterWorkloads.filled(5000, 1);
        assertThat(ClusterWorkloads.checksum(Arrays.copyOfRange(b, 1, 5000)))
                .isNotEqualTo(ClusterWorkloads.checksum(Arrays.copyOfRange(b, 0, 4999)));
    }

    @Test
    void aWholeRunPrintsEveryFigureAndLeavesNoKeysBehind() throws Exception {
        var o = ClusterBench.Options.parse(
                "--in-jvm",
                "--warmup",
                "1",
                "--warmup-seconds",
                "0",
                "--reps",
                "2",
                "--tasks",
                "450",
                "--round-trips",
                "30",
                "--chain",
                "450",
                "--bytes",
                "200000",
                "--startups",
                "1");
        List<String> lines = new ArrayList<>();
        ClusterBench.run(o, lines::add);

        List<String> results =
                lines.stream().filter(l -> l.startsWith("RESULT ")).toList();
        assertThat(results)
                .extracting(l -> field(l, "figure"))
                .containsExactly(
                        "submit_gather",
                        "map_gather",
                        "roundtrip_median",
                        "roundtrip_p99",
                        "chain",
                        "scatter",
                        "gather",
                        "startup");
        for (String l : results) {
            double median = Double.parseDouble(field(l, "median"));
            assertThat(median).as(l).isPositive().isFinite();
            assertThat(Double.parseDouble(field(l, "min"))).as(l).isLessThanOrEqualTo(median);
            assertThat(Double.parseDouble(field(l, "max"))).as(l).isGreaterThanOrEqualTo(median);
            assertThat(field(l, "reps")).as(l).isEqualTo(l.contains("startup") ? "1" : "2");
            if (!l.contains("startup")) {
                assertThat(Double.parseDouble(field(l, "first")))
                        .as("the cold figure of " + l)
                        .isPositive()
                        .isFinite();
            }
        }
    }

    @Test
    void releasingInBatchesFromTheTailLeavesTheClusterEmpty() throws Exception {
        // A chain longer than the release batch: released tail-first, in batches, every key is forgotten.
        var chain = ClusterWorkloads.chain(cluster.client(), 3 * ClusterBench.RELEASE_BATCH + 17);
        assertThat(chain.value()).isEqualTo(3L * ClusterBench.RELEASE_BATCH + 17);
        List<? extends Future<?>> fs = chain.futures();
        List<String> keys = fs.stream().map(Future::key).toList();
        for (int to = fs.size(); to > 0; to -= ClusterBench.RELEASE_BATCH) {
            ClusterWorkloads.release(fs.subList(Math.max(0, to - ClusterBench.RELEASE_BATCH), to));
            Future<Long> trip = cluster.client().submit(ClusterWorkloads::noop, 1L);
            assertThat(trip.result()).isEqualTo(1L);
            trip.release();
        }
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(heldOf(keys)).isEmpty());
        // Both workers are still there (none closed on a too-big release).
        assertThat(cluster.client().nthreads()).hasSize(2);
    }

    @Test
    void optionsRejectUnknownFiguresAndStatisticsAreNearestRank() {
        assertThatThrownBy(() -> ClusterBench.Options.parse("--only", "submit,warp"))
                .hasMessageContaining("'warp'")
                .hasMessageContaining("submit,map,roundtrip");
        assertThatThrownBy(() -> ClusterBench.Options.parse("--reps", "0")).hasMessageContaining(">= 1");
        long[] sorted = LongStream.rangeClosed(1, 1000).toArray();
        assertThat(ClusterBench.percentile(sorted, 50)).isEqualTo(500);
        assertThat(ClusterBench.percentile(sorted, 99)).isEqualTo(990);
        assertThat(ClusterBench.percentile(new long[] {7}, 99)).isEqualTo(7);
        assertThat(ClusterBench.median(new double[] {3, 1, 2})).isEqualTo(2);
        assertThat(ClusterBench.median(new double[] {4, 1, 3, 2})).isEqualTo(2.5);
        assertThat(ClusterBench.line("x", "s", new double[] {2, 1, 3}, "n=1"))
                .isEqualTo("RESULT figure=x unit=s median=2.000 min=1.000 max=3.000 reps=3 n=1");
    }

    /** Which of {@code keys} the workers hold now. */
    private static List<String> heldOf(List<String> keys) {
        List<String> held = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : cluster.client().hasWhat().entrySet()) held.addAll(e.getValue());
        held.retainAll(keys);
        return held;
    }

    private static String field(String line, String name) {
        for (String part : line.split(" ")) {
            if (part.startsWith(name + "=")) return part.substring(name.length() + 1);
        }
        throw new AssertionError("no " + name + "= in " + line);
    }
}
