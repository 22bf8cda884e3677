package io.jdask.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdask.Client;
import io.jdask.Dask;
import io.jdask.Delayed;
import io.jdask.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 14 item 6 on worker processes: a task that waits on other tasks through {@code Dask.client()} gives its slot
 * up while it waits, so recursion deeper than the cluster's one thread completes instead of deadlocking. None of these
 * tasks secedes itself.
 */
class AutoSecedeProcessTest {
    @RegisterExtension
    static final ClusterExtension cluster = ClusterExtension.processes(1).threadsPerWorker(1);

    /** Fibonacci by submitting both halves and waiting on each with {@code result()}. */
    public static long fib(long n) {
        if (n < 2) return n;
        Client c = Dask.client();
        Future<Long> a = c.submit(AutoSecedeProcessTest::fib, n - 1);
        Future<Long> b = c.submit(AutoSecedeProcessTest::fib, n - 2);
        return a.result() + b.result();
    }

    /** The same, waiting on both halves at once with {@code gather}. */
    public static long fibGather(long n) {
        if (n < 2) return n;
        Client c = Dask.client();
        List<Long> halves = c.gather(List.of(
                c.submit(AutoSecedeProcessTest::fibGather, n - 1), c.submit(AutoSecedeProcessTest::fibGather, n - 2)));
        return halves.get(0) + halves.get(1);
    }

    public static long square(long x) {
        return x * x;
    }

    public static long sum(List<Long> xs) {
        return xs.stream().mapToLong(Long::longValue).sum();
    }

    /** A task that builds a lazy graph and computes it on the cluster it runs on. */
    public static long sumOfSquares(long n) {
        Dask.client(); // Delayed.compute() inside a task goes to the task's client
        var squares = new ArrayList<Delayed<Long>>();
        for (long i = 1; i <= n; i++)
            squares.add(Dask.delayed(AutoSecedeProcessTest::square).call(i));
        return Dask.delayed(AutoSecedeProcessTest::sum).call(Dask.all(squares)).compute();
    }

    @Test
    void recursiveFibOnOneThreadCompletesWithTheRightAnswer() {
        assertThat(cluster.client().submit(AutoSecedeProcessTest::fib, 12L).result(Duration.ofSeconds(120)))
                .isEqualTo(144L);
    }

    @Test
    void recursionWaitingWithGatherCompletes() {
        assertThat(cluster.client().submit(AutoSecedeProcessTest::fibGather, 8L).result(Duration.ofSeconds(120)))
                .isEqualTo(21L);
    }

    @Test
    void aTaskComputingADelayedGraphCompletes() {
        assertThat(cluster.client()
                        .submit(AutoSecedeProcessTest::sumOfSquares, 10L)
                        .result(Duration.ofSeconds(120)))
                .isEqualTo(385L);
    }
}
