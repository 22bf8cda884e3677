package io.jdask.cli;

import static io.jdask.Dask.all;
import static io.jdask.Dask.delayed;

import io.jdask.Client;
import io.jdask.Dask;
import io.jdask.Delayed;
import io.jdask.Future;
import io.jdask.LocalCluster;
import io.jdask.viz.Rankdir;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jdask demo}: the lightning tour of delayed and futures on an embedded local cluster, each example timed
 * sequentially and in parallel so the speed-up shows, the graph drawn to SVG, and the decision guide printed.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = "Delayed vs futures on an embedded local cluster, with timings and a graph picture.")
public final class DemoCommand implements Callable<Integer> {

    @Option(
            names = "--unit-ms",
            defaultValue = "500",
            description = "How long each toy task sleeps, in milliseconds (default: ${DEFAULT-VALUE}).")
    long unitMs;

    @Option(names = "--workers", defaultValue = "2", description = "Worker processes (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--threads", defaultValue = "2", description = "Threads per worker (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--in-process", description = "Run the workers as threads in this JVM instead of processes.")
    boolean inProcess;

    @Option(
            names = "--out",
            defaultValue = "jdask-demo",
            description = "Folder for the graph pictures (default: ${DEFAULT-VALUE}).")
    Path out;

    @Override
    public Integer call() throws Exception {
        // The demo's own output is the point; the cluster's INFO lines (here and in worker processes) are noise.
        if (System.getProperty("jdask.log.level") == null) System.setProperty("jdask.log.level", "WARN");
        Demo.unitMs = unitMs;
        new Demo(System.out, out, workers, threads, !inProcess).run();
        return 0;
    }

    /** The demo itself, apart from option parsing so a test can run it. */
    static final class Demo {
        /** How long each toy function sleeps. Static because the task functions are static methods. */
        static volatile long unitMs = 500;

        private final PrintStream out;
        private final Path pictures;
        private final int workers;
        private final int threads;
        private final boolean processes;

        Demo(PrintStream out, Path pictures, int workers, int threads, boolean processes) {
            this.out = out;
            this.pictures = pictures;
            this.workers = workers;
            this.threads = threads;
            this.processes = processes;
        }

        static void work() throws InterruptedException {
            Thread.sleep(unitMs);
        }

        static int process(int x) throws InterruptedException {
            work();
            return x * 2;
        }

        static String load(String file) throws InterruptedException {
            Thread.sleep(unitMs * 3 / 5);
            return "data_" + file;
        }

        static String clean(String data) throws InterruptedException {
            work();
            return data.toUpperCase(java.util.Locale.ROOT);
        }

        static int aggregate(List<String> parts) throws InterruptedException {
            Thread.sleep(unitMs * 2 / 5);
            return parts.size();
        }

        /** As in the tutorial, inc and add sleep a full second (two units at the default unit). */
        static int inc(int x) throws InterruptedException {
            Thread.sleep(2 * unitMs);
            return x + 1;
        }

        static int add(int x, int y) throws InterruptedException {
            Thread.sleep(2 * unitMs);
            return x + y;
        }

        static int square(int x) throws InterruptedException {
            work();
            return x * x;
        }

        static int sum(List<Integer> xs) {
            int s = 0;
            for (int x : xs) s += x;
            return s;
        }

        void run() throws Exception {
            Files.createDirectories(pictures);
            out.printf("jdask demo: delayed and futures in Java (each toy task sleeps %d ms)%n", unitMs);

            section("Setup: a local cluster");
            long t0 = System.nanoTime();
            try (LocalCluster cluster = LocalCluster.builder()
                            .workers(workers)
                            .threadsPerWorker(threads)
                            .processes(processes)
                            .build();
                    Client client = Client.connect(cluster)) {
                out.printf(
                        "  %d %s x %d threads, scheduler at %s, ready in %.2f s%n",
                        workers,
                        processes ? "worker processes" : "in-process workers",
                        threads,
                        cluster.schedulerAddress(),
                        seconds(t0));
                if (!cluster.dashboardLink().isEmpty()) {
                    out.println("  dashboard: " + cluster.dashboardLink() + "  (open it to watch the tasks below run)");
                }
                lazy();
                dependencies();
                eager(client);
                sideBySide(client);
                incAdd();
                exercise(client);
            }
            guide();
        }

        private void lazy() throws Exception {
            section("1. delayed is lazy: it builds a graph, compute() runs it");
            long t0 = System.nanoTime();
            List<Integer> plain = new ArrayList<>();
            for (int i = 0; i < 4; i++) plain.add(process(i));
            report("sequential", plain, t0);
            t0 = System.nanoTime();
            List<Delayed<Integer>> lazy = new ArrayList<>();
            for (int i = 0; i < 4; i++) lazy.add(delayed(Demo::process).call(i));
            out.printf(
                    "  built %d lazy tasks in %.1f ms; nothing ran yet: %s%n",
                    lazy.size(), (System.nanoTime() - t0) / 1e6, lazy.get(0));
            report("delayed   ", Dask.compute(lazy), t0);
        }

