package io.jdask.bench;

import static io.jdask.bench.BenchOptions.nonNegative;
import static io.jdask.bench.BenchOptions.positive;

import io.jdask.Client;
import io.jdask.Future;
import io.jdask.LocalCluster;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;

/**
 * End-to-end benchmark of a jdask cluster: the six figures of {@code BENCHMARKS.md} ("Futures on a local cluster"),
 * measured against a {@link LocalCluster} of 2 worker processes with 1 thread each, as Dask's
 * {@code LocalCluster(n_workers=2, threads_per_worker=1, processes=True)} in {@code dask/cluster_bench.py}.
 *
 * <pre>
 *   java -cp jdask-bench/target/benchmarks.jar io.jdask.bench.ClusterBench [options]
 *   jdask-bench/run-cluster-bench.sh       (builds, runs this and Dask's script, prints the comparison table)
 * </pre>
 *
 * <p>Design note. Each figure is a workload of {@link ClusterWorkloads} (the smoke test runs the same code). A figure
 * runs untimed warm-up repetitions (JIT warm-up of the client, scheduler and workers: at least {@code --warmup} of them
 * and at least {@code --warmup-seconds}), then {@code --reps} timed ones, and prints the median, min and max over the
 * timed repetitions as one line, with the first (cold) warm-up repetition's figure as {@code first=}:
 *
 * <pre>
 *   RESULT figure=submit_gather unit=tasks/s median=12000 min=11000 max=12500 reps=5 n=10000 first=3000
 * </pre>
 *
 * Lines starting with {@code #} are comments. Results are checked after each repetition, outside the timed region;
 * a wrong value stops the run. Futures are released after each repetition, untimed, and a short untimed
 * round trip follows so that releasing one repetition's futures overlaps the next as little as it can.
 *
 * <p>Start-up is timed from {@code LocalCluster.builder()...build()} (which returns once the workers have joined)
 * to a connected {@code Client}, on fresh clusters started after the other figures; the very first start in this
 * JVM, which also loads the runtime's classes, is printed as a comment.
 *
 * <p>{@code --profile-seconds S} repeats the selected figures (after their warm-up) for about S seconds and prints,
 * instead of figures, the CPU time per task of every thread group of the three JVMs ({@link ThreadCpu}); it also
 * gives a JFR recording something steady to sample (see {@code run-cluster-bench.sh profile}).
 */
public final class ClusterBench {

    /** The figures, in the order they run. */
    static final List<String> FIGURES = List.of("submit", "map", "roundtrip", "chain", "scatter", "gather", "startup");

    /** Futures released at once between repetitions (see {@code settle}). */
    static final int RELEASE_BATCH = 200;

    private ClusterBench() {}

    /** The options; defaults are the sizes of the brief. */
    static final class Options {
        int workers = 2;
        int threadsPerWorker = 1;
        boolean processes = true;
        /** Mutual TLS on every connection of the cluster ({@code Security.temporary()}). */
        boolean tls = false;

        int warmup = 30;
        double warmupSeconds = 10;
        int reps = 5;
        int tasks = 10_000;
        int roundTrips = 1_000;
        int chain = 1_000;
        int bytes = 100_000_000;
        int startups = 5;
        double profileSeconds = 0;
        Set<String> only = new LinkedHashSet<>(FIGURES);

