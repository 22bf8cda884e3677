package io.jdask.client;

import io.jdask.FutureStatus;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What this client knows of one key: its status, where its value is, and how many live {@link FutureImpl}s hold it.
 *
 * <p>Written by the scheduler connection's I/O thread (reports) and by user threads (retry, release); every field
 * that changes together is guarded by {@code this}. {@link #done} is replaced on retry, so readers take it once
 * and wait on that instance.
 */
final class KeyState {
    final String key;
    /** Live futures of this key in this client; at zero the client tells the scheduler it no longer wants it. */
    final AtomicInteger holders = new AtomicInteger();

    /** Guarded by this. */
    private FutureStatus status = FutureStatus.PENDING;
    /** Completes when {@link #status} becomes final. Guarded by this (the reference). */
    private CompletableFuture<Void> done = new CompletableFuture<>();
    /** Workers holding the value (FINISHED). Guarded by this. */
    private List<String> where = List.of();
    /** The serialized value sent along with the report, or null. Guarded by this. */
    private byte[] inline;
    /** A value known locally (scattered from here, or an inline value once opened). Guarded by this. */
    private Object value;

    private boolean hasValue;
    /** ERROR/CANCELLED/LOST: what to throw, built lazily from the report. Guarded by this. */
    private Failure failure;

    private String typeName;
    private long nbytes;

    /** How a key failed, as reported; the exception is rebuilt on demand with the caller's class loader. */
    record Failure(
            FutureStatus status,
            String blamedKey,
            byte[] exception,
            String exceptionType,
            String message,
            String traceback) {}

    KeyState(String key) {
        this.key = key;
    }

    synchronized FutureStatus status() {
        return status;
    }

    synchronized CompletableFuture<Void> done() {
        return done;
    }

    synchronized boolean isDone() {
        return status.isDone();
    }

    synchronized void running() {
        if (status == FutureStatus.PENDING) status = FutureStatus.RUNNING;
    }

    void finished(List<String> holders, String typeName, long nbytes, byte[] inlineValue) {
        CompletableFuture<Void> d;
        synchronized (this) {
            this.where = holders;
            this.typeName = typeName;
            this.nbytes = nbytes;
            this.inline = inlineValue;
            this.failure = null;
            status = FutureStatus.FINISHED;
            d = done;
        }
        d.complete(null);
    }

    /**
     * The scheduler now lists other holders (the value was copied off a retired worker): a fetch tries them. False,
     * changing nothing, if a report came meanwhile ({@code where} is no longer {@code tried}) or the key is not done.
     */
    synchronized boolean moved(List<String> tried, List<String> holders) {
        if (status != FutureStatus.FINISHED || where != tried || holders.equals(tried)) return false;
        where = List.copyOf(holders);
        return true;
    }

    /** A value placed by this client (scatter): finished, held by {@code holders}, known here already. */
    void scattered(List<String> holders, Object localValue, long nbytes) {
        CompletableFuture<Void> d;
        synchronized (this) {
            this.where = holders;
            this.value = localValue;
            this.hasValue = true;
            this.nbytes = nbytes;
            this.typeName = localValue == null ? null : localValue.getClass().getName();
            status = FutureStatus.FINISHED;
            d = done;
        }
        d.complete(null);
    }

    void failed(Failure f) {
        CompletableFuture<Void> d;
        synchronized (this) {
            if (status == FutureStatus.FINISHED && f.status() == FutureStatus.CANCELLED) return;
            failure = f;
            status = f.status();
            inline = null;
            value = null;
            hasValue = false;
            d = done;
        }
        d.complete(null);
    }

    /**
     * The scheduler lost every copy of a FINISHED key and computes it again: PENDING until it reports the key anew,
     * and what was known of the old value (holders, inline or cached value) is dropped.
     */
    synchronized void recomputing() {
        if (status != FutureStatus.FINISHED) return;
        status = FutureStatus.PENDING;
        where = List.of();
        inline = null;
        value = null;
        hasValue = false;
        done = new CompletableFuture<>();
    }

    /**
     * Back to PENDING for a retry if the key erred (the scheduler keeps an erred task, so it can run it again);
     * returns the status it had.
     */
    synchronized FutureStatus resetIfErred() {
        FutureStatus before = status;
        if (status == FutureStatus.ERROR) {
            status = FutureStatus.PENDING;
            failure = null;
            done = new CompletableFuture<>();
        }
        return before;
    }

    synchronized List<String> where() {
        return where;
    }

    synchronized byte[] inline() {
        return inline;
    }

    synchronized Failure failure() {
        return failure;
    }

    synchronized String typeName() {
        return typeName;
    }

    synchronized long nbytes() {
        return nbytes;
    }

    /** The locally known value, or {@code absent} if there is none. */
    synchronized Object localValue(Object absent) {
        return hasValue ? value : absent;
    }

    synchronized void cacheValue(Object v) {
        value = v;
        hasValue = true;
        inline = null;
    }

    @Override
    public synchronized String toString() {
        return "KeyState[" + key + " " + status + ", holders=" + holders + "]";
    }
}
