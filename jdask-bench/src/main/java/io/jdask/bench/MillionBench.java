package io.jdask.bench;

import static io.jdask.Dask.all;
import static io.jdask.Dask.delayed;
import static io.jdask.bench.BenchOptions.positive;

import io.jdask.Client;
import io.jdask.Delayed;
import io.jdask.Future;
import io.jdask.LocalCluster;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import javax.management.JMException;
import javax.management.ObjectName;

/**
 * A delayed graph of a million tasks on a {@link LocalCluster} of 2 worker processes with 1 thread each (issue 17,
 * row "any"): time to build it, to hand it to the scheduler, to compute it, and the scheduler's memory per task.
 * Dask's side is {@code jdask-bench/dask/million_bench.py}, at a smaller N (Dask needs about 40 minutes for 1M).
 *
 * <pre>
 *   java -Xmx6g -cp jdask-bench/target/benchmarks.jar io.jdask.bench.MillionBench [--n 1000000] [--partials 1000]
 *        [--reps 3] [--worker-memory 2GB]
 *   jdask-bench/run-million-bench.sh       (builds, runs this and Dask's script, prints the comparison table)
 * </pre>
 *
 * <p>The graph ({@link #build}): {@code --n} leaves {@code delayed(noop).call(i)}; {@code --partials} partial sums,
 * each {@code delayed(sum).call(all(slice))} over its slice of about n / partials consecutive leaves; and a total
 * {@code delayed(sum).call(all(partials))}. Each {@code all} is a node of its own, so the graph has
 * {@code n + 2 * partials + 2} tasks ({@link #tasks}); its value is {@code 0 + 1 + ... + (n - 1)}, checked after each
 * repetition outside the clock. The leaves are made partial by partial, in the order a user's loop makes them.
 *
 * <p>A repetition, with the client open (so the graph runs on the cluster):
 *
 * <ol>
 *   <li>{@code build}: making the {@code Delayed}s, from nothing to the total;
 *   <li>{@code send}: {@code client.compute(total)} until it returns: the client collects the graph, serializes one
 *       run spec per task and sends one {@code UpdateGraph};
 *   <li>{@code submit}: from the same start until the scheduler has handled the whole graph. Observed without
 *       touching the runtime: right after {@code compute} returns, the client asks for the cluster's info
 *       ({@code client.nthreads()}), a request the scheduler answers only after handling every message the client
 *       sent before it ({@code Requests.fromClient} flushes the pending events first), so its answer arrives once
 *       the {@code UpdateGraph} has gone through the state machine and its first tasks went to the workers;
 *   <li>{@code wall}: from the same start until the total's value is back ({@code result()});
 *   <li>{@code rate}: tasks / wall.
 * </ol>
 *
 * {@code total.compute()} with a client open is {@code client.compute(total).result()} followed by a release (the
 * client's {@code ClusterBackend}); a repetition runs exactly that, with the one info request in between. The first
 * repetition is the cold one (fresh JIT in the client, which also runs the scheduler, and in the workers): it is
 * printed as {@code first=} and is part of the median, as a user's first run would be.
 *
 * <p>Memory, after the timed repetitions ({@link #memory}). The scheduler of a {@code LocalCluster} runs in this JVM,
 * so its memory is a part of this heap. Method: the cluster is scaled to 0 workers, so that nothing runs, finishes or
 * is forgotten while the graph is held; then the heap used after full collections ({@link #heapAfterGc}: {@code
 * System.gc()} a few times, the least {@code MemoryMXBean} reading) is read three times: before building ({@code
 * base}), with the graph built and not submitted ({@code built}), and with it submitted and handled by the scheduler
 * ({@code held}, after the same info request as above). Two figures per task follow:
 *
 * <ul>
 *   <li>{@code client_bytes} = (built - base) / tasks: the user's {@code Delayed} objects;
 *   <li>{@code scheduler_bytes} = (held - built) / tasks: what submitting added while the same {@code Delayed}s stay
 *       reachable, i.e. the scheduler's state of the graph (tasks, their run specs, dependency sets, the queues of
 *       unrunnable tasks, the client's wanted keys).
 * </ul>
 *
 * What it isolates and what not: it is live heap only (no metaspace, thread stacks or direct buffers, none of which
 * grows per task); it counts the tasks in their state with no worker ({@code NO_WORKER}), which is the state right
 * after submission (all tasks held, none run), the peak of a run whose partial sums release their leaves as they go;
 * it counts too whatever the client itself keeps per submitted task (the future of the total and the shipping caches
 * are per call, not per task) and any garbage that a full collection does not free (none is expected). A task in
 * memory on a worker costs the scheduler a little more (who has it, its size); at the peak of a normal run only a few
 * thousand leaves are in that state. Then the workers come back ({@code scale}) and the held graph computes, checked
 * like the others (untimed: its workers are new, cold JVMs). With {@code --histogram}, the live heap's class histogram
 * ({@code GC.class_histogram}) is taken at {@code built} and at {@code held}, and the 20 classes that grew most are
 * printed per task: what the scheduler's bytes per task are made of.
 *
 * <p>Worker JVMs get {@code --worker-memory} (default 2GB) as their heap. The scheduler queues the leaves (root-task
 * queuing) and sends each worker a few dozen at a time. Until branch {@code mem}, a worker kept every finished leaf
 * under a partial sum as a released {@code WorkerTask} (about 1 KB with its hash sets) until the total ran, a few
 * hundred thousand per worker, and with 1GB both workers paused and the graph stalled; a task in memory now lets go of
 * its inputs. The client JVM holds the graph three times over at the peak (the {@code Delayed}s, the run specs being
 * sent, the scheduler's state): give it a few GB ({@code -Xmx6g} in the script).
 */
