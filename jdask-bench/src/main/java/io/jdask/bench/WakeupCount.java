package io.jdask.bench;

import io.jdask.Actor;
import io.jdask.Client;
import io.jdask.Future;
import io.jdask.LocalCluster;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Counts the thread wake-ups (voluntary context switches, which {@link ThreadCpu} reads from {@code /proc}) and the
 * CPU time that one operation costs in each thread group of the client JVM (which also runs the scheduler) and of the
 * two worker JVMs: a {@code submit(...).result()} round trip, one task of a dependent chain, one actor call. Unlike a latency, a
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

    /** Prints, per thread group with any activity, the wake-ups, preemptions and CPU µs of one operation. */
    static void report(String what, int n, long nanos, ThreadCpu.Snapshot window) {
        System.out.printf(Locale.ROOT, "== %s: %.1f us per operation (mean of %d)%n", what, nanos / 1e3 / n, n);
        System.out.printf("   %-44s %10s %12s %12s%n", "thread group", "wake-ups", "preempted", "CPU us");
        double total = 0;
        for (var e : window.ticks().entrySet()) {
            long[] d = e.getValue();
            double wakeups = d[2] / (double) n;
            double cpu = ThreadCpu.us(d[0] + d[1], n);
            total += wakeups;
            if (wakeups >= 0.05 || cpu >= 1) {
                System.out.printf(
                        Locale.ROOT, "   %-44s %10.2f %12.2f %12.1f%n", e.getKey(), wakeups, d[3] / (double) n, cpu);
            }
        }
        System.out.printf(Locale.ROOT, "   %-44s %10.2f%n", "all threads", total);
    }

    static long inc(long x) {
        return x + 1;
    }

    public static void main(String[] args) {
        ClusterWorkloads.quietLogs();
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
        try (LocalCluster cluster = LocalCluster.builder()
                        .workers(2)
                        .threadsPerWorker(1)
                        .dashboardPort(-1)
                        .build();
                Client client = Client.connect(cluster)) {
            for (int w = 0; w < 5 * n; w++)
                client.submit(ClusterWorkloads::noop, (long) w).result(); // warm-up
            ThreadCpu.Snapshot a = ThreadCpu.take();
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++)
                client.submit(ClusterWorkloads::noop, (long) i).result();
            long t1 = System.nanoTime();
            report(
                    "round trip submit(noop).result()",
                    n,
                    t1 - t0,
                    ThreadCpu.take().minus(a));

            int chain = 1000;
            for (int w = 0; w < 5; w++) chain(client, chain);
            a = ThreadCpu.take();
            t0 = System.nanoTime();
            chain(client, chain);
            t1 = System.nanoTime();
            report(
                    "one task of a chain of " + chain,
                    chain,
                    t1 - t0,
                    ThreadCpu.take().minus(a));

            Actor<Counter> counter = client.submitActor(Counter::new).result();
            for (int w = 0; w < 5 * n; w++) counter.call(Counter::increment).result();
            a = ThreadCpu.take();
            t0 = System.nanoTime();
            for (int i = 0; i < n; i++) counter.call(Counter::increment).result();
            t1 = System.nanoTime();
            report("actor call round trip", n, t1 - t0, ThreadCpu.take().minus(a));
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
