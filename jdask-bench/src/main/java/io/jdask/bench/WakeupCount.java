package io.jdask.bench;

import io.jdask.Actor;
import io.jdask.Client;
import io.jdask.Future;
import io.jdask.LocalCluster;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Counts the thread wake-ups (voluntary context switches, from {@code /proc/<pid>/task/<tid>/status}) and the CPU time
 * that one operation costs in each thread group of the client JVM (which also runs the scheduler) and of the two worker
 * JVMs: a {@code submit(...).result()} round trip, one task of a dependent chain, one actor call. Unlike a latency, a
 * count hardly depends on what else the machine is doing, so it shows where hand-offs between threads happen even on
 * a busy machine. Linux only.
 *
 * <pre>
 *   java -cp jdask-bench/target/benchmarks.jar io.jdask.bench.WakeupCount [operations]
 *   java -Djdask.client.direct=false -cp ... io.jdask.bench.WakeupCount     (the client over TCP, for comparison)
 * </pre>
 */
public final class WakeupCount {
    private WakeupCount() {}

    /** A counter for the actor figure. */
    public static final class Counter implements Serializable {
        private int n;

        public int increment() {
            return ++n;
        }
    }

    /** Voluntary switches, involuntary switches and CPU clock ticks, summed per "process thread-group". */
    static Map<String, long[]> sample(List<Long> pids) {
        Map<String, long[]> out = new TreeMap<>();
        long self = ProcessHandle.current().pid();
        for (long pid : pids) {
            try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
                for (Path t : tasks) {
                    try {
                        String group = ThreadCpu.group(Files.readString(t.resolve("comm")).trim());
                        long voluntary = 0;
                        long involuntary = 0;
                        for (String line : Files.readAllLines(t.resolve("status"))) {
                            if (line.startsWith("voluntary_ctxt_switches")) voluntary = Long.parseLong(line.split("\\s+")[1]);
                            if (line.startsWith("nonvoluntary_ctxt_switches")) involuntary = Long.parseLong(line.split("\\s+")[1]);
                        }
                        String stat = Files.readString(t.resolve("stat"));
                        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                        long[] a = out.computeIfAbsent((pid == self ? "client+scheduler " : "worker-" + pid + " ") + group,
                                k -> new long[3]);
                        a[0] += voluntary;
                        a[1] += involuntary;
                        a[2] += ticks;
                    } catch (IOException | RuntimeException gone) {
                        // the thread ended between listing and reading
                    }
                }
            } catch (IOException gone) {
                // the process ended
            }
        }
        return out;
    }

    static void report(String what, int n, long nanos, Map<String, long[]> before, Map<String, long[]> after) {
        System.out.printf(Locale.ROOT, "== %s: %.1f us per operation (mean of %d)%n", what, nanos / 1e3 / n, n);
        System.out.printf("   %-44s %10s %12s %12s%n", "thread group", "wake-ups", "preempted", "CPU us");
        double total = 0;
        for (var e : after.entrySet()) {
            long[] a = before.getOrDefault(e.getKey(), new long[3]);
            long[] b = e.getValue();
            double v = (b[0] - a[0]) / (double) n;
            double i = (b[1] - a[1]) / (double) n;
            double cpu = (b[2] - a[2]) * 10_000.0 / n; // clock ticks of 10 ms
            total += v;
            if (v >= 0.05 || cpu >= 1) System.out.printf(Locale.ROOT, "   %-44s %10.2f %12.2f %12.1f%n", e.getKey(), v, i, cpu);
        }
        System.out.printf(Locale.ROOT, "   %-44s %10.2f%n", "all threads", total);
    }

    static long inc(long x) {
        return x + 1;
    }

    public static void main(String[] args) {
        ClusterWorkloads.quietLogs();
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
        try (LocalCluster cluster = LocalCluster.builder().workers(2).threadsPerWorker(1).dashboardPort(-1).build();
                Client client = Client.connect(cluster)) {
            List<Long> pids = new ArrayList<>();
            pids.add(ProcessHandle.current().pid());
            ProcessHandle.current().children().forEach(p -> pids.add(p.pid()));

            for (int w = 0; w < 5 * n; w++) client.submit(ClusterWorkloads::noop, (long) w).result(); // warm-up
            var a = sample(pids);
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) client.submit(ClusterWorkloads::noop, (long) i).result();
            long t1 = System.nanoTime();
            report("round trip submit(noop).result()", n, t1 - t0, a, sample(pids));

            int chain = 1000;
            for (int w = 0; w < 5; w++) chain(client, chain);
            a = sample(pids);
            t0 = System.nanoTime();
            chain(client, chain);
            t1 = System.nanoTime();
            report("one task of a chain of " + chain, chain, t1 - t0, a, sample(pids));

            Actor<Counter> counter = client.submitActor(Counter::new).result();
            for (int w = 0; w < 5 * n; w++) counter.call(Counter::increment).result();
            a = sample(pids);
            t0 = System.nanoTime();
            for (int i = 0; i < n; i++) counter.call(Counter::increment).result();
            t1 = System.nanoTime();
            report("actor call round trip", n, t1 - t0, a, sample(pids));
        }
    }

    private static void chain(Client client, int n) {
        List<Future<Long>> fs = new ArrayList<>();
        Future<Long> f = client.submit(WakeupCount::inc, 0L);
        fs.add(f);
        for (int i = 1; i < n; i++) {
            f = client.submit(WakeupCount::inc, f);
            fs.add(f);
        }
        if (f.result() != n) throw new IllegalStateException("chain of " + n + " gave " + f.result());
        for (Future<Long> x : fs) x.release();
    }
}