public final class MillionBench {

    private MillionBench() {}

    /** The options; defaults are the sizes of the issue. */
    static final class Options {
        int n = 1_000_000;
        int partials = 1_000;
        int reps = 3;
        int workers = 2;
        int threadsPerWorker = 1;
        String workerMemory = "2GB";
        boolean processes = true;
        boolean memory = true;
        boolean histogram = false;

        static Options parse(String... args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--in-jvm" -> {
                        o.processes = false;
                        continue;
                    }
                    case "--no-memory" -> {
                        o.memory = false;
                        continue;
                    }
                    case "--histogram" -> {
                        o.histogram = true;
                        continue;
                    }
                    case "-h", "--help" -> throw new IllegalArgumentException(usage());
                    default -> {}
                }
                if (i + 1 >= args.length) throw new IllegalArgumentException(a + " needs a value\n" + usage());
                String v = args[++i];
                switch (a) {
                    case "--n" -> o.n = positive(a, v);
                    case "--partials" -> o.partials = positive(a, v);
                    case "--reps" -> o.reps = positive(a, v);
                    case "--workers" -> o.workers = positive(a, v);
                    case "--threads-per-worker" -> o.threadsPerWorker = positive(a, v);
                    case "--worker-memory" -> o.workerMemory = v;
                    default -> throw new IllegalArgumentException("unknown option " + a + "\n" + usage());
                }
            }
            if (o.partials > o.n) {
                throw new IllegalArgumentException("--partials (" + o.partials + ") must be at most --n (" + o.n
                        + "): every partial sum needs at least one leaf");
            }
            return o;
        }

        static String usage() {
            return """
                    usage: MillionBench [--n 1000000] [--partials 1000] [--reps 3] [--workers 2]
                                        [--threads-per-worker 1] [--worker-memory 2GB] [--no-memory] [--histogram]
                                        [--in-jvm]""";
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

    // ------------------------------------------------------------------ the graph

    /** The leaves, the partial sums and the total; see the class note. Value: {@link #expected}{@code (n)}. */
    static Delayed<Long> build(int n, int partials) {
        List<Delayed<Long>> sums = new ArrayList<>(partials);
        for (int p = 0; p < partials; p++) {
            int from = (int) ((long) p * n / partials);
            int to = (int) ((long) (p + 1) * n / partials);
            List<Delayed<Long>> leaves = new ArrayList<>(to - from);
            for (int i = from; i < to; i++) leaves.add(delayed(Graphs::noop).call((long) i));
            sums.add(delayed(Graphs::sum).call(all(leaves)));
        }
        return delayed(Graphs::sum).call(all(sums));
    }

    /** Tasks in {@link #build}'s graph: the leaves, an {@code all} and a sum per partial, and the total's two. */
    static long tasks(int n, int partials) {
        return n + 2L * partials + 2;
    }

    /** 0 + 1 + ... + (n - 1). */
    static long expected(int n) {
        return (long) n * (n - 1) / 2;
    }

    // ------------------------------------------------------------------ the run

    /** Runs the repetitions and the memory measurement, sending each output line to {@code out}. */
    static void run(Options o, Consumer<String> out) {
        long tasks = tasks(o.n, o.partials);
        out.accept(String.format(
                Locale.ROOT,
                "# jdask MillionBench: java %s, %d cores, max heap %d MB, LocalCluster workers=%d threadsPerWorker=%d"
                        + " processes=%s memoryLimit=%s; n=%d partials=%d tasks=%d; %d repetitions (median, min,"
                        + " max; first= is the first, cold, repetition)",
                Runtime.version(),
                Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20,
                o.workers,
                o.threadsPerWorker,
                o.processes,
                o.workerMemory,
                o.n,
                o.partials,
                tasks,
                o.reps));
        long t0 = System.nanoTime();
        try (LocalCluster cluster = LocalCluster.builder()
                        .workers(o.workers)
                        .threadsPerWorker(o.threadsPerWorker)
                        .processes(o.processes)
                        .memoryLimit(o.workerMemory)
                        .build();
                Client client = Client.connect(cluster)) {
            out.accept(String.format(
                    Locale.ROOT,
                    "# first start in this JVM (cold classes): %.3f s, workers %s",
                    (System.nanoTime() - t0) / 1e9,
                    cluster.workerAddresses()));
            Rep[] reps = new Rep[o.reps];
            for (int r = 0; r < o.reps; r++) {
                reps[r] = once(client, o);
                out.accept(String.format(
                        Locale.ROOT,
                        "# repetition %d: build %.3f s, send %.3f s, submit %.3f s, wall %.3f s, %.0f tasks/s",
                        r + 1,
                        reps[r].build,
                        reps[r].send,
                        reps[r].submit,
                        reps[r].wall,
                        tasks / reps[r].wall));
            }
            String extra = "n=" + o.n + " partials=" + o.partials + " tasks=" + tasks;
            out.accept(line("build", "s", reps, Rep::build, extra));
            out.accept(line("send", "s", reps, Rep::send, extra));
            out.accept(line("submit", "s", reps, Rep::submit, extra));
            out.accept(line("wall", "s", reps, Rep::wall, extra));
            out.accept(line("rate", "tasks/s", reps, r -> tasks / r.wall, extra));
            if (o.memory) memory(cluster, client, o, out);
        }
    }

    /** One repetition's figures, in seconds; see the class note. */
    record Rep(double build, double send, double submit, double wall) {}

    /** Builds the graph, computes it on the cluster, checks the value and releases it. */
    static Rep once(Client client, Options o) {
        System.gc(); // the previous repetition's garbage is not this one's cost
        long start = System.nanoTime();
        Delayed<Long> total = build(o.n, o.partials);
        long built = System.nanoTime();
        Future<Long> f = client.compute(total);
        long sent = System.nanoTime();
        awaitGraphHandled(client);
        long submitted = System.nanoTime();
        long value = f.result();
        long done = System.nanoTime();
        // As a user's total.compute(): the Delayeds stay reachable while the graph computes (the collector does
        // not get to drop them mid-run).
        Reference.reachabilityFence(total);
        f.release();
        check(value, o.n);
        // The release has reached the scheduler before the next repetition's clock starts.
        awaitGraphHandled(client);
        return new Rep((built - start) / 1e9, (sent - built) / 1e9, (submitted - built) / 1e9, (done - built) / 1e9);
    }

    /**
     * Heap used by the graph on each side, per task, with no workers so that the scheduler holds the whole graph
     * and nothing changes it; see the class note for the method and what it isolates.
     */
    static void memory(LocalCluster cluster, Client client, Options o, Consumer<String> out) {
        long tasks = tasks(o.n, o.partials);
        cluster.scale(0);
        long base = heapAfterGc();
        Delayed<Long> total = build(o.n, o.partials);
        long built = heapAfterGc();
        Map<String, long[]> builtClasses = o.histogram ? classHistogram() : Map.of();
        Future<Long> f = client.compute(total);
        awaitGraphHandled(client);
        long held = heapAfterGc();
        if (o.histogram) printGrowth(builtClasses, classHistogram(), tasks, out);
        // The Delayeds must stay reachable until held is read, or the difference would not be the scheduler's alone.
        Reference.reachabilityFence(total);
        out.accept(String.format(
                Locale.ROOT,
                "# memory (heap used after full GC, no workers): base %.1f MB, graph built %.1f MB, submitted and"
                        + " held %.1f MB",
                base / 1e6,
                built / 1e6,
                held / 1e6));
        String extra = "n=" + o.n + " partials=" + o.partials + " tasks=" + tasks + " method=heap-after-gc";
        out.accept(ClusterBench.line("client_bytes", "B/task", new double[] {(built - base) / (double) tasks}, extra));
        out.accept(
                ClusterBench.line("scheduler_bytes", "B/task", new double[] {(held - built) / (double) tasks}, extra));
        long start = System.nanoTime();
        cluster.scale(o.workers);
        long value = f.result();
        f.release();
        check(value, o.n);
        out.accept(String.format(
                Locale.ROOT,
                "# the held graph computed on %d new workers in %.3f s (untimed: cold worker JVMs), value checked",
                o.workers,
                (System.nanoTime() - start) / 1e9));
        awaitGraphHandled(client);
    }

    /**
     * Returns once the scheduler has handled every message this client sent before: the cluster-info request is
     * answered only after the scheduler flushed the events before it. A huge graph may keep the scheduler busy for
     * longer than the request's own timeout; then the request is simply asked again.
     */
    static void awaitGraphHandled(Client client) {
        while (true) {
            try {
                client.nthreads();
                return;
            } catch (IllegalStateException e) {
                if (e.getMessage() == null || !e.getMessage().startsWith("no reply")) throw e;
            }
        }
    }

    /** Heap in use after full collections: the least of a few {@code System.gc()} + {@code MemoryMXBean} readings. */
    static long heapAfterGc() {
        MemoryMXBean mx = ManagementFactory.getMemoryMXBean();
        long least = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            least = Math.min(least, mx.getHeapMemoryUsage().getUsed());
        }
        return least;
    }

    /**
     * The live heap by class ({@code GC.class_histogram}, which collects first): class name to {instances, bytes}.
     * Only for {@code --histogram}, which prints what submitting added, per task and class.
     */
    static Map<String, long[]> classHistogram() {
        return parseHistogram(classHistogramText());
    }

    /** This JVM's {@code GC.class_histogram} as the diagnostic command prints it (it collects first). */
    static String classHistogramText() {
        try {
            return (String) ManagementFactory.getPlatformMBeanServer()
                    .invoke(
                            new ObjectName("com.sun.management:type=DiagnosticCommand"),
                            "gcClassHistogram",
                            new Object[] {new String[0]},
                            new String[] {String[].class.getName()});
        } catch (JMException e) {
            throw new IllegalStateException("cannot take a class histogram: " + e, e);
        }
    }

    /** A {@link #classHistogramText} parsed: class name to {instances, bytes}. */
    static Map<String, long[]> parseHistogram(String text) {
        Map<String, long[]> out = new HashMap<>();
        for (String l : text.split("\n")) {
            // "   1:        123456      7890123  java.lang.String (java.base@25)"
            String[] f = l.trim().split("\\s+");
            if (f.length < 4 || !f[0].endsWith(":")) continue;
            out.put(f[3], new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
        }
        return out;
    }

    /** The classes whose live bytes grew most from {@code before} to {@code after}, per task, as comment lines. */
    static void printGrowth(Map<String, long[]> before, Map<String, long[]> after, long tasks, Consumer<String> out) {
        List<Map.Entry<String, long[]>> grown = new ArrayList<>();
        for (Map.Entry<String, long[]> e : after.entrySet()) {
            long[] b = before.getOrDefault(e.getKey(), new long[2]);
            grown.add(Map.entry(e.getKey(), new long[] {e.getValue()[0] - b[0], e.getValue()[1] - b[1]}));
        }
        grown.sort((x, y) -> Long.compare(y.getValue()[1], x.getValue()[1]));
        out.accept("# what submitting added, by class (bytes and instances per task, the 20 largest):");
        for (Map.Entry<String, long[]> e : grown.subList(0, Math.min(20, grown.size()))) {
            out.accept(String.format(
                    Locale.ROOT,
                    "#   %8.1f B/task %6.2f per task  %s",
                    e.getValue()[1] / (double) tasks,
                    e.getValue()[0] / (double) tasks,
                    e.getKey()));
        }
    }

    static void check(long value, int n) {
        if (value != expected(n)) {
            throw new IllegalStateException("the total of " + n + " leaves is " + value + ", expected " + expected(n)
                    + " (0 + 1 + ... + " + (n - 1) + ")");
        }
    }

    private static String line(
            String figure, String unit, Rep[] reps, java.util.function.ToDoubleFunction<Rep> f, String extra) {
        double[] values = new double[reps.length];
        for (int i = 0; i < reps.length; i++) values[i] = f.applyAsDouble(reps[i]);
        String first = Math.abs(values[0]) >= 100
                ? String.format(Locale.ROOT, "%.0f", values[0])
                : String.format(Locale.ROOT, "%.4g", values[0]);
        return ClusterBench.line(figure, unit, values, extra + " first=" + first);
    }
}
