package io.jdask;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;

/**
 * The cluster seen as a {@link java.util.concurrent.ExecutorService}: {@link Client#executor()}. Code written against
 * the JDK's interface ({@code submit}, {@code invokeAll}, {@code invokeAny}) runs its tasks on worker processes.
 *
 * <p>A task travels to a worker, so it must be serializable. {@link #submit(Fn0)} takes care of that for lambdas:
 * {@code executor.submit(() -> slowCall(x))} picks this overload (an {@link Fn0} is a {@link Callable}, so it is the
 * more specific one) and the lambda is serializable without a cast. A {@code Callable} or {@code Runnable} that is
 * not serializable is refused at submission with an {@link IllegalArgumentException} saying so. The futures returned
 * are jdask {@link Future}s, also for {@code invokeAll}. Shutting the executor down stops it accepting tasks; it does
 * not close the client, and tasks already submitted keep running.
 */
public interface ClusterExecutor extends ExecutorService {
    /** Runs {@code task} on a worker; a lambda passed here is serializable. */
    <T> Future<T> submit(Fn0<T> task);

    /** Runs {@code task} on a worker; it must be serializable (an {@link Fn0}, or a serializable class). */
    @Override
    <T> Future<T> submit(Callable<T> task);
}
