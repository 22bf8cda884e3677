package io.jdask.bench;

import io.jdask.Client;
import io.jdask.Future;
import io.jdask.LocalCluster;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Work stealing on a LocalCluster of 2 worker processes × 1 thread (issue 14): how close to the ideal makespan tasks
 * that all take one small value, computed on one worker, finish.
 *
 * <ul>
 *   <li>{@code steal40}: the case. A small value is computed (on whichever worker the scheduler picks, A),
 *       then 40 tasks of 100 ms each take it as input; timed from the first of the 40 submits to the gather's return.
 *       Ideal 2.0 s (20 tasks per thread).
 *   <li>{@code sweep}: an uneven parameter sweep, {@code --sweep-tasks} (80) tasks that take the same small value and
 *       sleep for a duration drawn from a log-normal distribution (median 40 ms, sigma 1, capped at 1 s; seed 42,
 *       so jdask and Dask sleep the same list). Reported as the makespan over its ideal, the larger of half the total
 *       and the longest task (no schedule of 2 threads does better), and in seconds.
 *   <li>{@code skewed}: tasks the scheduler misjudges. Ten tasks that return at once teach it that the function is
 *       quick; then 40 runs of it that sleep 100 ms each take a 32 MB input held by one worker. Believing them short,
 *       the scheduler places all 40 with the input (moving 32 MB looks dearer); only stealing gets the other worker
 *       going. Ideal 2.0 s; without stealing 4 s.
 * </ul>
 *
 * Each repetition uses the same functions (the scheduler keeps what it learned of their durations, as a program
 * running such a loop would), after {@code --warmup} (1) untimed ones; each prints how many tasks ran on each worker
 * as a comment. Dask's side, the same cases: {@code dask/steal_bench.py}.
 *
 * <pre>
 *   java -cp jdask-bench/target/benchmarks.jar io.jdask.bench.StealBench [--reps 5] [--warmup 1] [--sweep-tasks 80]
 *   java -Djdask.scheduler.work-stealing=false -cp ... io.jdask.bench.StealBench      (the same without stealing)
 *   jdask-bench/run-steal-bench.sh          (builds, runs jdask with and without stealing and Dask, one table)
 * </pre>
 */
public final class StealBench {
    private StealBench() {}

    static final int TASKS = 40;
    static final long TASK_MILLIS = 100;

