package io.jdask.bench;

import static io.jdask.bench.BenchOptions.nonNegative;
import static io.jdask.bench.BenchOptions.positive;

import io.jdask.Actor;
import io.jdask.Client;
import io.jdask.Future;
import io.jdask.LocalCluster;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Benchmark of a fresh JVM program: what a user's {@code main} sees from its first tasks, with no warm-up at all (the
 * "fresh JVM program" rows of issue 17). Each repetition of each case runs in a new JVM, a child process started
 * with this JVM's flags, which starts {@code LocalCluster.builder().workers(2).threadsPerWorker(1).build()} (worker
 * processes), connects a {@link Client}, and then, with the clock started only once the client is connected:
 *
 * <ul>
 *   <li>{@code burst}: 10,000 {@code submit(noop, i)} and one {@code gather}, from the first submit to the gather's
 *       return ({@code cold_burst}, tasks/s; the same code as ClusterBench's {@code submit_gather});
 *   <li>{@code roundtrip}: the first 1,000 sequential {@code submit(noop, i).result()} (median, p99, and the very
 *       first one alone, µs);
 *   <li>{@code actor}: {@code submitActor(Counter::new).result()} (timed apart, {@code cold_actor_create}), then the
 *       first 1,000 sequential {@code call(Counter::increment).result()} (median, p99, first call alone, µs);
 *   <li>{@code scatter}: the program's first {@code scatter} of a filled 100 MB {@code byte[]} ({@code
 *       cold_scatter_first}, GB/s), then 5 more of fresh 100 MB arrays, each of other content (their median, {@code
 *       cold_scatter_warm}). {@code scatter} returns once the worker that got the array acknowledged storing it, so
 *       each time runs to the value being in a worker's memory. Each array is filled before its clock starts, and
 *       checked on the worker (a checksum task) and released after it stops.
 * </ul>
 *
 * Every child also reports its cluster start ({@code build()} to a connected client, {@code cold_start}), which is not
 * part of the three timed figures. Dask's side is {@code dask/cold_bench.py}, the same cases in fresh Python
 * processes. The cluster keeps the builder's default dashboard, as a user's program (and ClusterBench) does; Dask's
 * side runs without one, as in {@code cluster_bench.py}; {@code --no-dashboard} measures jdask without it too.
 *
 * <pre>
 *   java -cp jdask-bench/target/benchmarks.jar io.jdask.bench.ColdBench [--reps 5] [--only burst,roundtrip,actor]
 *   jdask-bench/run-cold-bench.sh          (builds, runs this and Dask's script, prints the comparison table)
 * </pre>
 *
 * <p>Design note. The parent process only starts children and summarises: for each repetition it runs one child per
 * case (cases interleaved, so a slow spell of the machine spreads over all of them) and prints, per figure, the
 * median, min and max over the repetitions as {@code RESULT figure=cold_burst unit=tasks/s median=...} lines, and
 * each child's own figures as {@code #} comments. A child prints one {@code CHILD name=value ...} line and exits with
 * status 0 only if every value it computed was right (gathered values 0..n-1, each round trip its own argument,
 * the counter counting 1..n, each scattered array whole on its worker); any other status stops the run.
 *
 * <p>Before the repetitions, {@code --prime} untimed children (default 1) start a cluster and run a few tasks:
 * LocalCluster keeps an AOT cache of the worker JVMs per jar and JDK ({@code ~/.cache/jdask/cds}), written after the
 * first workers of a new jar exit, so the first program after a build starts its workers without it and ends by
 * writing it. Priming makes every timed child a user's second-or-later program; {@code --prime 0} measures the
 * first one too. The client JVM (which also runs the scheduler) has no such cache: it is as cold as a user's.
 *
 * <p>{@code --profile} makes each child report, after its result line, what its timed part cost (printed by the parent
 * as {@code #} comments): CPU time per thread group of the client+scheduler JVM and of each worker JVM, the JIT
 * compiler threads included ({@link ThreadCpu}), and the classes loaded, JIT compile time and collections of the
 * client+scheduler JVM, and the window in epoch milliseconds (for {@code jfr_breakdown.py}, as ClusterBench's profile
 * mode). The figures of a profiled run are still printed; they cost a few {@code /proc} reads more.
 *
 * <p>The child's JVM flags are this JVM's (less a debugger agent and what {@code JAVA_TOOL_OPTIONS} adds, which the
 * child gets from the environment anyway), so {@code run-cold-bench.sh} gives it the flags of the cluster bench.
 */
public final class ColdBench {

    /** The cases, in the order each repetition runs them. */
    static final List<String> CASES = List.of("burst", "roundtrip", "actor", "scatter");

    /** The prefix of the one result line a child prints. */
    static final String CHILD_PREFIX = "CHILD ";

    /** How long a child may take before it is killed and the run fails. */
    static final long CHILD_TIMEOUT_SECONDS = 300;

    private ColdBench() {}

    /** The options; defaults are the sizes of issue 17. */
    static final class Options {
        int workers = 2;
        int threadsPerWorker = 1;
        boolean processes = true;
        boolean dashboard = true;
        boolean profile = false;
        int reps = 5;
        int prime = 1;
        int tasks = 10_000;
        int roundTrips = 1_000;
        int actorCalls = 1_000;
        int bytes = 100_000_000;
        int scatters = 5;
        Set<String> only = new LinkedHashSet<>(CASES);
        /** Set in a child: the one case it runs. */
        String child;

        static Options parse(String... args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("--in-jvm")) {
                    o.processes = false;
                    continue;
                }
                if (a.equals("--no-dashboard")) {
                    o.dashboard = false;
                    continue;
                }
                if (a.equals("--profile")) {
                    o.profile = true;
                    continue;
                }
                if (a.equals("-h") || a.equals("--help")) throw new IllegalArgumentException(usage());
                if (i + 1 >= args.length) throw new IllegalArgumentException(a + " needs a value\n" + usage());
                String v = args[++i];
                switch (a) {
                    case "--workers" -> o.workers = positive(a, v);
                    case "--threads-per-worker" -> o.threadsPerWorker = positive(a, v);
                    case "--reps" -> o.reps = positive(a, v);
                    case "--prime" -> o.prime = nonNegative(a, v);
                    case "--tasks" -> o.tasks = positive(a, v);
                    case "--round-trips" -> o.roundTrips = positive(a, v);
                    case "--actor-calls" -> o.actorCalls = positive(a, v);
                    case "--bytes" -> o.bytes = positive(a, v);
                    case "--scatters" -> o.scatters = positive(a, v);
                    case "--only" -> o.only = cases(a, v);
                    case "--child" ->
                        o.child = v.equals("prime") ? v : cases(a, v).iterator().next();
                    default -> throw new IllegalArgumentException("unknown option " + a + "\n" + usage());
                }
            }
            return o;
        }

        private static Set<String> cases(String name, String v) {
            Set<String> s = new LinkedHashSet<>();
            for (String c : v.split(",")) {
                if (!CASES.contains(c)) {
                    throw new IllegalArgumentException(
                            name + ": unknown case '" + c + "'; the cases are " + String.join(",", CASES));
                }
                s.add(c);
            }
            return s;
        }

        /** The options a child of this run gets: the sizes and the cluster, plus the case. */
        List<String> childArgs(String childCase) {
            List<String> a = new ArrayList<>(List.of(
                    "--child",
                    childCase,
                    "--workers",
                    Integer.toString(workers),
                    "--threads-per-worker",
                    Integer.toString(threadsPerWorker),
                    "--tasks",
                    Integer.toString(tasks),
                    "--round-trips",
                    Integer.toString(roundTrips),
                    "--actor-calls",
                    Integer.toString(actorCalls),
                    "--bytes",
                    Integer.toString(bytes),
                    "--scatters",
                    Integer.toString(scatters)));
            if (!processes) a.add("--in-jvm");
            if (!dashboard) a.add("--no-dashboard");
            if (profile) a.add("--profile");
            return a;
        }

        static String usage() {
            return """
                    usage: ColdBench [--reps 5] [--prime 1] [--only burst,roundtrip,actor,scatter]
                                     [--tasks 10000] [--round-trips 1000] [--actor-calls 1000]
                                     [--bytes 100000000] [--scatters 5]
                                     [--workers 2] [--threads-per-worker 1] [--no-dashboard] [--in-jvm]
                                     [--profile]""";
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
        if (o.child != null) {
            // Exit rather than wait for stray non-daemon threads; not halt, so a JFR recording is written on exit.
            child(o).forEach(System.out::println);
            System.exit(0);
        }
        run(o, System.out::println);
    }

    // ------------------------------------------------------------------ the parent

    /** Runs {@code --prime} untimed children, then {@code --reps} children per case; sends output lines to out. */
    static void run(Options o, Consumer<String> out) {
        out.accept(String.format(
                Locale.ROOT,
                "# jdask ColdBench: java %s, %d cores, a fresh JVM per case and repetition, LocalCluster workers=%d "
                        + "threadsPerWorker=%d processes=%s dashboard=%s, %d repetitions (median, min, max), "
                        + "%d priming run(s)",
                Runtime.version(),
                Runtime.getRuntime().availableProcessors(),
                o.workers,
                o.threadsPerWorker,
                o.processes,
                o.dashboard,
                o.reps,
                o.prime));
        for (int p = 0; p < o.prime; p++) {
            Map<String, Double> v = runChild(o, "prime").values();
            out.accept(String.format(Locale.ROOT, "# priming run %d: cluster start %.3f s", p + 1, v.get("start_s")));
        }
        Map<String, List<Double>> values = new LinkedHashMap<>();
        for (int r = 0; r < o.reps; r++) {
            for (String c : o.only) {
                ChildOutput child = runChild(o, c);
                StringBuilder comment = new StringBuilder("# rep " + (r + 1) + " " + c + ":");
                child.values().forEach((k, x) -> {
                    values.computeIfAbsent(k, key -> new ArrayList<>()).add(x);
                    comment.append(' ').append(k).append('=').append(num(x));
                });
                out.accept(comment.toString());
                for (String l : child.other()) out.accept("#   " + (l.startsWith("# ") ? l.substring(2) : l));
            }
        }
        for (Figure f : FIGURES) {
            List<Double> xs = values.get(f.field);
            if (xs == null) continue;
            double[] a = xs.stream().mapToDouble(Double::doubleValue).toArray();
            out.accept(ClusterBench.line(f.name, f.unit, a, f.extra(o)));
        }
    }

    /** A printed figure: the child's field it summarises, its name and unit. */
    private record Figure(String field, String name, String unit, String sizeOption) {
        String extra(Options o) {
            return switch (sizeOption) {
                case "tasks" -> "n=" + o.tasks;
                case "roundTrips" -> "n=" + o.roundTrips;
                case "actorCalls" -> "n=" + o.actorCalls;
                case "bytes" -> "bytes=" + o.bytes;
                case "scatters" -> "bytes=" + o.bytes + " n=" + o.scatters;
                default -> "children=" + o.reps * o.only.size();
            };
        }
    }

    private static final List<Figure> FIGURES = List.of(
            new Figure("burst_tasks_per_s", "cold_burst", "tasks/s", "tasks"),
            new Figure("roundtrip_median_us", "cold_roundtrip_median", "us", "roundTrips"),
            new Figure("roundtrip_p99_us", "cold_roundtrip_p99", "us", "roundTrips"),
            new Figure("roundtrip_first_us", "cold_roundtrip_first", "us", "roundTrips"),
            new Figure("actor_create_ms", "cold_actor_create", "ms", "actorCalls"),
            new Figure("actor_median_us", "cold_actor_median", "us", "actorCalls"),
            new Figure("actor_p99_us", "cold_actor_p99", "us", "actorCalls"),
            new Figure("actor_first_us", "cold_actor_first", "us", "actorCalls"),
            new Figure("scatter_first_gb_per_s", "cold_scatter_first", "GB/s", "bytes"),
            new Figure("scatter_warm_gb_per_s", "cold_scatter_warm", "GB/s", "scatters"),
            new Figure("start_s", "cold_start", "s", ""));

    /** What a child printed: the values of its result line, and its other lines (profile reports). */
    record ChildOutput(Map<String, Double> values, List<String> other) {}

    /** Starts one child JVM for {@code childCase}, waits for it, and returns what it printed. */
    static ChildOutput runChild(Options o, String childCase) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current()
                .info()
                .command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(childJvmFlags(
                ManagementFactory.getRuntimeMXBean().getInputArguments(), System.getenv("JAVA_TOOL_OPTIONS")));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(ColdBench.class.getName());
        cmd.addAll(o.childArgs(childCase));
        Path stdout = null;
        Process p = null;
        try {
            stdout = Files.createTempFile("jdask-cold-", ".txt");
            p = new ProcessBuilder(cmd)
                    .redirectOutput(stdout.toFile())
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            if (!p.waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the " + childCase + " child (pid " + p.pid() + ") took more than "
                        + CHILD_TIMEOUT_SECONDS + " s; killed it. Command: " + String.join(" ", cmd));
            }
            List<String> lines = Files.readAllLines(stdout, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IllegalStateException("the " + childCase + " child exited with status " + p.exitValue()
                        + " (its errors are above); its output: " + lines + "; command: " + String.join(" ", cmd));
            }
            return new ChildOutput(
                    parseChildLine(lines, childCase),
                    lines.stream().filter(l -> !l.startsWith(CHILD_PREFIX)).toList());
        } catch (IOException e) {
            throw new IllegalStateException("cannot run the " + childCase + " child: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the " + childCase + " child ran", e);
        } finally {
            if (p != null && p.isAlive()) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
            if (stdout != null) stdout.toFile().delete();
        }
    }

    /**
     * The JVM flags a child gets: this JVM's, less a debugger agent (its port is taken) and the flags that came from
     * {@code JAVA_TOOL_OPTIONS} (the child reads that variable itself; twice would start e.g. two recordings).
     */
    static List<String> childJvmFlags(List<String> inputArguments, String javaToolOptions) {
        List<String> fromEnv = javaToolOptions == null || javaToolOptions.isBlank()
                ? List.of()
                : Arrays.asList(javaToolOptions.trim().split("\\s+"));
        List<String> flags = new ArrayList<>();
        for (String a : inputArguments) {
            if (a.startsWith("-agentlib:jdwp") || fromEnv.contains(a)) continue;
            flags.add(a);
        }
        return flags;
    }

    /** The values of a child's {@code CHILD name=value ...} line. */
    static Map<String, Double> parseChildLine(List<String> lines, String childCase) {
        for (String l : lines) {
            if (!l.startsWith(CHILD_PREFIX)) continue;
            Map<String, Double> v = new LinkedHashMap<>();
            for (String part : l.substring(CHILD_PREFIX.length()).trim().split(" ")) {
                int eq = part.indexOf('=');
                if (eq < 1) throw new IllegalStateException("not name=value: '" + part + "' in " + l);
                v.put(part.substring(0, eq), Double.parseDouble(part.substring(eq + 1)));
            }
            return v;
        }
        throw new IllegalStateException(
                "the " + childCase + " child printed no line starting with '" + CHILD_PREFIX + "': " + lines);
    }

    // ------------------------------------------------------------------ a child

    /**
     * Runs one case in this (fresh) JVM and returns its result line, then (with {@code --profile}) a report on the
     * timed part. Throws if a computed value is wrong, so the child exits with a non-zero status.
     */
    static List<String> child(Options o) {
        long t0 = System.nanoTime();
        LocalCluster cluster = LocalCluster.builder()
                .workers(o.workers)
                .threadsPerWorker(o.threadsPerWorker)
                .processes(o.processes)
                .dashboardPort(o.dashboard ? LocalCluster.Builder.DEFAULT_DASHBOARD_PORT : -1)
                .build();
        Client client = Client.connect(cluster);
        double startSeconds = (System.nanoTime() - t0) / 1e9;
        StringBuilder line = new StringBuilder(CHILD_PREFIX).append("start_s=").append(startSeconds);
        List<String> out = new ArrayList<>();
        out.add("");
        try {
            // The scatter case's first array is made before the clock starts (and the profile window opens).
            byte[] firstArray = o.child.equals("scatter") ? filledArray(o.bytes, 0) : null;
            Window window = o.profile ? Window.open() : null;
            long start = System.nanoTime();
            int tasks;
            switch (o.child) {
                case "burst" -> {
                    var res = ClusterWorkloads.submitThenGather(client, o.tasks);
                    long nanos = System.nanoTime() - start;
                    ClusterWorkloads.checkIdentity(res.value(), o.tasks);
                    line.append(" burst_tasks_per_s=").append(o.tasks / (nanos / 1e9));
                    tasks = o.tasks;
                }
                case "roundtrip" -> {
                    long[] nanos =
                            ClusterWorkloads.roundTrips(client, o.roundTrips).value();
                    appendLatencies(line, "roundtrip", nanos);
                    tasks = o.roundTrips;
                }
                case "actor" -> {
                    Actor<Counter> counter = client.submitActor(Counter::new).result();
                    line.append(" actor_create_ms=").append((System.nanoTime() - start) / 1e6);
                    appendLatencies(line, "actor", actorCalls(counter, o.actorCalls));
                    tasks = o.actorCalls;
                }
                case "scatter" -> {
                    long first = scatterOnce(client, firstArray);
                    firstArray = null; // unreachable now, so the warm arrays can take its memory
                    double[] warm = new double[o.scatters];
                    for (int i = 0; i < o.scatters; i++) {
                        warm[i] = o.bytes / (double) scatterOnce(client, filledArray(o.bytes, i + 1));
                    }
                    line.append(" scatter_first_gb_per_s=").append(o.bytes / (double) first);
                    line.append(" scatter_warm_gb_per_s=").append(ClusterBench.median(warm));
                    tasks = 1 + o.scatters;
                }
                case "prime" -> {
                    // Enough to load the task path on both workers; nothing is timed.
                    ClusterWorkloads.checkIdentity(
                            ClusterWorkloads.submitThenGather(client, 100).value(), 100);
                    Actor<Counter> counter = client.submitActor(Counter::new).result();
                    actorCalls(counter, 10);
                    tasks = 100;
                }
                default -> throw new IllegalArgumentException("not a case: " + o.child);
            }
            if (window != null) out.addAll(window.report(tasks, (System.nanoTime() - start) / 1e9));
        } finally {
            client.close();
            cluster.close();
        }
        out.set(0, line.toString());
        return out;
    }

    /**
     * What the three JVMs did during a child's timed part ({@code --profile}): CPU time per thread group of the
     * client+scheduler JVM and of each worker JVM ({@link ThreadCpu}: the JIT compiler threads are groups of their
     * own), and, for the client+scheduler JVM, the classes loaded, the JIT's compile time and the collections.
     * Opening a window reads {@code /proc} and the management beans before the clock starts; the management classes
     * are loaded then, so they are not counted.
     */
    private record Window(
            ThreadCpu.Snapshot cpuBefore,
            long classesBefore,
            long compileMillisBefore,
            long gcsBefore,
            long startMillis) {
        static Window open() {
            return new Window(
                    ThreadCpu.take(), loadedClasses(), compileMillis(), collections(), System.currentTimeMillis());
        }

        List<String> report(int tasks, double wallSeconds) {
            List<String> lines = new ArrayList<>();
            // The same window line as ClusterBench's profile mode, so jfr_breakdown.py can cut a recording to it.
            lines.add("# window: start=" + startMillis + " end=" + System.currentTimeMillis() + " (epoch ms)");
            lines.add(String.format(
                    Locale.ROOT,
                    "# client+scheduler JVM during the timed part: %d classes loaded, %d ms of JIT compilation (summed"
                            + " over compiler threads), %d collections",
                    loadedClasses() - classesBefore,
                    compileMillis() - compileMillisBefore,
                    collections() - gcsBefore));
            lines.addAll(ThreadCpu.report(ThreadCpu.take().minus(cpuBefore), tasks, wallSeconds));
            return lines;
        }

        private static long loadedClasses() {
            return ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount();
        }

        private static long compileMillis() {
            var jit = ManagementFactory.getCompilationMXBean();
            return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : -1;
        }

        private static long collections() {
            long n = 0;
            for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) n += Math.max(0, gc.getCollectionCount());
            return n;
        }
    }

    /** A fresh {@code size}-byte array filled with {@link ClusterWorkloads#fill}'s pattern for {@code seed}. */
    private static byte[] filledArray(int size, int seed) {
        byte[] b = new byte[size];
        ClusterWorkloads.fill(b, seed);
        return b;
    }

    /**
     * Times one {@code client.scatter(data)} to its return, when a worker has acknowledged storing the array; then,
     * untimed, checks the worker's copy against {@code data}, releases the future and waits for a round trip, so
     * the scheduler has told the worker to drop the value before the next scatter. Returns the nanoseconds.
     */
    static long scatterOnce(Client client, byte[] data) {
        long start = System.nanoTime();
        Future<byte[]> f = client.scatter(data);
        long nanos = System.nanoTime() - start;
        try {
            ClusterWorkloads.checkScattered(client, f, data);
        } finally {
            f.release();
        }
        Future<Long> after = client.submit(ClusterWorkloads::noop, -1L);
        after.result();
        after.release();
        return nanos;
    }

    /** Appends the first, median and p99 of {@code nanos} (latencies in call order) as microseconds. */
    private static void appendLatencies(StringBuilder line, String prefix, long[] nanos) {
        long first = nanos[0];
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        line.append(' ').append(prefix).append("_median_us=").append(ClusterBench.percentile(sorted, 50) / 1e3);
        line.append(' ').append(prefix).append("_p99_us=").append(ClusterBench.percentile(sorted, 99) / 1e3);
        line.append(' ').append(prefix).append("_first_us=").append(first / 1e3);
    }

    /**
     * {@code n} sequential calls {@code counter.call(Counter::increment).result()} on a fresh counter; returns each
     * one's latency in nanoseconds, in call order. Each result is checked as it arrives: call i must return i + 1.
     */
    static long[] actorCalls(Actor<Counter> counter, int n) {
        long[] nanos = new long[n];
        for (int i = 0; i < n; i++) {
            long start = System.nanoTime();
            int v = counter.call(Counter::increment).result();
            nanos[i] = System.nanoTime() - start;
            if (v != i + 1) throw new IllegalStateException("actor call " + (i + 1) + " returned " + v);
        }
        return nanos;
    }

    /** The actor of the {@code actor} case: a counter, as in Dask's actor example. */
    public static final class Counter {
        private int count;

        public int increment() {
            return ++count;
        }
    }

    private static String num(double v) {
        return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.4g", v);
    }
}
