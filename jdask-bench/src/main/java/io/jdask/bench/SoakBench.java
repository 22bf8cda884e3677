package io.jdask.bench;

import static io.jdask.bench.BenchOptions.positive;

import io.jdask.Client;
import io.jdask.Future;
import io.jdask.LocalCluster;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.LongStream;

/**
 * The soak of issue 13 (item 6): one worker process runs a million short tasks with distinct keys, and ends with the
 * same heap and the same bookkeeping sizes as after the first 10,000. Nothing else is measured; the rate is printed
 * only to say how long the run took.
 *
 * <pre>
 *   java -cp jdask-bench/target/benchmarks.jar io.jdask.bench.SoakBench [--n 1000000] [--batch 10000]
 *        [--first 10000] [--mid 50000] [--worker-memory 256MB] [--threads-per-worker 1] [--every 100000]
 *   jdask-bench/run-soak-bench.sh          (builds the jar and runs this)
 * </pre>
 *
 * <p>The run: a {@link LocalCluster} of one worker process with {@code --worker-memory} as its heap and memory limit.
 * The tasks are {@code client.map(SoakBench::inc, i..i+batch)}, {@code --batch} at a time, with the numbers {@code
 * 0..n-1} as their arguments, so every task has a key of its own; each batch is gathered, its values checked (the sum
 * of {@code i + 1}), and its futures released before the next one is submitted. That is the life of a long-running
 * service's tasks: submitted, computed, read, forgotten.
 *
 * <p>Measuring points: after the first {@code --first} tasks, after {@code --mid} (0: none) and after the last one.
 * The middle point is there because the worker keeps a bounded log of its last 100,000 transitions (as Dask's
 * worker does), about 4 per task: it is not yet full after 10,000 tasks and is from about 25,000 on, so the heap
 * grows by that log's fill (a few MB) between the first point and the end, and end / mid compares two points where
 * it is full. At each point, the client first
 * waits until the scheduler has forgotten every task ({@code jdask_scheduler_tasks} on the dashboard's {@code
 * /metrics}, summed over states, back to 0, at most 30 s; what it read is printed). Then:
 *
 * <ul>
 *   <li>{@code worker_heap}: the worker's heap in use after full collections: {@code client.run} runs {@link #probe} on
 *       the worker, which calls {@code System.gc()} a few times and keeps the least {@code MemoryMXBean} reading;
 *   <li>{@code worker_tasks}: the {@code WorkerTask} objects alive in the worker (the tasks its state machine knows,
 *       in any map or queue), and {@code worker_stored}: its {@code StoredValue}s (the data store's entries). Both are
 *       counted by the same probe, from the worker JVM's own class histogram ({@code GC.class_histogram} through the
 *       {@code DiagnosticCommand} MBean, which collects first); a leaked reference anywhere keeps them alive, so the
 *       count is what the state holds, whatever map holds it;
 *   <li>{@code worker_objects}: every object alive in the worker (the histogram's total), to catch a leak of some other
 *       class;
 *   <li>{@code scheduler_tasks}: the tasks the scheduler knows, from {@code /metrics}; and {@code scheduler_objects}:
 *       the {@code SchedulerTask} objects alive in this JVM (a {@code LocalCluster}'s scheduler runs here) with {@code
 *       scheduler_heap}, this JVM's heap after full collections (scheduler and client together).
 * </ul>
 *
 * Each figure is printed as a {@code RESULT} line per point ({@code point=first}, {@code mid}, {@code end}) and as
 * ratios ({@code figure=..._ratio}, end / first, and {@code figure=..._ratio_mid}, end / mid; a count of 0 at both
 * points gives 1). The criterion is "the same heap and the same bookkeeping sizes": ratios of about 1 for the
 * heaps (a few percent either way is the collector and the JIT's own data), and counts that do not grow with the
 * number of tasks run. With {@code --every}, the worker's reported heap (not collected; what its memory reports say)
 * and the rate are printed as comment lines along the way, so a slow leak shows as a trend. The classes whose live
 * bytes grew most in the worker between the first point and the end are printed too.
 */
