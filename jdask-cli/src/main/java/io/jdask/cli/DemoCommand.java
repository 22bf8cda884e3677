package io.jdask.cli;

import static io.jdask.Dask.all;
import static io.jdask.Dask.delayed;

import io.jdask.Delayed;
import io.jdask.Scheduler;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jdask demo}: the examples of the "parallelize code with delayed" tutorial as a program, each timed
 * sequentially and then as a task graph, so the speed-up is visible.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Runs the delayed tutorial's examples, sequential vs parallel, with timings.")
public final class DemoCommand implements Callable<Integer> {

    @Option(names = "--unit-ms", defaultValue = "1000",
            description = "How long each toy task sleeps, in milliseconds (default: ${DEFAULT-VALUE}, as in the tutorial).")
    long unitMs;

    @Option(names = "--out", defaultValue = "jdask-demo",
            description = "Folder for the graph pictures (default: ${DEFAULT-VALUE}).")
    Path out;

    @Override
    public Integer call() throws Exception {
        Demo.unitMs = unitMs;
        new Demo(System.out, out).run();
        return 0;
    }

    /** The demo itself, apart from option parsing so a test can run it. */
    static final class Demo {
        /** How long each toy function sleeps. Static because the task functions are static methods. */
        static volatile long unitMs = 1000;

        private final PrintStream out;
        private final Path pictures;

        Demo(PrintStream out, Path pictures) {
            this.out = out;
            this.pictures = pictures;
        }

        static int inc(int x) throws InterruptedException {
            Thread.sleep(unitMs);
            return x + 1;
        }

        static int add(int x, int y) throws InterruptedException {
            Thread.sleep(unitMs);
            return x + y;
        }

        static int doubleIt(int x) throws InterruptedException {
            Thread.sleep(unitMs);
            return 2 * x;
        }

        static boolean isEven(int x) {
            return x % 2 == 0;
        }

        static int sum(List<Integer> xs) {
            int s = 0;
            for (int x : xs) s += x;
            return s;
        }

        void run() throws Exception {
            Files.createDirectories(pictures);
            out.printf("jdask demo: Dask's delayed for Java (each toy task sleeps %d ms)%n%n", unitMs);

            section("1. inc(1), inc(2), add(x, y)");
            long t0 = System.nanoTime();
            int x = inc(1);
            int y = inc(2);
            int z = add(x, y);
            report("sequential", z, t0);

            t0 = System.nanoTime();
            Delayed<Integer> dx = delayed(Demo::inc).call(1);
            Delayed<Integer> dy = delayed(Demo::inc).call(2);
            Delayed<Integer> dz = delayed(Demo::add).call(dx, dy);
            out.printf("  building the graph took %.3f ms; nothing has run yet: %s%n",
                    (System.nanoTime() - t0) / 1e6, dz);
            t0 = System.nanoTime();
            int result = dz.compute();
            report("delayed   ", result, t0);
            out.println("  (the two inc calls ran at the same time; add had to wait for both: 3 units -> 2)");
            Path svg = pictures.resolve("inc-add.svg");
            dz.visualize(svg);
            out.println("  graph picture: " + svg.toAbsolutePath());

            List<Integer> data = List.of(1, 2, 3, 4, 5, 6, 7, 8);
            section("2. a for loop: inc over " + data + ", then sum");
            t0 = System.nanoTime();
            List<Integer> plain = new ArrayList<>();
            for (int v : data) plain.add(inc(v));
            report("sequential", sum(plain), t0);
            t0 = System.nanoTime();
            List<Delayed<Integer>> lazy = new ArrayList<>();
            for (int v : data) lazy.add(delayed(Demo::inc).call(v));
            Delayed<Integer> total = delayed(Demo::sum).call(all(lazy));
            report("delayed   ", total.compute(Scheduler.threads(data.size())), t0);
            out.println("  (eight threads: one per task; sum is cheap, so it is not delayed work)");

            List<Integer> data10 = List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
            section("3. control flow: double the even numbers, inc the odd ones, then sum");
            t0 = System.nanoTime();
            int seqTotal = 0;
            for (int v : data10) seqTotal += isEven(v) ? doubleIt(v) : inc(v);
            report("sequential", seqTotal, t0);
            t0 = System.nanoTime();
            List<Delayed<Integer>> branches = new ArrayList<>();
            for (int v : data10) {
                // isEven is cheap and decides the shape of the graph, so it runs now, not lazily.
                branches.add(isEven(v) ? delayed(Demo::doubleIt).call(v) : delayed(Demo::inc).call(v));
            }
            Delayed<Integer> branchTotal = delayed(Demo::sum).call(all(branches));
            report("delayed   ", branchTotal.compute(Scheduler.threads(data10.size())), t0);
            Path svg2 = pictures.resolve("control-flow.svg");
            branchTotal.visualize(io.jdask.viz.Rankdir.LR).save(svg2);
            out.println("  graph picture: " + svg2.toAbsolutePath());

            out.println();
            out.println("Delayed builds a graph lazily and runs it when you call compute(); independent tasks run in");
            out.println("parallel. Run the tests with ./jdask test; read README.md for more.");
        }

        private void section(String title) {
            out.println();
            out.println(title);
        }

        private void report(String label, int value, long startNanos) {
            out.printf("  %s result = %-4d in %.2f s%n", label, value, (System.nanoTime() - startNanos) / 1e9);
        }
    }
}
