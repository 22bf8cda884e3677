package io.jdask.bench;

import static io.jdask.bench.BenchOptions.positive;

import io.jdask.Client;
import io.jdask.Future;
import io.jdask.FutureStatus;
import io.jdask.LocalCluster;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Time from SIGSTOP to the last result (issue 14): on a LocalCluster of 2 worker processes × 1 thread, 20 tasks of
 * 100 ms are submitted; once both workers run some, the first worker process is stopped with {@code kill -STOP}. The
 * figure is the time from that signal to the moment every result is in. It is about the worker time-to-live: the
 * stopped worker keeps its connection open, so only its silence gives it away. After each repetition the worker gets
 * SIGCONT and the next repetition waits for two workers again (the woken worker registers anew).
 *
 * <pre>
 *   java -cp jdask-bench/target/benchmarks.jar io.jdask.bench.SigstopBench [--ttl SECONDS] [--reps N]
 * </pre>
 *
 * {@code --ttl} is the scheduler's worker time-to-live (default 30, jdask's default). Prints one line per repetition
 * and {@code sigstop_to_last_result_s <median>}. {@code jdask-bench/run-sigstop-bench.sh} runs it beside
 * {@code dask/sigstop_bench.py}.
 */
public final class SigstopBench {
    private SigstopBench() {}

    static int slow(int x) throws InterruptedException {
        Thread.sleep(100);
        return x;
    }

    public static void main(String[] args) throws Exception {
        int ttl = 30;
        int reps = 3;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--ttl" -> ttl = positive("--ttl", args[++i]);
                case "--reps" -> reps = positive("--reps", args[++i]);
                default -> {
                    System.err.println("usage: SigstopBench [--ttl SECONDS] [--reps N]  (unknown: " + args[i] + ")");
                    System.exit(2);
                }
            }
        }
        List<Double> seconds = new ArrayList<>();
        try (LocalCluster cluster = LocalCluster.builder()
                        .workers(2)
                        .threadsPerWorker(1)
                        .memoryLimit("256MB")
                        .workerTtl(Duration.ofSeconds(ttl))
                        .dashboardPort(-1)
                        .build();
                Client client = Client.connect(cluster)) {
            for (int rep = 0; rep < reps; rep++) {
                waitFor(() -> cluster.workerAddresses().size() == 2, 120);
                List<Long> pids = workerPids();
                List<Future<Integer>> futures = new ArrayList<>();
                for (int i = 0; i < 20; i++) futures.add(client.submit(SigstopBench::slow, rep * 100 + i));
                // Both workers run tasks: the stop catches work in progress.
                waitFor(
                        () -> futures.stream()
                                        .filter(f -> f.status() == FutureStatus.RUNNING)
                                        .count()
                                >= 2,
                        60);
                long stopped = pids.getFirst();
                long t0 = System.nanoTime();
                signal("STOP", stopped);
                try {
                    client.gather(futures);
                    double s = (System.nanoTime() - t0) / 1e9;
                    seconds.add(s);
                    System.out.printf(Locale.ROOT, "rep %d: %.2f s from SIGSTOP to the last result%n", rep, s);
                } finally {
                    signal("CONT", stopped);
                }
            }
        }
        Collections.sort(seconds);
        System.out.printf(
                Locale.ROOT,
                "sigstop_to_last_result_s %.2f (ttl %d s, %d reps)%n",
                seconds.get(seconds.size() / 2),
                ttl,
                reps);
        System.exit(0);
    }

    /** The worker JVMs: children of this JVM that run a jdask worker. */
    private static List<Long> workerPids() {
        List<Long> pids = new ArrayList<>();
        ProcessHandle.current().children().forEach(p -> {
            String cmd = p.info().commandLine().orElse("");
            if (cmd.contains("io.jdask.worker.WorkerMain")) pids.add(p.pid());
        });
        if (pids.isEmpty()) throw new IllegalStateException("no worker process found among this JVM's children");
        return pids;
    }

    private static void signal(String signal, long pid) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
                .inheritIO()
                .start()
                .waitFor();
    }

    private static void waitFor(java.util.function.BooleanSupplier condition, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("timed out after " + seconds + " s");
            Thread.sleep(20);
        }
    }
}