public final class SoakBench {

    private SoakBench() {}

    static final class Options {
        long n = 1_000_000;
        int batch = 10_000;
        long first = 10_000;
        long mid = 50_000;
        long every = 100_000;
        int threadsPerWorker = 1;
        String workerMemory = "256MB";

        static Options parse(String... args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("-h") || a.equals("--help")) throw new IllegalArgumentException(usage());
                if (i + 1 >= args.length) throw new IllegalArgumentException(a + " needs a value\n" + usage());
                String v = args[++i];
                switch (a) {
                    case "--n" -> o.n = positive(a, v);
                    case "--batch" -> o.batch = positive(a, v);
                    case "--first" -> o.first = positive(a, v);
                    case "--mid" -> o.mid = BenchOptions.nonNegative(a, v);
                    case "--every" -> o.every = positive(a, v);
                    case "--threads-per-worker" -> o.threadsPerWorker = positive(a, v);
                    case "--worker-memory" -> o.workerMemory = v;
                    default -> throw new IllegalArgumentException("unknown option " + a + "\n" + usage());
                }
            }
            if (o.first % o.batch != 0 || o.first >= o.n) {
                throw new IllegalArgumentException("--first (" + o.first + ") must be a multiple of --batch (" + o.batch
                        + ") and less than --n (" + o.n + "): the first point is taken between batches");
            }
            if (o.mid != 0 && (o.mid % o.batch != 0 || o.mid <= o.first || o.mid >= o.n)) {
                throw new IllegalArgumentException("--mid (" + o.mid + ") must be a multiple of --batch (" + o.batch
                        + ") between --first (" + o.first + ") and --n (" + o.n + "), or 0 for no middle point");
            }
            return o;
        }

        static String usage() {
            return """
                    usage: SoakBench [--n 1000000] [--batch 10000] [--first 10000] [--mid 50000] [--every 100000]
                                     [--worker-memory 256MB] [--threads-per-worker 1]""";
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

    /** The task: short, with a result to check. */
    static long inc(long i) {
        return i + 1;
    }

    /** What {@link #probe} read in the worker JVM. */
    record Probe(long heap, Map<String, long[]> histogram) {
        long count(String className) {
            long[] c = histogram.get(className);
            return c == null ? 0 : c[0];
        }

        long objects() {
            long n = 0;
            for (long[] c : histogram.values()) n += c[0];
            return n;
        }
    }

    /** One measuring point: the worker's and the scheduler's figures. */
    record Point(Probe worker, double schedulerTasks, long schedulerObjects, long schedulerHeap) {}

    static final String WORKER_TASK = "io.jdask.worker.state.WorkerTask";
    static final String STORED_VALUE = "io.jdask.worker.StoredValue";
    static final String SCHEDULER_TASK = "io.jdask.scheduler.state.SchedulerTask";

    /**
     * Runs on the worker ({@code client.run}): its heap after full collections, a newline, and its class histogram as
     * {@code GC.class_histogram} prints it. Text, so that nothing but a string crosses the wire.
     */
    static String probe() {
        long heap = MillionBench.heapAfterGc();
        return heap + "\n" + MillionBench.classHistogramText();
    }

    static void run(Options o, Consumer<String> out) {
        out.accept(String.format(
                Locale.ROOT,
                "# jdask SoakBench: java %s, %d cores; LocalCluster of 1 worker process, threadsPerWorker=%d,"
                        + " memoryLimit=%s; n=%d tasks in batches of %d (client.map, gather, release); points after"
                        + " %d and after %d",
                Runtime.version(),
                Runtime.getRuntime().availableProcessors(),
                o.threadsPerWorker,
                o.workerMemory,
                o.n,
                o.batch,
                o.first,
                o.n));
        try (LocalCluster cluster = LocalCluster.builder()
                        .workers(1)
                        .threadsPerWorker(o.threadsPerWorker)
                        .processes(true)
                        .memoryLimit(o.workerMemory)
                        .dashboardPort(0)
                        .build();
                Client client = Client.connect(cluster)) {
            String dashboard = client.dashboardLink();
            Point first = null;
            Point mid = null;
            long start = System.nanoTime();
            long lastTick = start;
            long lastDone = 0;
            for (long done = 0; done < o.n; ) {
                long to = Math.min(o.n, done + o.batch);
                batch(client, done, to);
                done = to;
                if (done == o.first) {
                    first = measure(client, dashboard, "first", done, out);
                    start = System.nanoTime(); // the rate below is of the tasks after the first point
                    lastTick = start;
                    lastDone = done;
                }
                if (done == o.mid) mid = measure(client, dashboard, "mid", done, out);
                if (done % o.every == 0 && done != o.first && done != o.mid) {
                    long now = System.nanoTime();
                    DashboardMetrics m = DashboardMetrics.scrape(dashboard);
                    out.accept(String.format(
                            Locale.ROOT,
                            "# %,d tasks done, %.0f tasks/s since the last line; worker heap as reported (not"
                                    + " collected) %.1f MB, scheduler tasks %.0f",
                            done,
                            (done - lastDone) / ((now - lastTick) / 1e9),
                            m.sum("jdask_worker_memory_bytes", "type=\"heap\"") / 1e6,
                            m.sum("jdask_scheduler_tasks")));
                    lastTick = now;
                    lastDone = done;
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            out.accept(String.format(
                    Locale.ROOT,
                    "# %,d tasks after the first point in %.1f s (%.0f tasks/s)",
                    o.n - o.first,
                    seconds,
                    (o.n - o.first) / seconds));
            Point end = measure(client, dashboard, "end", o.n, out);
            report(first, mid, end, o, out);
        }
    }

    /** Submits the tasks {@code from..to-1}, gathers and checks them, and releases them. */
    static void batch(Client client, long from, long to) {
        List<Long> args = LongStream.range(from, to).boxed().toList();
        List<Future<Long>> fs = client.map(SoakBench::inc, args);
        List<Long> values = client.gather(fs);
        long sum = 0;
        for (long v : values) sum += v;
        // (from + 1) + ... + to
        long expected = (to * (to + 1) - from * (from + 1)) / 2;
        if (sum != expected) {
            throw new IllegalStateException(
                    "tasks " + from + ".." + (to - 1) + " summed to " + sum + ", expected " + expected);
        }
        for (Future<Long> f : fs) f.release();
    }

    /** One point; see the class note. */
    static Point measure(Client client, String dashboard, String name, long done, Consumer<String> out) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        double schedulerTasks;
        while (true) {
            MillionBench.awaitGraphHandled(client); // the releases have reached the scheduler
            schedulerTasks = DashboardMetrics.scrape(dashboard).sum("jdask_scheduler_tasks");
            if (schedulerTasks == 0 || System.nanoTime() > deadline) break;
            sleepMillis(50);
        }
        Map<String, String> probes = client.run(SoakBench::probe);
        if (probes.size() != 1) throw new IllegalStateException("expected one worker, got " + probes.keySet());
        String text = probes.values().iterator().next();
        int nl = text.indexOf('\n');
        Probe worker =
                new Probe(Long.parseLong(text.substring(0, nl)), MillionBench.parseHistogram(text.substring(nl)));
        long schedulerHeap = MillionBench.heapAfterGc();
        Map<String, long[]> here = MillionBench.classHistogram();
        long schedulerObjects = here.containsKey(SCHEDULER_TASK) ? here.get(SCHEDULER_TASK)[0] : 0;
        Point p = new Point(worker, schedulerTasks, schedulerObjects, schedulerHeap);
        out.accept(String.format(
                Locale.ROOT,
                "# point %s, after %,d tasks: worker heap after GC %.2f MB, WorkerTask %d, StoredValue %d, objects %,d;"
                        + " scheduler tasks %.0f (/metrics), SchedulerTask %d, scheduler+client heap after GC %.2f MB",
                name,
                done,
                worker.heap() / 1e6,
                worker.count(WORKER_TASK),
                worker.count(STORED_VALUE),
                worker.objects(),
                schedulerTasks,
                schedulerObjects,
                schedulerHeap / 1e6));
        return p;
    }

    /**
     * The RESULT lines: each figure at each point, its ratio end / first (the criterion) and, with a middle
     * point, end / mid; then the classes that grew most in the worker from the first point to the end.
     */
    static void report(Point first, Point mid, Point end, Options o, Consumer<String> out) {
        String extra = "n=" + o.n + " first=" + o.first + " mid=" + o.mid + " batch=" + o.batch + " worker_memory="
                + o.workerMemory;
        figure("worker_heap", "B", first, mid, end, p -> p.worker().heap(), extra, out);
        figure("worker_tasks", "objects", first, mid, end, p -> p.worker().count(WORKER_TASK), extra, out);
        figure("worker_stored", "objects", first, mid, end, p -> p.worker().count(STORED_VALUE), extra, out);
        figure("worker_objects", "objects", first, mid, end, p -> p.worker().objects(), extra, out);
        figure("scheduler_tasks", "tasks", first, mid, end, Point::schedulerTasks, extra, out);
        figure("scheduler_objects", "objects", first, mid, end, p -> p.schedulerObjects(), extra, out);
        figure("scheduler_heap", "B", first, mid, end, p -> p.schedulerHeap(), extra, out);
        List<Map.Entry<String, long[]>> grown = new ArrayList<>();
        for (Map.Entry<String, long[]> e : end.worker().histogram().entrySet()) {
            long[] b = first.worker().histogram().getOrDefault(e.getKey(), new long[2]);
            grown.add(Map.entry(e.getKey(), new long[] {e.getValue()[0] - b[0], e.getValue()[1] - b[1]}));
        }
        grown.sort((x, y) -> Long.compare(y.getValue()[1], x.getValue()[1]));
        out.accept("# the worker's classes whose live bytes grew most from the first point to the end:");
        for (Map.Entry<String, long[]> e : grown.subList(0, Math.min(10, grown.size()))) {
            out.accept(String.format(
                    Locale.ROOT, "#   %+,12d B %+,10d objects  %s", e.getValue()[1], e.getValue()[0], e.getKey()));
        }
    }

    private static void figure(
            String name,
            String unit,
            Point first,
            Point mid,
            Point end,
            java.util.function.ToDoubleFunction<Point> f,
            String extra,
            Consumer<String> out) {
        double a = f.applyAsDouble(first);
        double z = f.applyAsDouble(end);
        out.accept(ClusterBench.line(name, unit, new double[] {a}, "point=first " + extra));
        if (mid != null)
            out.accept(ClusterBench.line(name, unit, new double[] {f.applyAsDouble(mid)}, "point=mid " + extra));
        out.accept(ClusterBench.line(name, unit, new double[] {z}, "point=end " + extra));
        out.accept(ClusterBench.line(name + "_ratio", "end/first", new double[] {ratio(z, a)}, extra));
        if (mid != null) {
            double m = f.applyAsDouble(mid);
            out.accept(ClusterBench.line(name + "_ratio_mid", "end/mid", new double[] {ratio(z, m)}, extra));
        }
    }

    /** {@code end / start}, and 1 when both are equal (two counts of 0 are "the same"). */
    private static double ratio(double end, double start) {
        return end == start ? 1 : end / start;
    }

    /** A pause between two scrapes of the dashboard, so that waiting for a figure does not load the scheduler. */
    static void sleepMillis(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
