package io.jdask.bench;

import io.jdask.Actor;
import io.jdask.ActorFuture;
import io.jdask.Client;
import io.jdask.DLock;
import io.jdask.DQueue;
import io.jdask.LocalCluster;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * End-to-end latency and throughput of actor calls, queue round trips and lock acquire/release, on one worker
 * process over loopback TCP (the caller is a client in this JVM). Not JMH: each figure needs a live cluster, and
 * per-call latencies are recorded one by one to report the median and 99th percentile.
 *
 * <p>Command (after {@code ./mvnw -B -q install -DskipTests}):
 * <pre>
 * ./mvnw -B -q -pl jdask-bench dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 * java -cp jdask-bench/target/classes:$(cat /tmp/cp.txt) io.jdask.bench.CoordinationLatency
 * </pre>
 */
public final class CoordinationLatency {
    private CoordinationLatency() {}

    /** The actor measured: a counter. */
    public static final class Counter implements java.io.Serializable {
        private long n;

        public long increment() {
            return ++n;
        }
    }

    public static void main(String[] args) {
        ClusterWorkloads.quietLogs();
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        try (LocalCluster cluster = LocalCluster.builder()
                        .workers(1)
                        .threadsPerWorker(2)
                        .processes(true)
                        .memoryLimit("512MB")
                        .build();
                Client client = Client.connect(cluster)) {
            Actor<Counter> counter = client.<Counter>submitActor(Counter::new).result();
            for (int r = 0; r < rounds; r++) {
                System.out.println("round " + (r + 1));
                actorRoundTrip(counter, 20_000);
                actorAsync(counter, 200_000);
                queueRoundTrip(client.queue("bench-q"), 5_000);
                lockThroughput(client.lock("bench-lock"), 5_000);
            }
        }
    }

    static void actorRoundTrip(Actor<Counter> counter, int n) {
        long[] t = new long[n];
        for (int i = 0; i < n; i++) {
            long s = System.nanoTime();
            counter.call(Counter::increment).result();
            t[i] = System.nanoTime() - s;
        }
        report("actor call round trip", t);
    }

    static void actorAsync(Actor<Counter> counter, int n) {
        long s = System.nanoTime();
        List<ActorFuture<Long>> window = new ArrayList<>(10_000);
        for (int i = 0; i < n; i++) {
            window.add(counter.call(Counter::increment));
            if (window.size() == 10_000) {
                for (ActorFuture<Long> f : window) f.result();
                window.clear();
            }
        }
        for (ActorFuture<Long> f : window) f.result();
        double secs = (System.nanoTime() - s) / 1e9;
        System.out.printf("  async actor calls: %,.0f calls/s (%,d calls, windows of 10,000 in flight)%n", n / secs, n);
    }

    static void queueRoundTrip(DQueue<Integer> q, int n) {
        long[] t = new long[n];
        for (int i = 0; i < n; i++) {
            long s = System.nanoTime();
            q.put(i);
            q.get();
            t[i] = System.nanoTime() - s;
        }
        report("queue put+get", t);
    }

    static void lockThroughput(DLock lock, int n) {
        long s = System.nanoTime();
        for (int i = 0; i < n; i++) {
            lock.acquire();
            lock.release();
        }
        double secs = (System.nanoTime() - s) / 1e9;
        System.out.printf("  lock acquire+release: %,.0f pairs/s (%.1f us per pair)%n", n / secs, secs * 1e6 / n);
    }

    private static void report(String what, long[] t) {
        Arrays.sort(t);
        System.out.printf(
                "  %s: median %.1f us, p99 %.1f us (%,d calls)%n",
                what, t[t.length / 2] / 1e3, t[(int) (t.length * 0.99)] / 1e3, t.length);
    }
}