    public static void main(String[] args) throws Exception {
        int reps = 5;
        int warmup = 1;
        int sweepTasks = 80;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--reps" -> reps = BenchOptions.positive("--reps", args[++i]);
                case "--warmup" -> warmup = BenchOptions.nonNegative("--warmup", args[++i]);
                case "--sweep-tasks" -> sweepTasks = BenchOptions.positive("--sweep-tasks", args[++i]);
                case "--print-sweep" -> {
                    // The durations, one per line, for Dask's side to sleep the same list.
                    for (long ms : sweepMillis(sweepTasks, 42)) System.out.println(ms);
                    return;
                }
                default ->
                    throw new IllegalArgumentException("unknown option " + args[i]
                            + "; known: --reps N, --warmup N, --sweep-tasks N, --print-sweep");
            }
        }
        ClusterWorkloads.quietLogs();
        long[] sweep = sweepMillis(sweepTasks, 42);
        String stealing = System.getProperty("jdask.scheduler.work-stealing", "true");
        System.out.printf(
                Locale.ROOT,
                "# StealBench: 2 worker processes x 1 thread, work stealing %s, load average %s%n",
                stealing,
                loadAverage());
        try (LocalCluster cluster = LocalCluster.builder()
                        .workers(2)
                        .threadsPerWorker(1)
                        .processes(true)
                        .dashboardPort(-1)
                        .build();
                Client client = Client.connect(cluster)) {
            double[] steal40 = new double[reps];
            for (int r = -warmup; r < reps; r++) {
                double s = steal40(client);
                if (r >= 0) steal40[r] = s;
            }
            double[] sweepRatio = new double[reps];
            double[] sweepSeconds = new double[reps];
            double ideal = idealMakespanSeconds(sweep);
            for (int r = -warmup; r < reps; r++) {
                double s = sweep(client, sweep);
                if (r >= 0) {
                    sweepSeconds[r] = s;
                    sweepRatio[r] = s / ideal;
                }
            }
            double[] skewed = new double[reps];
            for (int r = -warmup; r < reps; r++) {
                double s = skewed(client);
                if (r >= 0) skewed[r] = s;
            }
            String tag = "stealing=" + stealing;
            System.out.println(ClusterBench.line("steal40", "s", steal40, "ideal=2.0 " + tag));
            System.out.println(ClusterBench.line(
                    "sweep_ratio", "x", sweepRatio, "n=" + sweepTasks + " ideal_s=" + fmt(ideal) + " " + tag));
            System.out.println(ClusterBench.line("sweep", "s", sweepSeconds, "n=" + sweepTasks + " " + tag));
            System.out.println(ClusterBench.line("skewed", "s", skewed, "ideal=2.0 " + tag));
        }
    }

    /** The case: seconds from the first of 40 submits to the gather of all. */
    static double steal40(Client client) {
        Future<Long> small = client.submit(StealWorkloads::small, 7L);
        small.result();
        long start = System.nanoTime();
        var futures = new ArrayList<Future<Long>>(TASKS);
        for (int i = 0; i < TASKS; i++) {
            futures.add(client.submit(StealWorkloads::sleepThenPid, small, TASK_MILLIS, (long) i));
        }
        List<Long> pids = client.gather(futures);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "# steal40 %.3f s, tasks per worker pid %s%n", seconds, perWorker(pids));
        ClusterWorkloads.release(futures);
        return seconds;
    }

    /** The uneven sweep: seconds from the first submit to the gather of all. */
    static double sweep(Client client, long[] millis) {
        Future<Long> small = client.submit(StealWorkloads::small, 11L);
        small.result();
        long start = System.nanoTime();
        var futures = new ArrayList<Future<Long>>(millis.length);
        for (int i = 0; i < millis.length; i++) {
            futures.add(client.submit(StealWorkloads::sleepThenPid, small, millis[i], (long) i));
        }
        List<Long> pids = client.gather(futures);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "# sweep %.3f s, tasks per worker pid %s%n", seconds, perWorker(pids));
        ClusterWorkloads.release(futures);
        return seconds;
    }

    /** The misjudged case: seconds from the first of the 40 slow submits to the gather of all. */
    static double skewed(Client client) {
        Future<byte[]> tiny = client.submit(StealWorkloads::bytes, 1);
        var quick = new ArrayList<Future<Long>>();
        for (int i = 0; i < 10; i++) {
            quick.add(client.submit(StealWorkloads::sleepOnBytes, tiny, 0L, (long) i));
            quick.getLast().result();
        }
        Future<byte[]> big = client.submit(StealWorkloads::bytes, 32 << 20);
        client.submit(StealWorkloads::sizeOf, big).result(); // wait for it without bringing it here
        long start = System.nanoTime();
        var futures = new ArrayList<Future<Long>>(TASKS);
        for (int i = 0; i < TASKS; i++) {
            futures.add(client.submit(StealWorkloads::sleepOnBytes, big, TASK_MILLIS, (long) i));
        }
        List<Long> pids = client.gather(futures);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "# skewed %.3f s, tasks per worker pid %s%n", seconds, perWorker(pids));
        ClusterWorkloads.release(futures);
        ClusterWorkloads.release(quick);
        tiny.release();
        big.release();
        return seconds;
    }

    /** Durations in ms: log-normal with median 40 ms and sigma 1, capped at 1 s, from a seeded generator. */
    static long[] sweepMillis(int n, long seed) {
        var rnd = new Random(seed);
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = Math.min(1000, Math.max(1, Math.round(40 * Math.exp(rnd.nextGaussian()))));
        }
        return out;
    }

    /** The larger of half the total and the longest task: a lower bound for any schedule on 2 threads. */
    static double idealMakespanSeconds(long[] millis) {
        long total = Arrays.stream(millis).sum();
        long longest = Arrays.stream(millis).max().orElse(0);
        return Math.max(total / 2.0, longest) / 1000.0;
    }

    private static Map<Long, Integer> perWorker(List<Long> pids) {
        var out = new HashMap<Long, Integer>();
        for (long p : pids) out.merge(p, 1, Integer::sum);
        return out;
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    private static String loadAverage() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg"))
                    .trim();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }
}
