package io.jdask;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class FuturesTest {

    @Test
    void waitFirstCompletedReturnsAsSoonAsOneIsDone() {
        TestFuture<Integer> a = new TestFuture<>("a");
        TestFuture<Integer> b = new TestFuture<>("b");
        new Thread(() -> b.finish(2)).start();
        Futures.DoneAndNotDone<Integer> r =
                Futures.wait(List.of(a, b), ReturnWhen.FIRST_COMPLETED, Duration.ofSeconds(10));
        assertThat(r.done()).containsExactly(b);
        assertThat(r.notDone()).containsExactly(a);
    }

    @Test
    void waitFirstExceptionStopsAtAFailure() {
        TestFuture<Integer> a = new TestFuture<>("a");
        TestFuture<Integer> b = new TestFuture<>("b");
        b.fail(new RuntimeException("boom"));
        var r = Futures.wait(List.of(a, b), ReturnWhen.FIRST_EXCEPTION, Duration.ofSeconds(10));
        assertThat(r.done()).containsExactly(b);
    }

    @Test
    void waitFirstExceptionDoesNotStopAtACancelledFuture() {
        TestFuture<Integer> a = new TestFuture<>("a");
        TestFuture<Integer> b = new TestFuture<>("b");
        TestFuture<Integer> c = new TestFuture<>("c");
        b.cancel();
        assertThatThrownBy(() -> Futures.wait(List.of(a, b, c), ReturnWhen.FIRST_EXCEPTION, Duration.ofMillis(100)))
                .hasCauseInstanceOf(TimeoutException.class);
        new Thread(() -> c.fail(new IllegalStateException("boom"))).start();
        var r = Futures.wait(List.of(a, b, c), ReturnWhen.FIRST_EXCEPTION, Duration.ofSeconds(10));
        assertThat(r.done()).containsExactlyInAnyOrder(b, c);
        assertThat(r.notDone()).containsExactly(a);
    }

    @Test
    void waitAllReturnsWhenEveryFutureIsDoneEvenFailedOnes() {
        TestFuture<Integer> a = new TestFuture<>("a");
        TestFuture<Integer> b = new TestFuture<>("b");
        a.finish(1);
        b.fail(new RuntimeException("boom"));
        Futures.waitAll(List.of(a, b));
        assertThat(a.done() && b.done()).isTrue();
    }

    @Test
    void waitNeverAsksForTheValuesOnlyForTheStates() {
        // On a cluster asking for a value fetches it from its worker: waiting on 2.6 GB of futures used to pull all of
        // it into the client (SpillBench's make phase, 18 s instead of 1 s, and OutOfMemoryError in the client).
        TestFuture<Integer> a = new TestFuture<>("a");
        TestFuture<Integer> b = new TestFuture<>("b");
        TestFuture<Integer> c = new TestFuture<>("c");
        a.finish(1);
        b.fail(new RuntimeException("boom"));
        c.finish(3);
        Futures.waitAll(List.of(a, b, c));
        Futures.wait(List.of(a, b, c), ReturnWhen.FIRST_COMPLETED, Duration.ofSeconds(10));
        Futures.wait(List.of(a, b, c), ReturnWhen.FIRST_EXCEPTION, Duration.ofSeconds(10));
        assertThat(List.of(a.valueRequests(), b.valueRequests(), c.valueRequests()))
                .containsExactly(0, 0, 0);
    }

    @Test
    void waitWithATimeoutSaysHowManyArePending() {
        TestFuture<Integer> a = new TestFuture<>("a");
        TestFuture<Integer> b = new TestFuture<>("b");
        a.finish(1);
        assertThatThrownBy(() -> Futures.wait(List.of(a, b), ReturnWhen.ALL_COMPLETED, Duration.ofMillis(50)))
                .isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(TimeoutException.class)
                .hasMessageContaining("1 of 2 futures still pending");
    }

    @Test
    void asCompletedYieldsInFinishingOrderAndAcceptsMoreWhileIterating() {
        List<TestFuture<Integer>> fs = new ArrayList<>();
        for (int i = 0; i < 3; i++) fs.add(new TestFuture<>("f" + i));
        AsCompleted<Integer> seq = Futures.asCompleted(fs);
        fs.get(2).finish(2);
        fs.get(0).finish(0);
        List<String> order = new ArrayList<>();
        TestFuture<Integer> extra = new TestFuture<>("extra");
        for (Future<Integer> f : seq) {
            order.add(f.key());
            if (f.key().equals("f0")) {
                seq.add(extra);
                extra.finish(9);
                fs.get(1).finish(1);
            }
        }
        assertThat(order).containsExactly("f2", "f0", "extra", "f1");
        assertThat(seq.count()).isZero();
    }

    @Test
    void asCompletedWithResultsPairsFuturesAndValues() {
        TestFuture<Integer> a = new TestFuture<>("a");
        a.finish(5);
        List<Integer> values = new ArrayList<>();
        for (var c : Futures.asCompleted(List.of(a)).withResults()) values.add(c.result());
        assertThat(values).containsExactly(5);
    }
}