        private void dependencies() throws Exception {
            section("2. delayed handles dependencies: load -> clean -> aggregate");
            long t0 = System.nanoTime();
            List<Delayed<String>> cleaned = new ArrayList<>();
            for (String f : List.of("a", "b", "c")) {
                cleaned.add(delayed(Demo::clean).call(delayed(Demo::load).call(f)));
            }
            Delayed<Integer> result = delayed(Demo::aggregate).call(all(cleaned));
            Path svg = pictures.resolve("pipeline.svg");
            result.visualize(Rankdir.LR).save(svg);
            report("delayed   ", result.compute(), t0);
            out.println("  graph picture: " + svg.toAbsolutePath());
        }

        private void eager(Client client) throws Exception {
            section("3. futures are eager: submit() starts the task now");
            List<Future<Integer>> futures = new ArrayList<>();
            for (int i = 0; i < 4; i++) futures.add(client.submit(Demo::process, i));
            out.println("  just submitted: "
                    + futures.stream().map(f -> f.status().toString()).toList());
            Thread.sleep(Math.max(20, unitMs / 5));
            out.println("  a moment later: "
                    + futures.stream().map(f -> f.status().toString()).toList());
            out.println("  first result:   " + futures.get(0).result() + " (done: "
                    + futures.get(0).done() + ")");
            out.println("  all results:    " + client.gather(futures));
        }

        private void sideBySide(Client client) throws Exception {
            section("4. side by side: the same 4 tasks");
            List<Delayed<Integer>> lazy = new ArrayList<>();
            for (int i = 0; i < 4; i++) lazy.add(delayed(Demo::process).call(i));
            long t0 = System.nanoTime();
            List<Future<Integer>> eager = new ArrayList<>();
            for (int i = 0; i < 4; i++) eager.add(client.submit(Demo::process, i));
            long submitted = System.nanoTime();
            Thread.sleep(unitMs); // do other work meanwhile: the futures run in the background
            long t1 = System.nanoTime();
            List<Integer> fromFutures = client.gather(eager);
            out.printf(
                    "  futures: submitted in %.1f ms, other work for %d ms, then the results were already waiting "
                            + "(%.2f s to gather) %s%n",
                    (submitted - t0) / 1e6, unitMs, seconds(t1), fromFutures);
            t0 = System.nanoTime();
            List<Integer> fromDelayed = Dask.compute(lazy);
            out.printf("  delayed: nothing ran until compute(), which took %.2f s %s%n", seconds(t0), fromDelayed);
        }

        private void incAdd() throws Exception {
            section("5. the tutorial's inc(1), inc(2), add(x, y)");
            long t0 = System.nanoTime();
            int x = inc(1);
            int y = inc(2);
            report("sequential", add(x, y), t0);
            t0 = System.nanoTime();
            Delayed<Integer> z = delayed(Demo::add)
                    .call(delayed(Demo::inc).call(1), delayed(Demo::inc).call(2));
            report("delayed   ", z.compute(), t0);
            out.println("  (the two inc calls run at once; add waits for both: 3 s become 2 s)");
            Path svg = pictures.resolve("inc-add.svg");
            z.visualize(svg);
            out.println("  graph picture: " + svg.toAbsolutePath());
        }

        private void exercise(Client client) throws Exception {
            section("6. exercise: square 1..8, then sum, both ways");
            List<Integer> data = List.of(1, 2, 3, 4, 5, 6, 7, 8);
            long t0 = System.nanoTime();
            List<Delayed<Integer>> squares = new ArrayList<>();
            for (int v : data) squares.add(delayed(Demo::square).call(v));
            report("delayed   ", delayed(Demo::sum).call(all(squares)).compute(), t0);
            t0 = System.nanoTime();
            List<Future<Integer>> fs = client.map(Demo::square, data);
            report("futures   ", client.submit(Demo::sum, all(fs)).result(), t0);
        }

        private void guide() {
            section("Which one?");
            out.println("  delayed  -> lazy: build the whole graph, look at it, then compute or persist it.");
            out.println("              Best for batch work with a known structure: loops, pipelines, reductions.");
            out.println("  futures  -> eager: each task starts as soon as you submit it.");
            out.println("              Best for interactive work, watching progress, and deciding what to submit next");
            out.println("              from results that have already arrived (as_completed, parameter sweeps).");
            out.println();
            out.println("Both run on the same scheduler and workers. Run the tests with ./jdask test; see README.md.");
        }

        private void section(String title) {
            out.println();
            out.println(title);
        }

        private void report(String label, Object value, long startNanos) {
            out.printf("  %s result = %-14s in %.2f s%n", label, value, seconds(startNanos));
        }

        private static double seconds(long startNanos) {
            return (System.nanoTime() - startNanos) / 1e9;
        }
    }
}
