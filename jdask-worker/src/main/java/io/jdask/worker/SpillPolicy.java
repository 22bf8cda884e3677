package io.jdask.worker;

/**
 * The worker's memory decisions from numbers alone, so that they are tested without a heap to fill: how many bytes of
 * stored values to write to disk, and whether the worker runs, pauses or must exit. No I/O, no clock.
 *
 * <p>Two measures, as in Dask's {@code WorkerMemoryManager}: <b>managed</b> bytes are the sizes of the stored values
 * kept in memory (their serialized sizes); <b>process</b> bytes are the JVM heap in use after a collection, which also
 * counts what running tasks hold and what the worker itself needs. The first is checked whenever a value is stored,
 * the second by the memory monitor.
 */
final class SpillPolicy {
    /** What the process measure asks of the worker. */
    enum Status {
        RUNNING,
        PAUSED,
        TERMINATE
    }

    private final long limit;
    private final MemoryFractions fractions;

    /**
     * @param limit the worker's memory limit in bytes; 0 turns every decision off
     */
    SpillPolicy(long limit, MemoryFractions fractions) {
        if (limit < 0) throw new IllegalArgumentException("limit must be >= 0, was " + limit);
        this.limit = limit;
        this.fractions = fractions;
    }

    long limit() {
        return limit;
    }

    MemoryFractions fractions() {
        return fractions;
    }

    /** Whether values may go to disk at all (a limit, and a target or spill fraction). */
    boolean spills() {
        return limit > 0 && (fractions.target() > 0 || fractions.spill() > 0);
    }

    /** The managed bytes above which values go to disk, or {@code Long.MAX_VALUE} when the target is off. */
    long targetBytes() {
        return limit > 0 && fractions.target() > 0 ? (long) (fractions.target() * limit) : Long.MAX_VALUE;
    }

    /** Bytes of stored values to write to disk now that {@code managed} bytes are kept in memory; 0 if none. */
    long managedExcess(long managed) {
        long target = targetBytes();
        return managed > target ? managed - target : 0;
    }

    /**
     * Bytes of stored values to write to disk because the heap after a collection is {@code process} bytes: none while
     * it is at most the spill fraction of the limit, else enough to bring it back to the target fraction, but never
     * more than what is in memory ({@code managed}).
     */
    long processExcess(long process, long managed) {
        if (limit <= 0 || fractions.spill() <= 0 || process <= (long) (fractions.spill() * limit)) return 0;
        double back = fractions.target() > 0 ? fractions.target() : fractions.spill();
        return Math.min(managed, process - (long) (back * limit));
    }

    /** Whether the process measure should be confirmed by a collection: it is above the spill or pause fraction. */
    boolean worthCollecting(long heapUsed) {
        double lowest = lowestProcessFraction();
        return limit > 0 && lowest <= 1 && heapUsed > (long) (lowest * limit);
    }

    /** Run, pause or exit, for a heap of {@code process} bytes after a collection. */
    Status status(long process) {
        if (limit <= 0) return Status.RUNNING;
        if (fractions.terminate() > 0 && process > (long) (fractions.terminate() * limit)) return Status.TERMINATE;
        if (fractions.pause() > 0 && process > (long) (fractions.pause() * limit)) return Status.PAUSED;
        return Status.RUNNING;
    }

    private double lowestProcessFraction() {
        double lowest = 2;
        for (double f : new double[] {fractions.spill(), fractions.pause(), fractions.terminate()}) {
            if (f > 0) lowest = Math.min(lowest, f);
        }
        return lowest;
    }
}