        static Options parse(String... args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("--in-jvm")) {
                    o.processes = false;
                    continue;
                }
                if (a.equals("--tls")) {
                    o.tls = true;
                    continue;
                }
                if (a.equals("-h") || a.equals("--help")) throw new IllegalArgumentException(usage());
                if (i + 1 >= args.length) throw new IllegalArgumentException(a + " needs a value\n" + usage());
                String v = args[++i];
                switch (a) {
                    case "--workers" -> o.workers = positive(a, v);
                    case "--threads-per-worker" -> o.threadsPerWorker = positive(a, v);
                    case "--warmup" -> o.warmup = nonNegative(a, v);
                    case "--warmup-seconds" -> o.warmupSeconds = Double.parseDouble(v);
                    case "--reps" -> o.reps = positive(a, v);
                    case "--tasks" -> o.tasks = positive(a, v);
                    case "--round-trips" -> o.roundTrips = positive(a, v);
                    case "--chain" -> o.chain = positive(a, v);
                    case "--bytes" -> o.bytes = positive(a, v);
                    case "--startups" -> o.startups = positive(a, v);
                    case "--profile-seconds" -> o.profileSeconds = Double.parseDouble(v);
                    case "--only" -> {
                        o.only = new LinkedHashSet<>();
                        for (String f : v.split(",")) {
                            if (!FIGURES.contains(f)) {
                                throw new IllegalArgumentException("--only: unknown figure '" + f
                                        + "'; the figures are " + String.join(",", FIGURES));
                            }
                            o.only.add(f);
                        }
                    }
                    default -> throw new IllegalArgumentException("unknown option " + a + "\n" + usage());
                }
            }
            return o;
        }

        static String usage() {
            return """
                    usage: ClusterBench [--workers 2] [--threads-per-worker 1] [--warmup 30] [--warmup-seconds 10]
                                        [--reps 5]
                                        [--tasks 10000] [--round-trips 1000] [--chain 1000] [--bytes 100000000]
                                        [--startups 5] [--only submit,map,roundtrip,chain,scatter,gather,startup]
                                        [--profile-seconds S] [--in-jvm] [--tls]""";
        }
    }

    public static void main(String[] args) {
        ClusterWorkloads.quietLogs();
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        run(o, System.out::println);
    }

    /** Runs the selected figures, sending each output line to {@code out}. */
    static void run(Options o, Consumer<String> out) {
        out.accept(String.format(
                Locale.ROOT,
                "# jdask ClusterBench: java %s, %d cores, LocalCluster workers=%d threadsPerWorker=%d processes=%s tls=%s"
                        + " client_direct=%s, "
                        + "warm-up of at least %d repetitions and %.0f s per figure, then %d timed repetitions "
                        + "(median, min, max; first= is the figure's first, cold, repetition)",
                Runtime.version(),
                Runtime.getRuntime().availableProcessors(),
                o.workers,
                o.threadsPerWorker,
                o.processes,
                o.tls,
                io.jdask.Settings.current().get(io.jdask.Settings.CLIENT_DIRECT),
                o.warmup,
                o.warmupSeconds,
                o.reps));
        long t0 = System.nanoTime();
        try (LocalCluster cluster = cluster(o);
                Client client = Client.connect(cluster)) {
            out.accept(String.format(
                    Locale.ROOT,
                    "# first start in this JVM (cold classes): %.3f s, workers %s",
                    (System.nanoTime() - t0) / 1e9,
                    cluster.workerAddresses()));
            Bench b = new Bench(o, client, out);
            if (o.profileSeconds > 0) {
                b.profile();
                return;
            }
            for (String f : o.only) if (!f.equals("startup")) b.figure(f);
        }
        if (o.profileSeconds <= 0 && o.only.contains("startup")) startup(o, out);
    }

    static LocalCluster cluster(Options o) {
        return LocalCluster.builder()
                .workers(o.workers)
                .threadsPerWorker(o.threadsPerWorker)
                .processes(o.processes)
                .security(o.tls ? io.jdask.Security.temporary() : null)
                .build();
    }

    /** Figure 6: fresh clusters, from the builder to a connected client. */
    static void startup(Options o, Consumer<String> out) {
        double[] seconds = new double[o.startups];
        for (int r = 0; r < o.startups; r++) {
            long start = System.nanoTime();
            LocalCluster cluster = cluster(o);
            Client client = Client.connect(cluster);
            seconds[r] = (System.nanoTime() - start) / 1e9;
            try {
                if (cluster.workerAddresses().size() != o.workers) {
                    throw new IllegalStateException(
                            "started with " + cluster.workerAddresses().size() + " workers");
                }
                // The cluster must work, not only exist.
                long v = client.submit(ClusterWorkloads::inc, 41L).result();
                if (v != 42) throw new IllegalStateException("inc(41) returned " + v + " on a fresh cluster");
            } finally {
                client.close();
                cluster.close();
            }
        }
        out.accept(line("startup", "s", seconds, "fresh_starts=" + o.startups));
    }

    /** The figures that run on one cluster. */
    private static final class Bench {
        private final Options o;
        private final Client client;
        private final Consumer<String> out;

        Bench(Options o, Client client, Consumer<String> out) {
            this.o = o;
            this.client = client;
            this.out = out;
        }

        void figure(String name) {
            switch (name) {
                case "submit" ->
                    out.accept(repeat(() -> o.tasks / (submitOnce() / 1e9))
                            .line(0, "submit_gather", "tasks/s", "n=" + o.tasks));
                case "map" ->
                    out.accept(
                            repeat(() -> o.tasks / (mapOnce() / 1e9)).line(0, "map_gather", "tasks/s", "n=" + o.tasks));
                case "roundtrip" -> {
                    Samples s = repeat(() -> {
                        long[] nanos = roundTripsOnce();
                        Arrays.sort(nanos);
                        return new double[] {percentile(nanos, 50) / 1e3, percentile(nanos, 99) / 1e3};
                    });
                    out.accept(s.line(0, "roundtrip_median", "us", "n=" + o.roundTrips));
                    out.accept(s.line(1, "roundtrip_p99", "us", "n=" + o.roundTrips));
                }
                case "chain" ->
                    out.accept(repeat(() -> chainOnce() / 1e3 / o.chain).line(0, "chain", "us/task", "n=" + o.chain));
                case "scatter" -> {
                    byte[] data = new byte[o.bytes];
                    ClusterWorkloads.fill(data, 7);
                    out.accept(repeat(() -> o.bytes / (double) scatterOnce(data))
                            .line(0, "scatter", "GB/s", "bytes=" + o.bytes));
                }
                case "gather" -> {
                    int[] seed = {0};
                    out.accept(repeat(() -> o.bytes / (double) gatherOnce(seed[0]++))
                            .line(0, "gather", "GB/s", "bytes=" + o.bytes));
                }
                default -> throw new IllegalArgumentException("not a cluster figure: " + name);
            }
        }

        /**
         * Runs the selected figures {@code --warmup} times, then repeats them for about {@code --profile-seconds}
         * and prints the CPU time per task of each thread group of the client, scheduler and worker JVMs over that
         * window ({@link ThreadCpu}): lines starting with {@code CPU} or {@code #}, no {@code RESULT}s.
         */
        void profile() {
            byte[] data = o.only.contains("scatter") ? new byte[o.bytes] : null;
            for (int w = 0; w < o.warmup; w++) profileRound(data, w);
            ThreadCpu.Snapshot before = ThreadCpu.take();
            long startMillis = System.currentTimeMillis();
            long start = System.nanoTime();
            long end = start + (long) (o.profileSeconds * 1e9);
            long rounds = 0, tasks = 0;
            while (System.nanoTime() < end) tasks += profileRound(data, (int) rounds++);
            double wall = (System.nanoTime() - start) / 1e9;
            ThreadCpu.Snapshot window = ThreadCpu.take().minus(before);
            out.accept("# profiled " + rounds + " rounds of " + o.only + " after " + o.warmup + " warm-up rounds");
            out.accept("# window: start=" + startMillis + " end=" + System.currentTimeMillis() + " (epoch ms)");
            ThreadCpu.report(window, tasks, wall).forEach(out);
        }

        /** One round of the selected figures; returns the tasks it ran (the settling round trips included). */
        private long profileRound(byte[] data, int seed) {
            long tasks = 0;
            for (String f : o.only) {
                switch (f) {
                    case "submit" -> {
                        submitOnce();
                        tasks += o.tasks + settleTrips(o.tasks);
                    }
                    case "map" -> {
                        mapOnce();
                        tasks += o.tasks + settleTrips(o.tasks);
                    }
                    case "roundtrip" -> {
                        roundTripsOnce();
                        tasks += o.roundTrips + settleTrips(o.roundTrips);
                    }
                    case "chain" -> {
                        chainOnce();
                        tasks += o.chain + settleTrips(o.chain);
                    }
                    case "scatter" -> {
                        scatterOnce(data);
                        tasks += 1 + settleTrips(1);
                    }
                    case "gather" -> {
                        gatherOnce(seed);
                        tasks += 1 + settleTrips(1);
                    }
                    default -> {} // start-up is not profiled here
                }
            }
            return tasks;
        }

        private static long settleTrips(int futures) {
            return (futures + RELEASE_BATCH - 1) / RELEASE_BATCH;
        }

        private Samples repeat(java.util.function.DoubleSupplier rep) {
            return repeat(() -> new double[] {rep.getAsDouble()});
        }

        /**
         * Warms up, then runs {@code --reps} recorded repetitions. The warm-up lasts at least {@code --warmup}
         * repetitions and at least {@code --warmup-seconds}: the three JVMs keep compiling (and recompiling, after
         * an uncommon trap) the loop methods for 10-15 s and over tens of repetitions (map_gather measured 20-35k
         * tasks/s after 10 s of warm-up and 76k after 40 repetitions), and figures taken before that measure the
         * compiler more than jdask. The first warm-up repetition is kept apart as the cold figure.
         */
        private Samples repeat(java.util.function.Supplier<double[]> rep) {
            long warmEnd = System.nanoTime() + (long) (o.warmupSeconds * 1e9);
            double[] first = null;
            for (int w = 0; w < MAX_WARMUP_REPS && (w < o.warmup || System.nanoTime() < warmEnd); w++) {
                double[] v = rep.get();
                if (first == null) first = v;
            }
            double[][] timed = new double[o.reps][];
            for (int r = 0; r < o.reps; r++) timed[r] = rep.get();
            return new Samples(first, timed);
        }

        long submitOnce() {
            return timedNoops(ClusterWorkloads::submitThenGather);
        }

        long mapOnce() {
            return timedNoops(ClusterWorkloads::mapThenGather);
        }

        /** Times one run of {@code --tasks} no-op tasks, then checks the values and releases the futures. */
        private long timedNoops(
                java.util.function.BiFunction<Client, Integer, ClusterWorkloads.Result<List<Long>>> workload) {
            long start = System.nanoTime();
            var res = workload.apply(client, o.tasks);
            long nanos = System.nanoTime() - start;
            ClusterWorkloads.checkIdentity(res.value(), o.tasks);
            settle(res.futures());
            return nanos;
        }

        long[] roundTripsOnce() {
            var res = ClusterWorkloads.roundTrips(client, o.roundTrips);
            settle(res.futures());
            return res.value();
        }

        long chainOnce() {
            long start = System.nanoTime();
            var res = ClusterWorkloads.chain(client, o.chain);
            long nanos = System.nanoTime() - start;
            if (res.value() != o.chain) {
                throw new IllegalStateException("a chain of " + o.chain + " incs from 0 returned " + res.value());
            }
            settle(res.futures());
            return nanos;
        }

        long scatterOnce(byte[] data) {
            long start = System.nanoTime();
            var res = ClusterWorkloads.scatter(client, data);
            long nanos = System.nanoTime() - start;
            ClusterWorkloads.checkScattered(client, res.value(), data);
            settle(res.futures());
            return nanos;
        }

        long gatherOnce(int seed) {
            Future<byte[]> f = ClusterWorkloads.makeRemoteBytes(client, o.bytes, seed);
            long start = System.nanoTime();
            byte[] got = ClusterWorkloads.gatherOne(client, f);
            long nanos = System.nanoTime() - start;
            ClusterWorkloads.checkFilled(got, o.bytes, seed);
            settle(List.of(f));
            return nanos;
        }

        /**
         * Releases a repetition's futures in batches of {@link #RELEASE_BATCH}, each followed by one round trip, so
         * the cluster has handled the releases before the next repetition starts.
         *
         * <p>Why batches: so that little forgetting is still under way when the next repetition's clock starts. The
         * scheduler reads one client's messages in order, so once a round trip's result is back it has handled the
         * releases sent before it. Releasing 10,000 futures and waiting once would hand each worker one
         * {@code FreeKeys} of thousands of keys just before the next repetition; in batches, the work is spread over
         * the round trips. (Not a workaround for the worker's per-event loop guard: its cap is taken from the task
         * count at the start of the event, so a worker forgets thousands of keys in one event.)
         * Why from the last future backwards: a worker keeps a released key until its dependents are forgotten,
         * so releasing a chain from its head would keep the whole chain until the batch that releases its tail.
         */
        private void settle(List<? extends Future<?>> futures) {
            for (int to = futures.size(); to > 0; to -= RELEASE_BATCH) {
                ClusterWorkloads.release(futures.subList(Math.max(0, to - RELEASE_BATCH), to));
                Future<Long> f = client.submit(ClusterWorkloads::noop, -1L);
                f.result();
                f.release();
            }
        }
    }

    /** Warm-up repetitions at most, however short a repetition is. */
    static final int MAX_WARMUP_REPS = 500;

    /**
     * What a figure's repetitions gave: each repetition yields one or more values (the round trip's median and p99);
     * {@code first} is the first warm-up repetition's (null without warm-up).
     */
    record Samples(double[] first, double[][] timed) {
        String line(int column, String figure, String unit, String extra) {
            double[] values = Arrays.stream(timed).mapToDouble(v -> v[column]).toArray();
            return ClusterBench.line(
                    figure, unit, values, extra + (first == null ? "" : " first=" + num(first[column])));
        }
    }

    /** The {@code p}-th percentile (nearest rank) of sorted values. */
    static long percentile(long[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /** The median of values (the mean of the middle two for an even count). */
    static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    /** One parseable result line. */
    static String line(String figure, String unit, double[] values, String extra) {
        double min = Arrays.stream(values).min().orElse(Double.NaN);
        double max = Arrays.stream(values).max().orElse(Double.NaN);
        String line = String.format(
                Locale.ROOT,
                "RESULT figure=%s unit=%s median=%s min=%s max=%s reps=%d %s",
                figure,
                unit,
                num(median(values)),
                num(min),
                num(max),
                values.length,
                extra);
        if (io.jdask.Settings.current().get(io.jdask.Settings.BENCH_VALUES)) {
            StringBuilder all = new StringBuilder();
            for (double v : values) all.append(all.isEmpty() ? "" : ",").append(num(v));
            line += " values=" + all;
        }
        return line;
    }

    private static String num(double v) {
        return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.4g", v);
    }
}
