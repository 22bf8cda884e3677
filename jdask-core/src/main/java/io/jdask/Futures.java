package io.jdask;

import io.jdask.spi.Runtimes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Waiting on many futures: Dask's {@code wait}, {@code as_completed} and {@code fire_and_forget}. */
public final class Futures {
    private Futures() {}

    /** The outcome of {@link #wait}: which futures are done and which are not. */
    public record DoneAndNotDone<T>(Set<Future<T>> done, Set<Future<T>> notDone) {}

    /** Waits until every future is done (finished, failed or cancelled); never throws a task's exception. */
    public static <T> void waitAll(Collection<? extends Future<? extends T>> futures) {
        wait(futures, ReturnWhen.ALL_COMPLETED, null);
    }

    /**
     * Waits until the condition holds or the timeout passes ({@code null}: no timeout), then says which futures
     * are done. Only the futures' states are waited on: no result travels to the client (as Dask's {@code wait}), so
     * waiting on futures whose values are big, or spilled on their workers, costs nothing more than waiting on small
     * ones.
     *
     * @throws java.util.concurrent.CompletionException wrapping a {@link TimeoutException} if the timeout passed
     *     first, naming how many futures were still pending
     */
    @SuppressWarnings("unchecked")
    public static <T> DoneAndNotDone<T> wait(
            Collection<? extends Future<? extends T>> futures, ReturnWhen when, Duration timeout) {
        List<CompletableFuture<Void>> all = new ArrayList<>(futures.size());
        CompletableFuture<Void> firstError = new CompletableFuture<>();
        for (Future<? extends T> f : futures) {
            CompletableFuture<Void> settled = new CompletableFuture<>();
            ((Future<T>) f).onDone(done -> {
                // A cancelled future is done but did not raise, as in java.util.concurrent and Dask.
                if (raised(done.status())) firstError.complete(null);
                settled.complete(null);
            });
            all.add(settled);
        }
        CompletableFuture<Void> everyOne = CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
        CompletableFuture<?> condition = switch (when) {
            case ALL_COMPLETED -> everyOne;
            case FIRST_COMPLETED ->
                futures.isEmpty()
                        ? CompletableFuture.completedFuture(null)
                        : CompletableFuture.anyOf(all.toArray(CompletableFuture[]::new));
            case FIRST_EXCEPTION -> CompletableFuture.anyOf(firstError, everyOne);
        };
        try {
            if (timeout == null) condition.get();
            else condition.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.util.concurrent.CancellationException("interrupted while waiting for futures");
        } catch (ExecutionException e) {
            throw new IllegalStateException("unexpected", e.getCause());
        } catch (TimeoutException e) {
            long pending = futures.stream().filter(f -> !f.done()).count();
            throw new java.util.concurrent.CompletionException(new TimeoutException(
                    pending + " of " + futures.size() + " futures still pending after " + timeout));
        }
        Set<Future<T>> done = new LinkedHashSet<>();
        Set<Future<T>> notDone = new LinkedHashSet<>();
        for (Future<? extends T> f : futures) (f.done() ? done : notDone).add((Future<T>) f);
        return new DoneAndNotDone<>(done, notDone);
    }

    /** Iterates the futures in the order they finish; more can be {@link AsCompleted#add added} meanwhile. */
    public static <T> AsCompleted<T> asCompleted(Collection<? extends Future<? extends T>> futures) {
        return new AsCompleted<>(futures);
    }

    /** Keeps a task running on the cluster even after every client has dropped its future. */
    public static void fireAndForget(Future<?> future) {
        Runtimes.get().fireAndForget(future);
    }

    /** Whether a done future's task raised (failed or was lost), as opposed to finishing or being cancelled. */
    private static boolean raised(FutureStatus status) {
        return status == FutureStatus.ERROR || status == FutureStatus.LOST;
    }
}
