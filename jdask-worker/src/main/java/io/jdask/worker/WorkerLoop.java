package io.jdask.worker;

import io.jdask.protocol.Clock;
import io.jdask.protocol.Comm;
import io.jdask.protocol.CommOptions;
import io.jdask.protocol.SendHold;
import io.jdask.protocol.Tls;
import io.jdask.protocol.Transport;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A worker's event loop: one thread that runs the jobs posted to it and the timers, and decides when what the jobs
 * send leaves ({@link SendHold}).
 *
 * <p>With a TCP scheduler the loop is the one I/O thread of the scheduler connection's transport ({@link #control}):
 * a ComputeTask is read and handled, and a TaskFinished written, on one thread without a hand-off; data transfers
 * keep their own I/O threads. Otherwise it is a thread of its own, {@code jdask-worker-loop}.
 *
 * <p>Sends of consecutive jobs share one batch: it opens with the first job after a quiet spell and closes when no
 * posted job is left, so a burst (a hundred TaskFinished) leaves as one write to the scheduler. When it closes, the
 * sends to the connection the worker names ({@code heldConnection}: the scheduler's while a task of the worker runs)
 * stay held for at most {@link #HOLD_SENDS_NANOS}: a running task's outcome comes soon and its TaskFinished then
 * shares the write (under a stream of short tasks a write carries tens of them, not one), while a worker that has
 * nothing running sends at once: a round trip or a chain of dependent tasks, which wait for each message, is never
 * held, nor is anything sent to a peer.
 */
final class WorkerLoop {
    /**
     * How long the loop may hold its sends to the scheduler while a task of this worker is running: a bound on the
     * latency that batching adds, far below Dask's 2-10 ms batched-send interval.
     */
    static final long HOLD_SENDS_NANOS = 500_000;

    private final ScheduledExecutorService executor;
    /** The transport of the scheduler connection when it is TCP (one I/O thread, the loop's), else null. */
    private final Transport control;
    /** The loop's thread; set once, in the constructor or by the thread factory. */
    private volatile Thread thread;
    /** Jobs posted and not finished yet; the loop's send batch stays open while this is above 0. */
    private final AtomicInteger postedJobs = new AtomicInteger();
    /** Loop-confined. */
    private final SendHold sendHold;
    /** The connection whose sends may be held when the posted jobs are done, or null: nothing is held. */
    private final Supplier<Comm> heldConnection;
    /** Told when a job throws (a bug): the worker closes. */
    private final Consumer<Throwable> onFailure;

    WorkerLoop(
            String schedulerAddress,
            String name,
            Tls tls,
            Clock clock,
            Supplier<Comm> heldConnection,
            Consumer<Throwable> onFailure) {
        this.heldConnection = heldConnection;
        this.onFailure = onFailure;
        String scheme = Transports.scheme(schedulerAddress);
        if ("tcp".equals(scheme) || "tls".equals(scheme)) {
            this.control = Transport.tcp(CommOptions.builder()
                    .role("worker")
                    .name(name)
                    .ioThreads(1)
                    .tls("tls".equals(scheme) ? tls : null)
                    .build());
            this.executor = control.sharedIoThread();
            this.thread = CompletableFuture.supplyAsync(Thread::currentThread, executor)
                    .join();
        } else {
            this.control = null;
            ScheduledThreadPoolExecutor own = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "jdask-worker-loop");
                t.setDaemon(true);
                thread = t;
                return t;
            });
            own.setRemoveOnCancelPolicy(true);
            this.executor = own;
        }
        this.sendHold = new SendHold(clock, HOLD_SENDS_NANOS, this::schedule);
    }

    /** The transport to reach a TCP scheduler with (its I/O thread is the loop), or null for other schemes. */
    Transport control() {
        return control;
    }

    boolean isLoopThread() {
        return Thread.currentThread() == thread;
    }

    /** Runs {@code job} on the loop; dropped if the loop is shutting down. */
    void post(Runnable job) {
        postedJobs.incrementAndGet();
        try {
            executor.execute(() -> {
                sendHold.open();
                try {
                    job.run();
                } catch (RuntimeException | Error e) {
                    onFailure.accept(e);
                } finally {
                    if (postedJobs.decrementAndGet() == 0) {
                        Comm held = heldConnection.get();
                        sendHold.end(held != null, c -> c == held);
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            postedJobs.decrementAndGet();
        }
    }

    /** Runs {@code job} on the loop and waits for it; its exception is rethrown. */
    void runAndWait(Runnable job) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        executor.execute(() -> {
            try {
                job.run();
                done.complete(null);
            } catch (RuntimeException | Error e) {
                done.completeExceptionally(e);
            }
        });
        done.join();
    }

    /**
     * Runs {@code task} on the loop, between jobs, after {@code delayNanos}.
     *
     * @return false if the loop is shutting down and will not run it
     */
    boolean schedule(Runnable task, long delayNanos) {
        try {
            executor.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    /** Runs {@code task} on the loop every {@code periodMillis}. */
    void every(long periodMillis, Runnable task) {
        executor.scheduleWithFixedDelay(task, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    }

    /** Stops running jobs (a loop of its own stops now; the control transport's stops when it is closed). */
    void stop() {
        if (control == null) {
            executor.shutdownNow();
        }
    }

    /** Closes the control transport, if any, which stops the loop's thread too, and waits for the loop to end. */
    void closeAndAwait(int seconds) {
        if (control != null) {
            control.close();
        }
        try {
            executor.awaitTermination(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
