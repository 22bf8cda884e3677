package io.jdask.client;

import io.jdask.protocol.WorkerMsg;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Prints what this client's tasks printed on the workers: each line on this JVM's {@code System.out} or {@code
 * System.err} (looked up at each print, so in a notebook it goes under the running cell), prefixed with the worker's
 * name: {@code (local-0) loading part 3}.
 *
 * <p>Batches arrive on the session's receiving thread (for a LocalCluster's client, the scheduler's loop), which must
 * never wait for a slow console: they are printed on a thread of their own, in arrival order. So that a task's lines
 * show before its result does ({@code future.result()} printing nothing yet would look like lost output), {@link
 * #settle} lets a caller wait, briefly, for the batches received before it to be printed; the worker sends a task's
 * output before its outcome, and the scheduler relays it in that order.
 *
 * <p>Thread-safety: {@link #print} from the receiving thread, {@link #settle} from any; counters under {@code this}.
 */
final class OutputPrinter {
    /** The longest {@link #settle} waits: a blocked console must not block results. */
    static final long SETTLE_MILLIS = 1000;

    /** Made on the first batch; null until then. Guarded by this. */
    private ExecutorService printer;
    /** Batches received and printed; guarded by this. */
    private long received;

    private long printed;
    private boolean closed;

    /** Receiving thread: queues a batch for printing. */
    void print(String worker, List<WorkerMsg.OutputLine> lines) {
        if (lines == null || lines.isEmpty()) return;
        ExecutorService p;
        synchronized (this) {
            if (closed) return;
            if (printer == null) {
                printer = Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(r, "jdask-client-output");
                    t.setDaemon(true);
                    return t;
                });
            }
            p = printer;
            received++;
        }
        try {
            p.execute(() -> {
                try {
                    printNow(worker, lines);
                } finally {
                    printedOne();
                }
            });
        } catch (RejectedExecutionException e) {
            printedOne(); // closed meanwhile
        }
    }

    private synchronized void printedOne() {
        printed++;
        notifyAll();
    }

    private static void printNow(String worker, List<WorkerMsg.OutputLine> lines) {
        String prefix = "(" + worker + ") ";
        PrintStream out = System.out;
        PrintStream err = System.err;
        boolean wroteOut = false;
        boolean wroteErr = false;
        for (WorkerMsg.OutputLine l : lines) {
            if (l == null) continue;
            if (l.error()) {
                err.println(prefix + l.text());
                wroteErr = true;
            } else {
                out.println(prefix + l.text());
                wroteOut = true;
            }
        }
        if (wroteOut) out.flush();
        if (wroteErr) err.flush();
    }

    /**
     * Waits until every batch received before this call is printed, for at most {@link #SETTLE_MILLIS}; at once when
     * there is none.
     */
    void settle() {
        synchronized (this) {
            if (printed >= received) return;
            long target = received;
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SETTLE_MILLIS);
            try {
                for (long left; printed < target && (left = deadline - System.nanoTime()) > 0; ) {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Prints what is queued (for up to {@link #SETTLE_MILLIS}), then stops. */
    void close() {
        ExecutorService p;
        synchronized (this) {
            closed = true;
            p = printer;
        }
        if (p == null) return;
        p.shutdown();
        try {
            p.awaitTermination(SETTLE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
