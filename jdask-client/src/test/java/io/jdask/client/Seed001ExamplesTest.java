package io.jdask.client;

import static io.jdask.Dask.all;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jdask.Future;
import io.jdask.Futures;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Seed 001's examples (and seed 000's timing demo) on worker processes: 2 workers x 2 threads. */
class Seed001ExamplesTest {
    @RegisterExtension
    static final ClusterExtension cluster = ClusterExtension.processes(2).threadsPerWorker(2);

    // ---- "Submitting tasks" ----

    @Test
    void basicSubmitMultipleTasksAndMap() {
        assertThat(cluster.client().submit(Ops::add, 1, 2).result()).isEqualTo(3);
        List<Future<Integer>> futures = new ArrayList<>();
        for (int i = 0; i < 10; i++) futures.add(cluster.client().submit(Ops::add, i, i));
        assertThat(cluster.client().gather(futures)).containsExactly(0, 2, 4, 6, 8, 10, 12, 14, 16, 18);
        List<Future<Integer>> squares = cluster.client()
                .map(
                        Ops::square,
                        java.util.stream.IntStream.range(0, 100).boxed().toList());
        assertThat(cluster.client().gather(squares).get(99)).isEqualTo(9801);
    }

    // ---- "Task dependencies" ----

    @Test
    void dependencyChainGives113() {
        Future<Integer> f1 = cluster.client().submit(Ops::add, 1, 2);
        Future<Integer> f2 = cluster.client().submit(Ops::add, f1, 10);
        Future<Integer> f3 = cluster.client().submit(Ops::add, f2, 100);
        assertThat(f3.result()).isEqualTo(113);
    }

    // ---- "Error handling" ----

    @Test
    void errorHandling() {
        Future<Integer> future = cluster.client().submit(Ops::mightFail, -5);
        try {
            future.result();
        } catch (IllegalArgumentException e) {
            assertThat(e).hasMessage("negative input: -5");
            assertThat(future.traceback()).contains("mightFail");
            return;
        }
        throw new AssertionError("result() should have thrown");
    }

    // ---- "Data movement": scatter once, use in many tasks ----

    @Test
    void scatterReuse() {
        double[] big = new double[1_000_000];
        java.util.Arrays.fill(big, 0.5);
        Future<double[]> data = cluster.client().scatter(big);
        List<Future<Double>> fs = new ArrayList<>();
        for (int i = 0; i < 20; i++) fs.add(cluster.client().submit(Ops::weightedSum, data, i));
        List<Double> rs = cluster.client().gather(fs);
        assertThat(rs.get(3)).isEqualTo(1_500_000.0);
    }

    // ---- "Common patterns" ----

    @Test
    void pipelineWithDependencies() {
        List<String> files = List.of("a.csv", "b.csv", "c.csv");
        List<Future<String>> loaded = new ArrayList<>();
        for (String f : files) loaded.add(cluster.client().submit(Patterns::load, f));
        List<Future<Integer>> processed = new ArrayList<>();
        for (Future<String> f : loaded) processed.add(cluster.client().submit(Patterns::process, f));
        Future<Integer> total = cluster.client().submit(Patterns::aggregate, all(processed));
        assertThat(total.result()).isEqualTo("data:a.csv".length() + "data:b.csv".length() + "data:c.csv".length());
    }

    @Test
    void iterativeAlgorithmWithAConvergenceCheck() {
        Future<double[]> state = cluster.client().scatter(new double[] {0.0, 100.0});
        int iterations = 0;
        while (iterations < 100) {
            state = cluster.client().submit(Patterns::update, state);
            Future<Boolean> converged = cluster.client().submit(Patterns::converged, state);
            iterations++;
            if (converged.result()) break;
        }
        assertThat(iterations).isBetween(5, 99);
        assertThat(state.result()[0]).isCloseTo(state.result()[1], org.assertj.core.data.Offset.offset(1e-3));
    }

