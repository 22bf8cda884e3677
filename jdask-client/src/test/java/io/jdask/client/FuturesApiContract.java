package io.jdask.client;

import static io.jdask.Dask.all;
import static io.jdask.Dask.delayed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.jdask.AsCompleted;
import io.jdask.Client;
import io.jdask.ClusterExecutor;
import io.jdask.Delayed;
import io.jdask.Errors;
import io.jdask.Fn0;
import io.jdask.Future;
import io.jdask.FutureStatus;
import io.jdask.Futures;
import io.jdask.ReturnWhen;
import io.jdask.TaskFailedException;
import java.io.IOException;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole futures API, as tests shared by every way of running a cluster: each subclass says how its cluster starts
 * and how its client connects ({@link FuturesApiTest}: worker threads in this JVM, client attached directly;
 * {@link FuturesApiProcessesTest}: worker processes, client over TCP). The tests only use what both offer: task
 * functions are static methods of {@link Ops} and {@link Flaky}, whose shared state lives in files, not statics.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class FuturesApiContract {
    /** Two workers with two threads each, started once per test class as the subclass says. */
    @RegisterExtension
    final ClusterExtension cluster;

    FuturesApiContract(ClusterExtension cluster) {
        this.cluster = cluster;
    }

    @Test
    void submitRunsNowAndResultWaits() {
        Future<Integer> a = cluster.client().submit(Ops::add, 1, 2);
        assertThat(a.key()).startsWith("add-");
        assertThat(a.result()).isEqualTo(3);
        assertThat(a.status()).isEqualTo(FutureStatus.FINISHED);
        assertThat(a.done()).isTrue();
        assertThat(a.toString()).contains("finished").contains(a.key());
    }

    @Test
    void futuresAsArgumentsChainOnTheCluster() {
        Future<Integer> f1 = cluster.client().submit(Ops::add, 1, 2);
        Future<Integer> f2 = cluster.client().submit(Ops::add, f1, 10);
        Future<Integer> f3 = cluster.client().submit(Ops::add, f2, 100);
        assertThat(f3.result()).isEqualTo(113);
    }

    @Test
    void mapAndGather() {
        List<Future<Integer>> fs = cluster.client()
                .map(Ops::square, IntStream.range(0, 100).boxed().toList());
        List<Integer> rs = cluster.client().gather(fs);
        assertThat(rs).hasSize(100);
        assertThat(rs.get(9)).isEqualTo(81);
        assertThat(rs.stream().mapToInt(Integer::intValue).sum()).isEqualTo(328_350);
    }

    @Test
    void fanInWithAll() {
        List<Future<Integer>> fs = new ArrayList<>();
        for (int i = 0; i < 10; i++) fs.add(cluster.client().submit(Ops::inc, i));
        assertThat(cluster.client().submit(Ops::sum, all(fs)).result()).isEqualTo(55);
    }

    @Test
    void statusIsRunningWhileTheTaskRuns() {
        Future<Integer> f = cluster.client().submit(Ops::sleepThenInc, 1500, 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> f.status() != FutureStatus.PENDING);
        assertThat(f.status()).isEqualTo(FutureStatus.RUNNING);
        assertThat(f.done()).isFalse();
        assertThat(f.result()).isEqualTo(2);
    }

    @Test
    void anUncheckedExceptionIsRethrownAsItself() {
        Future<Integer> f = cluster.client().submit(Ops::mightFail, -5);
        assertThatThrownBy(f::result)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("negative input: -5");
        assertThat(f.status()).isEqualTo(FutureStatus.ERROR);
        assertThat(f.exception()).isInstanceOf(IllegalArgumentException.class);
        assertThat(f.exception().getStackTrace()[0].getMethodName()).isEqualTo("mightFail");
        assertThat(f.traceback()).contains("IllegalArgumentException").contains("mightFail");
        assertThatThrownBy(f::get)
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aCheckedExceptionIsWrappedNamingTheKey() {
        Future<Integer> f = cluster.client().submit(Ops::checkedFail, 3);
        assertThatThrownBy(f::result)
                .isInstanceOf(TaskFailedException.class)
                .hasMessageContaining(f.key())
                .hasCauseInstanceOf(IOException.class);
    }

    @Test
    void getWrapsATaskFailureInExecutionExceptionWithTheOriginalExceptionAsCause() {
        Future<Integer> checked = cluster.client().submit(Ops::checkedFail, 7);
        assertThatThrownBy(checked::get)
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isExactlyInstanceOf(IOException.class)
                .hasMessage("disk on fire at 7");
        assertThatThrownBy(() -> checked.get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseExactlyInstanceOf(IOException.class);
        // A dependent's get() carries the exception of the task that failed, not a wrapper of it.
        Future<Integer> dependent =
                cluster.client().submit(Ops::inc, cluster.client().submit(Ops::mightFail, -4));
        assertThatThrownBy(dependent::get)
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("negative input: -4");
    }

    @Test
    void aFailureReachesDependentsAndTheWorkerKeepsWorking() {
        Future<Integer> bad = cluster.client().submit(Ops::mightFail, -1);
        Future<Integer> after = cluster.client().submit(Ops::inc, bad);
        assertThatThrownBy(after::result).isInstanceOf(IllegalArgumentException.class);
        assertThat(cluster.client().submit(Ops::inc, 41).result()).isEqualTo(42);
    }

    @Test
    void onDoneAndCompletableFuture() throws Exception {
        Future<Integer> f = cluster.client().submit(Ops::inc, 9);
        CompletableFuture<Integer> seen = new CompletableFuture<>();
        f.onDone(done -> seen.complete(done.result()));
        assertThat(seen.get(10, TimeUnit.SECONDS)).isEqualTo(10);
        assertThat(f.toCompletableFuture().get(10, TimeUnit.SECONDS)).isEqualTo(10);
        assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo(10);
    }

    @Test
    void cancelAPendingTask() {
        Future<Integer> f = cluster.client().submit(Ops::sleepThenInc, 5000, 1);
        assertThat(f.cancel()).isTrue();
        // At once, as java.util.concurrent.Future requires: no waiting for the scheduler's confirmation.
        assertThat(f.isCancelled()).isTrue();
        assertThat(f.isDone()).isTrue();
        assertThat(f.cancel()).isFalse();
        assertThatThrownBy(() -> f.result(Duration.ofSeconds(10))).isInstanceOf(CancellationException.class);
        assertThatThrownBy(f::get).isInstanceOf(CancellationException.class); // the JDK's contract, not wrapped
        assertThat(f.status()).isEqualTo(FutureStatus.CANCELLED);
        assertThat(f.isCancelled()).isTrue();
    }

    @Test
    void retryRunsAFailedTaskAgain() {
        Future<Integer> f = cluster.client().submit(Flaky::failOnce, Flaky.newPath("retry"));
        assertThatThrownBy(f::result).isInstanceOf(IllegalStateException.class);
        f.retry();
        assertThat(f.result(Duration.ofSeconds(20))).isEqualTo(1);
    }

    @Test
    void retriesOptionRetriesAutomatically() {
        Future<Integer> f = cluster.client().with(o -> o.retries(2)).submit(Flaky::failOnce, Flaky.newPath("auto"));
        assertThat(f.result(Duration.ofSeconds(20))).isEqualTo(1);
    }

    @Test
    void retryOfACancelledTaskFailsNamingTheKeyInsteadOfWaitingForever() {
        // The cluster forgets a cancelled task, so there is nothing left to run again.
        Future<Integer> f = cluster.client().submit(Ops::sleepThenInc, 5000, 1);
        assertThat(f.cancel()).isTrue();
        assertThatThrownBy(f::retry)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(f.key())
                .hasMessageContaining("cancelled");
        assertThat(f.status()).isEqualTo(FutureStatus.CANCELLED);
        assertThatThrownBy(() -> f.result(Duration.ofSeconds(10))).isInstanceOf(CancellationException.class);
    }

    @Test
    void retryOfATaskThatDidNotFailChangesNothing() {
        Future<Integer> f = cluster.client().submit(Ops::inc, 1);
        assertThat(f.result()).isEqualTo(2);
        f.retry();
        assertThat(f.status()).isEqualTo(FutureStatus.FINISHED);
        assertThat(f.result(Duration.ofSeconds(10))).isEqualTo(2);
    }

    @Test
    void scatterOnceUseManyTimes() {
        double[] data = new double[100_000];
        java.util.Arrays.fill(data, 1.0);
        Future<double[]> big = cluster.client().scatter(data);
        assertThat(big.status()).isEqualTo(FutureStatus.FINISHED);
        List<Future<Double>> fs = new ArrayList<>();
        for (int i = 0; i < 10; i++) fs.add(cluster.client().submit(Ops::weightedSum, big, i));
        assertThat(cluster.client().gather(fs)).containsExactly(0.0, 1e5, 2e5, 3e5, 4e5, 5e5, 6e5, 7e5, 8e5, 9e5);
        assertThat(cluster.client().whoHas(List.of(big)).get(big.key())).isNotEmpty();
    }

    @Test
    void broadcastPutsACopyOnEveryWorker() {
        Future<double[]> everywhere = cluster.client().scatter(new double[] {1, 2, 3}, true);
        assertThat(cluster.client().whoHas(List.of(everywhere)).get(everywhere.key()))
                .hasSize(2);
    }

    @Test
    void scatterEachPutsEveryValueUnderItsOwnKeySpreadOverTheWorkers() {
        List<double[]> values = List.of(new double[1], new double[2], new double[3], new double[4]);
        List<Future<double[]>> fs = cluster.client().scatterEach(values);
        assertThat(fs).hasSize(4).allMatch(f -> f.status() == FutureStatus.FINISHED);
        assertThat(fs.stream().map(Future::key).distinct()).hasSize(4);
        Map<String, List<String>> who = cluster.client().whoHas(fs);
        assertThat(fs).allSatisfy(f -> assertThat(who.get(f.key())).hasSize(1));
        assertThat(fs.stream().map(f -> who.get(f.key()).get(0)).distinct()).hasSize(2);
        // Tasks read each value where it was put, in the order given.
        List<Future<Long>> lengths =
                fs.stream().map(f -> cluster.client().submit(Ops::length, f)).toList();
        assertThat(cluster.client().gather(lengths)).containsExactly(1L, 2L, 3L, 4L);
    }

    @Test
    void gatherSkippingErrors() {
        List<Future<Integer>> fs = List.of(
                cluster.client().submit(Ops::mightFail, 1),
                cluster.client().submit(Ops::mightFail, -1),
                cluster.client().submit(Ops::mightFail, 3));
        assertThat(cluster.client().gather(fs, Errors.SKIP)).containsExactly(2, 6);
        assertThatThrownBy(() -> cluster.client().gather(fs)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void waitForFirstAndAll() {
        Future<Integer> slow = cluster.client().submit(Ops::sleepThenInc, 2000, 1);
        Future<Integer> fast = cluster.client().submit(Ops::inc, 1);
        var r = Futures.wait(List.of(slow, fast), ReturnWhen.FIRST_COMPLETED, Duration.ofSeconds(10));
        assertThat(r.done()).contains(fast);
        Futures.waitAll(List.of(slow, fast));
        assertThat(slow.done()).isTrue();
    }

    @Test
    void waitForFirstExceptionReturnsOnceATaskFails() {
        Future<Integer> slow = cluster.client().submit(Ops::sleepThenInc, 10_000, 0);
        Future<Integer> bad = cluster.client().submit(Ops::mightFail, -1);
        var r = Futures.wait(List.of(slow, bad), ReturnWhen.FIRST_EXCEPTION, Duration.ofSeconds(20));
        assertThat(r.done()).containsExactly(bad);
        assertThat(r.notDone()).containsExactly(slow);
        slow.cancel();
    }

    @Test
    void waitForFirstExceptionWithoutAFailureWaitsForEveryTaskOrTheTimeout() {
        Future<Integer> slower = cluster.client().submit(Ops::sleepThenInc, 500, 1);
        Future<Integer> fast = cluster.client().submit(Ops::inc, 2);
        var r = Futures.wait(List.of(slower, fast), ReturnWhen.FIRST_EXCEPTION, Duration.ofSeconds(20));
        assertThat(r.done()).containsExactlyInAnyOrder(slower, fast);
        assertThat(r.notDone()).isEmpty();
        Future<Integer> slow = cluster.client().submit(Ops::sleepThenInc, 10_000, 0);
        assertThatThrownBy(() -> Futures.wait(List.of(slow), ReturnWhen.FIRST_EXCEPTION, Duration.ofMillis(100)))
                .hasRootCauseInstanceOf(java.util.concurrent.TimeoutException.class)
                .hasMessageContaining("1 of 1 futures still pending");
        slow.cancel();
    }

    @Test
    void asCompletedAcceptsNewWorkWhileIterating() {
        List<Future<Integer>> first = new ArrayList<>();
        for (int i = 0; i < 4; i++) first.add(cluster.client().submit(Ops::inc, i));
        AsCompleted<Integer> seq = Futures.asCompleted(first);
        int total = 0;
        int added = 0;
        for (Future<Integer> f : seq) {
            total += f.result();
            if (added < 3) {
                seq.add(cluster.client().submit(Ops::inc, 100 + added));
                added++;
            }
        }
        assertThat(total).isEqualTo(1 + 2 + 3 + 4 + 101 + 102 + 103);
    }

    @Test
    void asCompletedWithResultsPairsEveryFutureWithItsOwnResult() {
        List<Future<Integer>> fs = cluster.client().map(Ops::square, List.of(1, 2, 3, 4, 5, 6));
        Map<String, Integer> seen = new HashMap<>();
        for (AsCompleted.Completed<Integer> c : Futures.asCompleted(fs).withResults()) {
            assertThat(c.future().done()).isTrue();
            seen.put(c.future().key(), c.result());
        }
        Map<String, Integer> expected = new HashMap<>();
        for (int i = 0; i < fs.size(); i++) expected.put(fs.get(i).key(), (i + 1) * (i + 1));
        assertThat(seen).isEqualTo(expected);
    }

    @Test
    void asCompletedWithResultsFollowsTheFinishingOrderAndThrowsAFailureInItsTurn() {
        Future<Integer> slow = cluster.client().submit(Ops::sleepThenInc, 1500, 1);
        Future<Integer> bad = cluster.client().submit(Ops::mightFail, -3);
        Iterator<AsCompleted.Completed<Integer>> it =
                Futures.asCompleted(List.of(slow, bad)).withResults().iterator();
        assertThatThrownBy(it::next)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("negative input: -3");
        assertThat(it.hasNext()).isTrue();
        AsCompleted.Completed<Integer> last = it.next();
        assertThat(last.future()).isSameAs(slow);
        assertThat(last.result()).isEqualTo(2);
        assertThat(it.hasNext()).isFalse();
    }

    @Test
    void computeAndPersistDelayedOnTheCluster() {
        Delayed<Integer> x = delayed(Ops::inc).call(1);
        Delayed<Integer> y = delayed(Ops::inc).call(2);
        Delayed<Integer> z = delayed(Ops::add).call(x, y);
        Future<Integer> f = cluster.client().compute(z);
        assertThat(f.key()).isEqualTo(z.key());
        assertThat(f.result()).isEqualTo(5);
        List<Delayed<Integer>> persisted = cluster.client().persist(List.of(z));
        assertThat(delayed(Ops::inc).call(persisted.get(0)).compute()).isEqualTo(6);
    }

    @Test
    void computeAListRunsTheSharedPartOnceAndKeepsTheOrder() throws Exception {
        String runs = Flaky.newPath("shared");
        Delayed<Integer> shared = delayed(Flaky::countedInc).call(runs, 1);
        Delayed<Integer> plusTen = delayed(Ops::add).call(shared, 10);
        Delayed<Integer> squared = delayed(Ops::square).call(shared);
        List<Future<Integer>> fs = cluster.client().compute(List.of(plusTen, squared, shared));
        assertThat(fs).extracting(Future::key).containsExactly(plusTen.key(), squared.key(), shared.key());
        assertThat(cluster.client().gather(fs)).containsExactly(12, 4, 2);
        assertThat(Flaky.runs(runs)).isEqualTo(1);
    }

    @Test
    void delayedComputeUsesTheOpenClient() {
        Delayed<String> where = delayed(Ops::whereAmI).call(0);
        assertThat(where.compute()).doesNotStartWith("jdask-local").doesNotStartWith("main");
    }

    @Test
    void delayedComputeReportsTaskFailuresByKey() {
        Delayed<Integer> bad = delayed(Ops::mightFail).call(-2);
        Delayed<Integer> after = delayed(Ops::inc).call(bad);
        assertThatThrownBy(after::compute)
                .isInstanceOf(TaskFailedException.class)
                .satisfies(e -> assertThat(((TaskFailedException) e).key()).isEqualTo(bad.key()));
    }

    @Test
    void pureSubmissionsShareAKey() {
        Client pure = cluster.client().with(o -> o.pure(true));
        Future<Integer> a = pure.submit(Ops::square, 12);
        Future<Integer> b = pure.submit(Ops::square, 12);
        assertThat(a.key()).isEqualTo(b.key());
        assertThat(b.result()).isEqualTo(144);
    }

    @Test
    void anUnserializableArgumentFailsAtSubmitWithTheFix() {
        Runnable notSerializable = () -> {};
        assertThatThrownBy(() -> cluster.client().submit((Object o) -> 1, notSerializable))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot send task")
                .hasMessageContaining("Serializable");
        assertThatThrownBy(() -> cluster.client().submit((Object o) -> 1, Thread.currentThread()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Thread");
    }

    @Test
    void executorViewRunsLambdasOnTheClusterWithoutACast() throws Exception {
        ClusterExecutor executor = cluster.client().executor();
        int x = 41;
        Future<Integer> f = executor.submit(() -> Ops.inc(x)); // picks submit(Fn0): serializable, no cast
        assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo(42);
        assertThat(f.key()).isNotBlank();

        Callable<String> local = () -> "plain"; // a Callable-typed lambda is not serializable
        assertThatThrownBy(() -> executor.submit(local))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not Serializable")
                .hasMessageContaining("Fn0");
        Callable<String> castOne = (Callable<String> & Serializable) () -> "cast";
        assertThat(executor.submit(castOne).get(10, TimeUnit.SECONDS)).isEqualTo("cast");
    }

    @Test
    void executorInvokeAllRunsEveryTaskOnTheClusterAndKeepsFailuresInTheirFutures() throws Exception {
        List<Fn0<Integer>> tasks = List.of(() -> Ops.inc(1), () -> Ops.mightFail(-1), () -> Ops.square(3));
        List<java.util.concurrent.Future<Integer>> fs =
                cluster.client().executor().invokeAll(tasks);

        assertThat(fs).hasSize(3).allMatch(java.util.concurrent.Future::isDone);
        assertThat(fs.get(0).get()).isEqualTo(2);
        assertThatThrownBy(() -> fs.get(1).get()).isInstanceOf(ExecutionException.class);
        assertThat(fs.get(2).get()).isEqualTo(9);
        assertThat(fs.get(0)).isInstanceOf(Future.class); // jdask futures, with keys on the cluster
    }

    @Test
    void executorInvokeAllWithATimeoutCancelsWhatIsUnfinished() throws Exception {
        List<Fn0<Integer>> tasks = List.of(() -> Ops.inc(1), () -> Ops.sleepThenInc(60_000, 0));
        List<java.util.concurrent.Future<Integer>> fs =
                cluster.client().executor().invokeAll(tasks, 3, TimeUnit.SECONDS);

        assertThat(fs.get(0).get()).isEqualTo(2);
        assertThat(fs.get(1).isCancelled()).isTrue();
    }

    @Test
    void executorInvokeAnyReturnsASuccessAndFailsOnlyWhenEveryTaskFails() throws Exception {
        ClusterExecutor executor = cluster.client().executor();
        List<Fn0<Integer>> oneGood = List.of(() -> Ops.mightFail(-1), () -> Ops.inc(6));
        assertThat(executor.invokeAny(oneGood)).isEqualTo(7);

        List<Fn0<Integer>> allBad = List.of(() -> Ops.mightFail(-1), () -> Ops.mightFail(-2));
        assertThatThrownBy(() -> executor.invokeAny(allBad)).isInstanceOf(ExecutionException.class);
        assertThatThrownBy(() -> executor.invokeAny(List.<Fn0<Integer>>of()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void fireAndForgetKeepsATaskAliveAfterRelease() {
        String marker = Flaky.newPath("faf");
        Future<Integer> f = cluster.client().submit(Flaky::recordLater, marker);
        Futures.fireAndForget(f);
        f.release();
        await().atMost(Duration.ofSeconds(15))
                .untilAsserted(() -> assertThat(Flaky.recorded(marker)).isTrue());
    }

    @Test
    void releasedFuturesLetTheClusterForgetTheirData() {
        Future<byte[]> f = cluster.client().submit(Ops::bytes, 1000);
        f.result();
        String key = f.key();
        assertThat(cluster.client().hasWhat().values().stream().anyMatch(keys -> keys.contains(key)))
                .isTrue();
        f.release();
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(
                                cluster.client().hasWhat().values().stream().noneMatch(keys -> keys.contains(key)))
                        .isTrue());
    }

    @Test
    void garbageCollectedFuturesAreReleasedToo() {
        String key = cluster.client().submit(Ops::bytes, 10).key();
        // Each poll collects garbage first: the dropped future's Cleaner releases the key.
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(50))
                .untilAsserted(() -> {
                    System.gc();
                    assertThat(cluster.client().hasWhat().values().stream().noneMatch(keys -> keys.contains(key)))
                            .isTrue();
                });
    }

    @Test
    void clusterInformation() {
        Map<String, Integer> threads = cluster.client().nthreads();
        assertThat(threads).hasSize(2);
        assertThat(threads.values()).containsOnly(2);
        assertThat(cluster.client().schedulerAddress()).matches("(tcp|tls)://.*");
    }

    @Test
    void resultWithTimeoutNamesTheKey() {
        Future<Integer> slow = cluster.client().submit(Ops::sleepThenInc, 3000, 0);
        assertThatThrownBy(() -> slow.result(Duration.ofMillis(50)))
                .hasRootCauseInstanceOf(java.util.concurrent.TimeoutException.class)
                .hasMessageContaining(slow.key());
        slow.cancel();
    }

    @Test
    void twoTasksRunAtTheSameTimeOnTwoThreads() throws Exception {
        // Each waits until the other has started: only true parallelism lets both finish.
        String id = Flaky.newPath("par");
        Future<Boolean> a = cluster.client().submit(Flaky::meet, id, 2);
        Future<Boolean> b = cluster.client().submit(Flaky::meet, id, 2);
        assertThat(a.result(Duration.ofSeconds(20))).isTrue();
        assertThat(b.result(Duration.ofSeconds(20))).isTrue();
    }
}
