package io.jdask.bench;

import static io.jdask.bench.BenchOptions.positive;

import io.jdask.Fn1;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Notebook benchmark (issue 17, rows "notebook"): what a user sees running jdask from Java notebook cells, on a fresh
 * kernel and a fresh {@code LocalCluster} of 2 worker processes with 2 threads each, compared with Dask's same cells
 * in an IPython kernel ({@code dask/notebook_bench.py}).
 *
 * <pre>
 *   java -cp jdask-bench/target/benchmarks.jar io.jdask.bench.NotebookBench [--reps 3] [options, see --help]
 *   jdask-bench/run-notebook-bench.sh      (builds, runs this and Dask's script, prints the comparison table)
 * </pre>
 *
 * <p>Design note. Every repetition is a fresh JVM (this class started again with {@code --notebook}), which starts
 * a {@link NotebookSession}: JShell with the local execution engine, as the rapaio kernel runs it, with the benchmark
 * jar on its class path. The cells below are then evaluated one by one as a user would type them, each timed from
 * the start of its evaluation to its end. Every function and class the tasks run is defined in a cell, so the worker
 * processes, which only have the jar, must fetch those classes from the client: the real notebook path. The cases,
 * in the order of one notebook:
 *
 * <ol>
 *   <li>{@code inc_add}: seed 003's example: {@code inc} and {@code add} (each sleeps 1 s) defined in a cell, then
 *       one cell building {@code add(inc(1), inc(2))} with {@code delayed} and calling {@code compute()} for the first
 *       time (ideal 2.0 s). The cluster has its own cell before, not part of this figure ({@code cluster_start}).
 *   <li>{@code four_half}: 4 tasks of 0.5 s with {@code delayed}, their first {@code compute} (ideal 0.5 s).
 *   <li>{@code tiny}: 1,000 {@code submit}s of a tiny function, then one {@code gather}, in a new cell (per task).
 *   <li>{@code roundtrip_*}: {@code client.submit(f, i).result()} once in a cell, then 100 times in the next cell
 *       (median of the calls); the pair of cells is run three times. Then {@code roundtrip_median_jar}: the same
 *       100 calls with a function made by the jar (no cell class to fetch, no notebook state): the difference is
 *       what running a cell's code costs per task.
 *       {@code roundtrip_call_N}: one call in a new cell again, timed inside one snippet (a block): the single call
 *       without the JShell compilation of the cell's later snippets that {@code roundtrip_single_N} holds.
 *   <li>{@code actor_*}: an actor class defined in a cell; its creation, then one call in a cell, then the median of
 *       100 calls in the next; {@code actor_call} one call timed inside one snippet, as {@code roundtrip_call_N}.
 * </ol>
 *
 * Each case gives two figures: the plain name is the time measured inside the cell (from {@code System.nanoTime()} in
 * its first statement to its last expression, what the tutorials print), {@code _cell} is the cell's whole
 * evaluation. JShell compiles and runs a cell one snippet at a time, so the time inside the cell already holds the
 * compilation of every snippet after the first (as the tutorials' figures do); {@code _cell} adds the first one's.
 * A child prints its figures as {@code FIGURE name unit value}; this process prints, over the repetitions, one line
 * per figure:
 *
 * <pre>
 *   RESULT figure=inc_add unit=s median=3.84 min=3.80 max=5.01 reps=3
 * </pre>
 *
 * Every cell's result is checked (the cells return it with the time); a wrong value stops the run.
 *
 * <p>{@code --trace} prints each cell's start and end to stderr with the wall clock; with
 * {@code JAVA_TOOL_OPTIONS=-Djdask.log.level=DEBUG} (which reaches the worker JVMs too) the workers' debug lines, such
 * as each class they define from the client's bytes, fall between them: where a cold cell's time goes.
 */
public final class NotebookBench {

    private NotebookBench() {}

    /** The options; defaults are the sizes of issue 17. */
    static final class Options {
        int reps = 3;
        int workers = 2;
        int threadsPerWorker = 2;
        boolean processes = true;
        int sleepMs = 1000;
        int halfMs = 500;
        int tiny = 1000;
        int trips = 100;
        int rounds = 3;
        int actorCalls = 100;
        double timeoutSeconds = 300;
        boolean notebook;
        boolean trace;

        static Options parse(String... args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("--notebook")) {
                    o.notebook = true;
                    continue;
                }
                if (a.equals("--trace")) {
                    o.trace = true;
                    continue;
                }
                if (a.equals("--in-jvm")) {
                    o.processes = false;
                    continue;
                }
                if (a.equals("-h") || a.equals("--help")) throw new IllegalArgumentException(usage());
                if (i + 1 >= args.length) throw new IllegalArgumentException(a + " needs a value\n" + usage());
                String v = args[++i];
                switch (a) {
                    case "--reps" -> o.reps = positive(a, v);
                    case "--workers" -> o.workers = positive(a, v);
                    case "--threads-per-worker" -> o.threadsPerWorker = positive(a, v);
                    case "--sleep-ms" -> o.sleepMs = positive(a, v);
                    case "--half-ms" -> o.halfMs = positive(a, v);
                    case "--tiny" -> o.tiny = positive(a, v);
                    case "--trips" -> o.trips = positive(a, v);
                    case "--rounds" -> o.rounds = positive(a, v);
                    case "--actor-calls" -> o.actorCalls = positive(a, v);
                    case "--timeout-seconds" -> o.timeoutSeconds = Double.parseDouble(v);
                    default -> throw new IllegalArgumentException("unknown option " + a + "\n" + usage());
                }
            }
            return o;
        }

        /** The options a child JVM needs to run the same notebook. */
        List<String> childArgs() {
            List<String> a = new ArrayList<>(List.of(
                    "--notebook",
                    "--workers",
                    "" + workers,
                    "--threads-per-worker",
                    "" + threadsPerWorker,
                    "--sleep-ms",
                    "" + sleepMs,
                    "--half-ms",
                    "" + halfMs,
                    "--tiny",
                    "" + tiny,
                    "--trips",
                    "" + trips,
                    "--rounds",
                    "" + rounds,
                    "--actor-calls",
                    "" + actorCalls));
            if (!processes) a.add("--in-jvm");
            if (trace) a.add("--trace");
            return a;
        }

        static String usage() {
            return """
                    usage: NotebookBench [--reps 3] [--workers 2] [--threads-per-worker 2] [--sleep-ms 1000]
                                         [--half-ms 500] [--tiny 1000] [--trips 100] [--rounds 3]
                                         [--actor-calls 100] [--timeout-seconds 300] [--in-jvm] [--trace]
                           NotebookBench --notebook ...   (one repetition in this JVM; prints FIGURE lines)""";
        }
    }

    /** One figure of one repetition. */
    record Figure(String name, String unit, double value) {
        String line() {
            return String.format(Locale.ROOT, "FIGURE %s %s %.6g", name, unit, value);
        }
    }

    public static void main(String[] args) throws Exception {
        ClusterWorkloads.quietLogs();
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        if (o.notebook) {
            runNotebook(o, f -> System.out.println(f.line()));
            // LocalCluster's and the client's threads must not keep the child alive.
            System.exit(0);
        }
        runRepetitions(o, System.out::println);
    }

    /** Runs {@code --reps} fresh JVMs, one notebook each, and prints one RESULT line per figure. */
    static void runRepetitions(Options o, Consumer<String> out) throws IOException, InterruptedException {
        out.accept(String.format(
                Locale.ROOT,
                "# jdask NotebookBench: java %s, %d cores, JShell (local execution engine) in a fresh JVM per "
                        + "repetition, LocalCluster workers=%d threadsPerWorker=%d processes=%s, %d repetitions "
                        + "(median, min, max)",
                Runtime.version(),
                Runtime.getRuntime().availableProcessors(),
                o.workers,
                o.threadsPerWorker,
                o.processes,
                o.reps));
        Map<String, List<Double>> values = new LinkedHashMap<>();
        Map<String, String> units = new LinkedHashMap<>();
        for (int r = 0; r < o.reps; r++) {
            for (Figure f : child(o)) {
                values.computeIfAbsent(f.name(), k -> new ArrayList<>()).add(f.value());
                units.put(f.name(), f.unit());
            }
        }
        values.forEach((name, vs) -> out.accept(ClusterBench.line(
                        name,
                        units.get(name),
                        vs.stream().mapToDouble(Double::doubleValue).toArray(),
                        "")
                .strip()));
    }

    /** One repetition: this class in a new JVM with this JVM's flags and class path. */
    private static List<Figure> child(Options o) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), NotebookBench.class.getName()));
        cmd.addAll(o.childArgs());
        Process p = new ProcessBuilder(cmd)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        List<Figure> figures = new ArrayList<>();
        try (BufferedReader in =
                new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                String[] w = line.split(" ");
                if (w.length == 4 && w[0].equals("FIGURE")) {
                    figures.add(new Figure(w[1], w[2], Double.parseDouble(w[3])));
                } else {
                    System.err.println(line);
                }
            }
        }
        if (!p.waitFor((long) o.timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("a notebook repetition took over " + o.timeoutSeconds + " s");
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("a notebook repetition failed (exit " + p.exitValue() + "): " + cmd);
        }
        return figures;
    }

    /**
     * One notebook, in this JVM: the cells of the cases in order, each figure given to {@code out} as soon as it is
     * known. Throws if a cell fails or returns a wrong result.
     */
    static void runNotebook(Options o, Consumer<Figure> out) {
        long start = System.nanoTime();
        try (NotebookSession nb = NotebookSession.start(o.trace)) {
            nb.cell("""
                    import io.jdask.*;
                    import io.jdask.Delayed;   // java.util.concurrent also has a Delayed and a Future
                    import io.jdask.Future;
                    import static io.jdask.Dask.*;
                    import java.util.*;
                    """);
            out.accept(new Figure("kernel_start", "s", (System.nanoTime() - start) / 1e9));

            var cluster = nb.cell(String.format(Locale.ROOT, """
                    LocalCluster cluster = LocalCluster.builder().workers(%d).threadsPerWorker(%d).processes(%s).build();
                    Client client = Client.connect(cluster);
                    """, o.workers, o.threadsPerWorker, o.processes));
            out.accept(new Figure("cluster_start", "s", cluster.nanos() / 1e9));
            try {
                incAdd(nb, o, out);
                fourHalf(nb, o, out);
                tiny(nb, o, out);
                roundTrips(nb, o, out);
                actor(nb, o, out);
            } finally {
                nb.cell("client.close();\ncluster.close();\n");
            }
        }
    }

    /** Case 1: seed 003's inc, inc, add; the first compute. */
    private static void incAdd(NotebookSession nb, Options o, Consumer<Figure> out) {
        nb.cell(String.format(Locale.ROOT, """
                class Tutorial {
                    static int inc(int x) throws InterruptedException {
                        Thread.sleep(%1$d);
                        return x + 1;
                    }

                    static int add(int x, int y) throws InterruptedException {
                        Thread.sleep(%1$d);
                        return x + y;
                    }
                }
                """, o.sleepMs));
        var run = nb.cell("""
                long t1 = System.nanoTime();
                Delayed<Integer> x = delayed(Tutorial::inc).call(1);
                Delayed<Integer> y = delayed(Tutorial::inc).call(2);
                Delayed<Integer> z = delayed(Tutorial::add).call(x, y);
                int zv = z.compute();
                zv + " " + (System.nanoTime() - t1)
                """);
        timed(run, "5", "inc_add", "s", 1e9, 1, out);
    }

    /** Case 2: 4 tasks of 0.5 s with delayed; the first compute. */
    private static void fourHalf(NotebookSession nb, Options o, Consumer<Figure> out) {
        nb.cell(String.format(Locale.ROOT, """
                class Half {
                    static int work(int i) throws InterruptedException {
                        Thread.sleep(%d);
                        return i * 10;
                    }
                }
                """, o.halfMs));
        var run = nb.cell("""
                long t2 = System.nanoTime();
                List<Delayed<Integer>> parts = new ArrayList<>();
                for (int i = 0; i < 4; i++) parts.add(delayed(Half::work).call(i));
                List<Integer> partsOut = compute(parts);
                partsOut + " " + (System.nanoTime() - t2)
                """);
        timed(run, "[0, 10, 20, 30]", "four_half", "s", 1e9, 1, out);
    }

    /** Case 3: n tiny tasks, submitted one by one, then gathered, from a new cell. */
    private static void tiny(NotebookSession nb, Options o, Consumer<Figure> out) {
        nb.cell("""
                class Tiny {
                    static int square(int v) {
                        return v * v;
                    }
                }
                """);
        var run = nb.cell(String.format(Locale.ROOT, """
                long t3 = System.nanoTime();
                List<Future<Integer>> tiny = new ArrayList<>();
                for (int i = 0; i < %d; i++) tiny.add(client.submit(Tiny::square, i));
                List<Integer> tinyOut = client.gather(tiny);
                tinyOut.stream().mapToLong(Integer::longValue).sum() + " " + (System.nanoTime() - t3)
                """, o.tiny));
        long n = o.tiny;
        String sumOfSquares = "" + (n - 1) * n * (2 * n - 1) / 6;
        timed(run, sumOfSquares, "tiny", "us/task", 1e3, n, out);
        nb.cell("tiny = null;\ntinyOut = null;\n");
    }

    /** Case 4: one round trip in a cell, then {@code trips} in the next; {@code rounds} times. */
    private static void roundTrips(NotebookSession nb, Options o, Consumer<Figure> out) {
        nb.cell("""
                class Rt {
                    static int plus1(int v) {
                        return v + 1;
                    }
                }
                """);
        for (int k = 1; k <= o.rounds; k++) {
            var once = nb.cell(String.format(Locale.ROOT, """
                    long t4x%1$d = System.nanoTime();
                    int rt%1$d = client.submit(Rt::plus1, %1$d).result();
                    rt%1$d + " " + (System.nanoTime() - t4x%1$d)
                    """, k));
            timed(once, "" + (k + 1), "roundtrip_single_" + k, "us", 1e3, 1, out);
            var alone =
                    nb.cell(aloneInACell("alone" + k, "client.submit(Rt::plus1, " + k + ").result()", "" + (k + 1)));
            median(alone, "roundtrip_call_" + k, out);
            var many = nb.cell(manyCalls("trips" + k, o.trips, "client.submit(Rt::plus1, i).result()", "i + 1"));
            median(many, "roundtrip_median_" + k, out);
        }
        // The same calls with a function made by the jar, not by a cell: no class to fetch, no notebook state to
        // ship. Against roundtrip_median_N, what a cell's code costs each task.
        nb.cell("Fn1<Integer, Integer> jarPlus1 = io.jdask.bench.NotebookBench.jarPlus1();\n");
        var jar = nb.cell(manyCalls("tripsJar", o.trips, "client.submit(jarPlus1, i).result()", "i + 1"));
        median(jar, "roundtrip_median_jar", out);
    }

    /**
     * {@code plus1} as a function object made here, in the jar that workers have: its class needs no fetching from
     * the notebook. Public for the cells of {@link #roundTrips}.
     */
    public static Fn1<Integer, Integer> jarPlus1() {
        return NotebookBench::plus1;
    }

    private static int plus1(int v) {
        return v + 1;
    }

    /** Case 5: an actor defined in a cell; its creation, one call, then the median of many. */
    private static void actor(NotebookSession nb, Options o, Consumer<Figure> out) {
        nb.cell("""
                class Counter {
                    private int n;

                    int increment() {
                        return ++n;
                    }
                }
                """);
        var create = nb.cell("Actor<Counter> counter = client.submitActor(Counter::new).result();\n");
        out.accept(new Figure("actor_create_cell", "s", create.nanos() / 1e9));
        var once = nb.cell("""
                long t5 = System.nanoTime();
                int c1 = counter.call(Counter::increment).result();
                c1 + " " + (System.nanoTime() - t5)
                """);
        timed(once, "1", "actor_single", "us", 1e3, 1, out);
        var alone = nb.cell(aloneInACell("actorAlone", "counter.call(Counter::increment).result()", "2"));
        median(alone, "actor_call", out);
        var many = nb.cell(manyCalls("calls", o.actorCalls, "counter.call(Counter::increment).result()", "i + 3"));
        median(many, "actor_median", out);
    }

    /**
     * A cell making one call, timed inside a single snippet (a block), so that no JShell compilation falls inside the
     * time: what the first call from a new cell costs by itself (its cell's classes are new to the workers). Returns
     * "ok" and the call's nanoseconds, like {@link #manyCalls}.
     */
    private static String aloneInACell(String name, String call, String expected) {
        return String.format(Locale.ROOT, """
                long[] %1$s = new long[1];
                {
                    long s = System.nanoTime();
                    int r = %2$s;
                    %1$s[0] = System.nanoTime() - s;
                    if (r != %3$s) throw new IllegalStateException("the call returned " + r);
                }
                "ok " + %1$s[0]
                """, name, call, expected);
    }

    /**
     * A cell making {@code n} calls one after the other, checking each result, and returning "ok" and the median
     * call in nanoseconds (nearest rank).
     */
    private static String manyCalls(String name, int n, String call, String expected) {
        return String.format(Locale.ROOT, """
                long[] %1$s = new long[%2$d];
                for (int i = 0; i < %2$d; i++) {
                    long s = System.nanoTime();
                    int r = %3$s;
                    %1$s[i] = System.nanoTime() - s;
                    if (r != %4$s) throw new IllegalStateException("call " + i + " returned " + r);
                }
                Arrays.sort(%1$s);
                "ok " + %1$s[(%2$d - 1) / 2]
                """, name, n, call, expected);
    }

    /**
     * Checks a timed cell's result (its value is "result nanos") and gives its two figures: the time inside the cell
     * and the cell's whole evaluation, divided by {@code scale} (ns per unit) and {@code per} (tasks).
     */
    private static void timed(
            NotebookSession.CellRun run,
            String expected,
            String name,
            String unit,
            double scale,
            long per,
            Consumer<Figure> out) {
        String text = run.text();
        int space = text.lastIndexOf(' ');
        String result = text.substring(0, space);
        if (!result.equals(expected)) {
            throw new IllegalStateException(name + ": the cell returned " + result + ", expected " + expected);
        }
        long inner = Long.parseLong(text.substring(space + 1));
        out.accept(new Figure(name, unit, inner / scale / per));
        out.accept(new Figure(name + "_cell", unit, run.nanos() / scale / per));
    }

    private static void median(NotebookSession.CellRun run, String name, Consumer<Figure> out) {
        String[] w = run.text().split(" ");
        if (!w[0].equals("ok")) throw new IllegalStateException(name + ": the cell returned " + run.text());
        out.accept(new Figure(name, "us", Long.parseLong(w[1]) / 1e3));
    }
}