    @Test
    void parameterSweepAsCompleted() {
        List<Future<Double>> futures = new ArrayList<>();
        for (double a : new double[] {0.1, 0.5, 0.9}) {
            for (int b : new int[] {1, 2, 3}) {
                for (boolean c : new boolean[] {true, false})
                    futures.add(cluster.client().submit(Patterns::simulate, a, b, c));
            }
        }
        List<Double> seen = new ArrayList<>();
        for (Future<Double> f : Futures.asCompleted(futures)) seen.add(f.result());
        assertThat(seen).hasSize(18);
        assertThat(seen.stream().mapToDouble(Double::doubleValue).max().orElseThrow())
                .isEqualTo(0.9 * 3 * 2);
    }

    @Test
    void aFailingTaskNeverTakesDownItsWorker() {
        int workersBefore = cluster.client().nthreads().size();
        for (int i = 0; i < 5; i++) {
            Future<Integer> f = cluster.client().submit(Ops::mightFail, -i - 1);
            assertThatThrownBy(f::result).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(cluster.client().nthreads()).hasSize(workersBefore);
        assertThat(cluster.client().submit(Ops::inc, 1).result()).isEqualTo(2);
    }

    // ---- seed 000: 8 tasks of 0.5 s on 2 workers x 2 threads run 4 at a time ----

    @Test
    void eightHalfSecondTasksRunFourAtATime() {
        cluster.client().submit(Patterns::timedSleep, 1).result(); // the function's classes are loaded on a worker
        long submitted = System.nanoTime();
        List<Future<long[]>> fs = new ArrayList<>();
        for (int i = 0; i < 8; i++) fs.add(cluster.client().submit(Patterns::timedSleep, 500));
        List<long[]> spans = cluster.client().gather(fs);
        long wallMillis = (System.nanoTime() - submitted) / 1_000_000;
        // As the user sees it, from the first submit to the gathered results (loose: a loaded machine adds delays).
        assertThat(wallMillis)
                .as("client's wall clock for 8 x 0.5 s on 4 threads")
                .isBetween(950L, 3500L);
        // Count the most tasks running at one instant (epoch millis from the workers' clocks: same machine).
        int most = 0;
        for (long[] s : spans) {
            int running = 0;
            for (long[] t : spans) if (t[0] <= s[0] && s[0] < t[1]) running++;
            most = Math.max(most, running);
        }
        assertThat(most).as("tasks running at once on 4 worker threads").isBetween(3, 4);
        long first = spans.stream().mapToLong(s -> s[0]).min().orElseThrow();
        long last = spans.stream().mapToLong(s -> s[1]).max().orElseThrow();
        assertThat(last - first)
                .as("8 x 0.5 s on 4 threads take about 1 s, not 4 s")
                .isLessThan(2500);
    }

    /** The seed's pattern functions. */
    public static final class Patterns {
        static final ConcurrentHashMap<String, Integer> CALLS = new ConcurrentHashMap<>();

        public static String load(String file) {
            return "data:" + file;
        }

        public static int process(String data) {
            return data.length();
        }

        public static int aggregate(List<Integer> parts) {
            return parts.stream().mapToInt(Integer::intValue).sum();
        }

        public static double[] update(double[] s) {
            return new double[] {(s[0] + s[1]) / 2 - (s[1] - s[0]) / 8, (s[0] + s[1]) / 2 + (s[1] - s[0]) / 8};
        }

        public static boolean converged(double[] s) {
            return Math.abs(s[1] - s[0]) < 1e-3;
        }

        public static double simulate(double a, int b, boolean c) {
            return a * b * (c ? 2 : 1);
        }

        public static long[] timedSleep(int ms) throws InterruptedException {
            long start = System.currentTimeMillis();
            Thread.sleep(ms);
            return new long[] {start, System.currentTimeMillis()};
        }
    }
}
