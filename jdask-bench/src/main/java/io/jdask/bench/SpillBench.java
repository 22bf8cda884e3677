package io.jdask.bench;

import static io.jdask.bench.BenchOptions.positive;

import io.jdask.Client;
import io.jdask.Future;
import io.jdask.Futures;
import io.jdask.LocalCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * The spill benchmark of issue 13: a dataset of 2.5 times the cluster's memory limit, made by tasks and held as
 * futures, then read back whole by a reduction; time, spilled bytes and spill throughput. Dask's side is {@code
 * jdask-bench/dask/spill_bench.py}; the disk alone ({@code dd}) is measured by {@code run-spill-bench.sh} in the same
 * run, in the same directory.
 *
 * <pre>
 *   java -cp jdask-bench/target/benchmarks.jar io.jdask.bench.SpillBench [--workers 2] [--worker-mb 512]
 *        [--chunk-mb 32] [--factor 2.5] [--local-directory DIR] [--reps 1]
 *   jdask-bench/run-spill-bench.sh         (builds, runs dd, this and Dask's script, prints the comparison table)
 * </pre>
 *
 * <p>The cluster: a {@link LocalCluster} of {@code --workers} worker processes, 1 thread each, {@code memoryLimit}
 * {@code --worker-mb} MB (10^6 bytes, as Dask reads "512MB"; it is their heap), jdask's default fractions (target
 * 0.6, spill 0.7, pause 0.8), spilling under {@code --local-directory} (the script gives {@code
 * jdask-bench/target/spill-bench/local/jdask}; alone, the default is the system's temporary directory; each worker
 * makes a directory of its own there). The dataset: {@code chunks = ceil(factor * workers * limit / chunk)} tasks
 * {@link #chunk}{@code (i)}, each returning a {@code byte[]} of {@code --chunk-mb} MiB filled with one byte that
 * depends on {@code i} (77 chunks of 32 MiB, 2.6 GB, for the defaults). A repetition:
 *
 * <ol>
 *   <li>{@code make}: {@code client.map(chunk, 0..chunks-1)} until every future is done ({@code Futures.waitAll}); the
 *       chunks stay on the workers, held by the futures; what does not fit is spilled while they are made;
 *   <li>the workers' reports settle (the spilled bytes that {@code /metrics} shows, read every 0.5 s until two
 *       readings agree, at most 10 s): {@code spilled} is their sum over the workers, the bytes on disk once every
 *       chunk exists;
 *   <li>{@code read}: {@code client.mapRefs(checksum, futures)}, one task per chunk that sums one byte per 4 KiB page
 *       of it, gathered (small numbers) and checked against what {@link #chunk} wrote; every spilled chunk is read
 *       back from disk for its task;
 *   <li>the futures are released (the spill files go) before the next repetition.
 * </ol>
 *
 * Figures: {@code make} and {@code read} (s), {@code spilled} (B), and the spill throughputs {@code write_rate} =
 * spilled / make and {@code read_rate} = spilled / read (MB/s, 10^6 bytes). Both rates are end to end, and so lower
 * bounds of the disk I/O itself: {@code make} also fills the arrays and runs the tasks, {@code read} also runs the
 * checksum tasks, and a chunk read back may push another one out (its write is in {@code read}'s time too). jdask's
 * workers do not report the time of their spill I/O, only its bytes; Dask's script prints its workers' own
 * disk-write and disk-read times as comment lines.
 */
public final class SpillBench {

    private SpillBench() {}

    static final class Options {
        int workers = 2;
        int workerMb = 512;
        int chunkMb = 32;
        double factor = 2.5;
        String localDirectory = "";
        int reps = 1;

        static Options parse(String... args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("-h") || a.equals("--help")) throw new IllegalArgumentException(usage());
                if (i + 1 >= args.length) throw new IllegalArgumentException(a + " needs a value\n" + usage());
                String v = args[++i];
                switch (a) {
                    case "--workers" -> o.workers = positive(a, v);
                    case "--worker-mb" -> o.workerMb = positive(a, v);
                    case "--chunk-mb" -> o.chunkMb = positive(a, v);
                    case "--factor" -> o.factor = Double.parseDouble(v);
                    case "--local-directory" -> o.localDirectory = v;
                    case "--reps" -> o.reps = positive(a, v);
                    default -> throw new IllegalArgumentException("unknown option " + a + "\n" + usage());
                }
            }
            if (!(o.factor > 0)) throw new IllegalArgumentException("--factor must be above 0, got " + o.factor);
            return o;
        }

        static String usage() {
            return """
                    usage: SpillBench [--workers 2] [--worker-mb 512] [--chunk-mb 32] [--factor 2.5]
                                      [--local-directory DIR] [--reps 1]""";
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

    /** The byte chunk {@code i} is filled with. */
    static byte fill(int i) {
        return (byte) (i * 31 + 7);
    }

    /** Task: chunk {@code i}, {@code mb} MiB of {@link #fill}{@code (i)}. */
    static byte[] chunk(int i, int mb) {
        byte[] b = new byte[mb << 20];
        Arrays.fill(b, fill(i));
        return b;
    }

    /** Task: one byte per 4 KiB page, summed; for chunk {@code i} that is {@code pages * fill(i)}. */
    static long checksum(byte[] b) {
        long s = 0;
        for (int p = 0; p < b.length; p += 4096) s += b[p];
        return s;
    }

    static long expectedChecksum(int i, int mb) {
        return (long) ((mb << 20) / 4096) * fill(i);
    }

    /** One repetition's figures. */
    record Rep(double make, double read, double spilled) {}

    static void run(Options o, Consumer<String> out) {
        long limit = o.workerMb * 1_000_000L;
        long chunkBytes = (long) o.chunkMb << 20;
        int chunks = (int) Math.ceil(o.factor * o.workers * limit / chunkBytes);
        out.accept(String.format(
                Locale.ROOT,
                "# jdask SpillBench: java %s, %d cores; LocalCluster workers=%d threadsPerWorker=1 processes=true"
                        + " memoryLimit=%s; %d chunks of %d MiB = %.2f GB (%.2f x the cluster's limit of %.2f GB);"
                        + " local directory %s; %d repetitions",
                Runtime.version(),
                Runtime.getRuntime().availableProcessors(),
                o.workers,
                o.workerMb + "MB",
                chunks,
                o.chunkMb,
                chunks * chunkBytes / 1e9,
                chunks * (double) chunkBytes / (o.workers * limit),
                o.workers * limit / 1e9,
                o.localDirectory.isEmpty() ? "(the system's temporary directory)" : o.localDirectory,
                o.reps));
        LocalCluster.Builder b = LocalCluster.builder()
                .workers(o.workers)
                .threadsPerWorker(1)
                .processes(true)
                .memoryLimit(o.workerMb + "MB")
                .dashboardPort(0);
        if (!o.localDirectory.isEmpty()) {
            try {
                Files.createDirectories(Path.of(o.localDirectory));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot make the local directory " + o.localDirectory, e);
            }
            b.localDirectory(o.localDirectory);
        }
        try (LocalCluster cluster = b.build();
                Client client = Client.connect(cluster)) {
            String dashboard = client.dashboardLink();
            Rep[] reps = new Rep[o.reps];
            for (int r = 0; r < o.reps; r++) {
                List<String> before = cluster.workerAddresses();
                reps[r] = once(client, dashboard, chunks, o, out);
                if (!cluster.workerAddresses().equals(before)) {
                    // A worker that died (out of memory) and came back: its chunks were recomputed, which the times
                    // include; the figures are not those of a clean spill.
                    out.accept("# WARNING: the workers changed during repetition " + (r + 1) + ", from " + before
                            + " to " + cluster.workerAddresses() + ": a worker died and was restarted (its error is"
                            + " above); this repetition's times include recomputing its chunks");
                }
                out.accept(String.format(
                        Locale.ROOT,
                        "# repetition %d: make %.2f s, spilled %.2f GB, read %.2f s; spill write %.0f MB/s, read"
                                + " %.0f MB/s (end to end)",
                        r + 1,
                        reps[r].make(),
                        reps[r].spilled() / 1e9,
                        reps[r].read(),
                        reps[r].spilled() / reps[r].make() / 1e6,
                        reps[r].spilled() / reps[r].read() / 1e6));
            }
            String extra = "chunks=" + chunks + " chunk_mb=" + o.chunkMb + " workers=" + o.workers + " limit="
                    + o.workerMb + "MB" + " dataset_bytes=" + chunks * chunkBytes;
            out.accept(line("make", "s", reps, Rep::make, extra));
            out.accept(line("read", "s", reps, Rep::read, extra));
            out.accept(line("spilled", "B", reps, Rep::spilled, extra));
            out.accept(line("write_rate", "MB/s", reps, x -> x.spilled() / x.make() / 1e6, extra));
            out.accept(line("read_rate", "MB/s", reps, x -> x.spilled() / x.read() / 1e6, extra));
        }
    }

    static Rep once(Client client, String dashboard, int chunks, Options o, Consumer<String> out) {
        int mb = o.chunkMb;
        List<Integer> ids = IntStream.range(0, chunks).boxed().toList();
        long start = System.nanoTime();
        List<Future<byte[]>> data = client.map(i -> chunk(i, mb), ids);
        Futures.waitAll(data);
        long made = System.nanoTime();
        for (Future<byte[]> f : data) {
            if (f.exception() != null) throw new IllegalStateException("making a chunk failed", f.exception());
        }
        double spilled = settledSpilled(dashboard);
        if (!o.localDirectory.isEmpty()) {
            out.accept(String.format(
                    Locale.ROOT,
                    "# after make: the workers report %.3f GB spilled; the files under %s hold %.3f GB",
                    spilled / 1e9,
                    o.localDirectory,
                    filesBytes(Path.of(o.localDirectory)) / 1e9));
        }
        long readStart = System.nanoTime();
        List<Future<Long>> sums = client.mapRefs(SpillBench::checksum, data);
        List<Long> values = client.gather(sums);
        long read = System.nanoTime();
        for (int i = 0; i < chunks; i++) {
            if (values.get(i) != expectedChecksum(i, mb)) {
                throw new IllegalStateException("chunk " + i + " read back with checksum " + values.get(i)
                        + ", expected " + expectedChecksum(i, mb) + ": its bytes changed on the way to disk and back");
            }
        }
        for (Future<Long> f : sums) f.release();
        for (Future<byte[]> f : data) f.release();
        MillionBench.awaitGraphHandled(client);
        return new Rep((made - start) / 1e9, (read - readStart) / 1e9, spilled);
    }

    /**
     * The workers' spilled bytes as the scheduler's {@code /metrics} shows them, once two readings 0.5 s apart agree
     * (a worker reports at most twice a second), or the last reading after 10 s.
     */
    static double settledSpilled(String dashboard) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        double last = -1;
        while (true) {
            double now = DashboardMetrics.scrape(dashboard).sum("jdask_worker_memory_bytes", "type=\"spilled\"");
            if (now == last || System.nanoTime() > deadline) return now;
            last = now;
            SoakBench.sleepMillis(500);
        }
    }

    /** The bytes in the regular files under {@code dir}. */
    static long filesBytes(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile)
                    .mapToLong(p -> {
                        try {
                            return Files.size(p);
                        } catch (IOException e) {
                            return 0; // a file removed while walking
                        }
                    })
                    .sum();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    private static String line(
            String figure, String unit, Rep[] reps, java.util.function.ToDoubleFunction<Rep> f, String extra) {
        double[] v = new double[reps.length];
        for (int i = 0; i < reps.length; i++) v[i] = f.applyAsDouble(reps[i]);
        return ClusterBench.line(figure, unit, v, extra);
    }
}
