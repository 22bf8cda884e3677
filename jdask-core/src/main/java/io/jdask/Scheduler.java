package io.jdask;

/**
 * Where {@link Delayed#compute(Scheduler)} runs a graph.
 *
 * <ul>
 *   <li>{@link #SYNC}: every task in the calling thread, one after another. For debugging (a breakpoint or a
 *       stack trace sees the task) and as the reference the other schedulers are tested against.
 *   <li>{@link #THREADS}: a pool with one thread per core; {@link #threads(int)} picks another size. Tasks run as
 *       soon as their inputs are ready, and an intermediate result is dropped as soon as nothing still waiting
 *       needs it.
 *   <li>{@link #DEFAULT}: the cluster of the {@code Client} open in this JVM, if there is one, else
 *       {@link #THREADS}.
 * </ul>
 */
public final class Scheduler {
    /** The kinds of scheduler. */
    public enum Kind {
        DEFAULT,
        SYNC,
        THREADS
    }

    /** The open client's cluster if there is one, else {@link #THREADS}. */
    public static final Scheduler DEFAULT = new Scheduler(Kind.DEFAULT, 0);
    /** Runs every task in the calling thread. */
    public static final Scheduler SYNC = new Scheduler(Kind.SYNC, 1);
    /** A thread pool with one thread per core. */
    public static final Scheduler THREADS = new Scheduler(Kind.THREADS, 0);

    private final Kind kind;
    /** Pool size for THREADS; 0 means one per available core. */
    private final int threads;

    private Scheduler(Kind kind, int threads) {
        this.kind = kind;
        this.threads = threads;
    }

    /** A thread pool of {@code n} threads. */
    public static Scheduler threads(int n) {
        if (n < 1) throw new IllegalArgumentException("threads(n) needs n >= 1, got " + n);
        return new Scheduler(Kind.THREADS, n);
    }

    public Kind kind() {
        return kind;
    }

    /** The pool size this scheduler uses (for {@link #SYNC} 1). */
    public int threadCount() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Scheduler s && s.kind == kind && s.threads == threads;
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + threads;
    }

    @Override
    public String toString() {
        return switch (kind) {
            case DEFAULT -> "Scheduler.DEFAULT";
            case SYNC -> "Scheduler.SYNC";
            case THREADS -> threads == 0 ? "Scheduler.THREADS" : "Scheduler.threads(" + threads + ")";
        };
    }
}
