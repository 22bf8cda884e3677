package io.jdask.bench;

import io.jdask.Client;
import io.jdask.Future;
import io.jdask.Futures;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;

/**
 * The six workloads of {@link ClusterBench}, each one call on a {@link Client}, and the task functions they run.
 *
 * <p>Design note: the timed part of a figure is exactly one method here, so the smoke test runs the very code the
 * benchmark times (on an in-JVM cluster with a tiny N) and checks its results. Each workload either returns what it
 * computed, for the caller to check outside the timed region, or checks a single value itself when that costs
 * nothing next to a network round trip. Every task function is a static method passed by method reference, as a
 * user writes one: worker processes load this class from the bench jar, which is on their class path.
 *
 * <p>Nothing here releases futures: the caller does that after the clock stops, so releasing is not timed.
 * Thread-safety: stateless; every method may be called from any thread.
 */
final class ClusterWorkloads {
    private ClusterWorkloads() {}

    // ------------------------------------------------------------------ task functions (run on the workers)

    /** The no-op task: returns its argument. */
    static long noop(long x) {
        return x;
    }

    /** One link of the chain. */
    static long inc(long x) {
        return x + 1;
    }

    /** A result of {@code size} bytes whose content depends on {@code seed}, so a check can tell it was moved whole. */
    static byte[] filled(int size, int seed) {
        byte[] b = new byte[size];
        fill(b, seed);
        return b;
    }

    /** An order-sensitive checksum of {@code data} (a polynomial hash over every byte). */
    static long checksum(byte[] data) {
        long h = 1125899906842597L;
        for (byte x : data) h = 31 * h + x;
        return h;
    }

    /** Fills {@code b} with a pattern that differs per position and per {@code seed}. */
    static void fill(byte[] b, int seed) {
        for (int i = 0; i < b.length; i++) b[i] = (byte) (i * 31 + seed + (i >>> 11));
    }

    // ------------------------------------------------------------------ the timed workloads (run in the client)

    /**
     * Sends only warnings and errors to stderr, in this JVM and in the worker processes it starts (they inherit the
     * property), unless {@code -Djdask.log.level} says otherwise: benchmarks print their results on stdout.
     */
    static void quietLogs() {
        if (System.getProperty("jdask.log.level") == null) System.setProperty("jdask.log.level", "WARN");
    }

    /** Figure 1: {@code n} separate {@code submit(noop, i)} calls, then one {@code gather} of all of them. */
    static Result<List<Long>> submitThenGather(Client client, int n) {
        List<Future<Long>> fs = new ArrayList<>(n);
        for (long i = 0; i < n; i++) fs.add(client.submit(ClusterWorkloads::noop, i));
        return new Result<>(client.gather(fs), fs);
    }

    /** Figure 2: one {@code map(noop, 0..n-1)}, then one {@code gather}. */
    static Result<List<Long>> mapThenGather(Client client, int n) {
        List<Long> args = LongStream.range(0, n).boxed().toList();
        List<Future<Long>> fs = client.map(ClusterWorkloads::noop, args);
        return new Result<>(client.gather(fs), fs);
    }

    /**
     * Figure 3: {@code n} sequential round trips {@code submit(noop, i).result()}; returns each one's latency in
     * nanoseconds. Each result is checked as it arrives (a comparison, nothing next to a round trip).
     */
    static Result<long[]> roundTrips(Client client, int n) {
        long[] nanos = new long[n];
        List<Future<Long>> fs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long start = System.nanoTime();
            Future<Long> f = client.submit(ClusterWorkloads::noop, (long) i);
            long v = f.result();
            nanos[i] = System.nanoTime() - start;
            if (v != i) throw new IllegalStateException("round trip " + i + " returned " + v);
            fs.add(f);
        }
        return new Result<>(nanos, fs);
    }

    /** Figure 4: {@code inc(0)}, then {@code n - 1} {@code inc}s, each on the previous future; waits for the last. */
    static Result<Long> chain(Client client, int n) {
        if (n < 1) throw new IllegalArgumentException("a chain needs n >= 1, got " + n);
        List<Future<Long>> fs = new ArrayList<>(n);
        Future<Long> f = client.submit(ClusterWorkloads::inc, 0L);
        fs.add(f);
        for (int i = 1; i < n; i++) {
            f = client.submit(ClusterWorkloads::inc, f);
            fs.add(f);
        }
        return new Result<>(f.result(), fs);
    }

    /** Figure 5a: {@code scatter(data)}; returns when a worker has stored it (jdask's scatter waits for the ack). */
    static Result<Future<byte[]>> scatter(Client client, byte[] data) {
        Future<byte[]> f = client.scatter(data);
        return new Result<>(f, List.of(f));
    }

    /**
     * Figure 5b, untimed part: makes a {@code size}-byte result on a worker and waits until it is there, so that
     * {@link #gatherOne} then times the transfer alone.
     */
    static Future<byte[]> makeRemoteBytes(Client client, int size, int seed) {
        Future<byte[]> f = client.submit(ClusterWorkloads::filled, size, seed);
        Futures.waitAll(List.of(f));
        return f;
    }

    /** Figure 5b, timed part: {@code gather} of one finished future. */
    static byte[] gatherOne(Client client, Future<byte[]> f) {
        return client.gather(List.of(f)).get(0);
    }

    /** Checks, on the worker holding it, that a scattered array arrived whole (untimed). */
    static void checkScattered(Client client, Future<byte[]> f, byte[] sent) {
        Future<Long> check = client.submit(ClusterWorkloads::checksum, f);
        long remote;
        try {
            remote = check.result();
        } finally {
            check.release();
        }
        long local = checksum(sent);
        if (remote != local) {
            throw new IllegalStateException("scattered " + sent.length + " bytes, the worker's copy has checksum "
                    + remote + " instead of " + local);
        }
    }

    /** Checks a gathered {@link #filled} result (untimed). */
    static void checkFilled(byte[] got, int size, int seed) {
        if (got.length != size) throw new IllegalStateException("gathered " + got.length + " bytes, not " + size);
        byte[] want = new byte[size];
        fill(want, seed);
        if (!java.util.Arrays.equals(got, want)) {
            throw new IllegalStateException("the gathered " + size + " bytes differ from what the task made");
        }
    }

    /** Checks that {@code values} is exactly {@code 0, 1, ..., n-1} (untimed). */
    static void checkIdentity(List<Long> values, int n) {
        if (values.size() != n) throw new IllegalStateException("gathered " + values.size() + " values, not " + n);
        for (int i = 0; i < n; i++) {
            if (values.get(i) != i) {
                throw new IllegalStateException("value " + i + " is " + values.get(i) + " (results out of order?)");
            }
        }
    }

    /** Releases every future of a workload, after the clock has stopped. */
    static void release(List<? extends Future<?>> futures) {
        for (Future<?> f : futures) f.release();
    }

    /** What a workload computed, and the futures it made (to be released once the measurement is over). */
    record Result<T>(T value, List<? extends Future<?>> futures) {}
}
