package io.jdask.scheduler.state;

/**
 * Tasks sharing a key prefix (the text before the last {@code '-'}), pooled for duration estimates:
 * tasks made by the same function usually take similar time.
 */
final class TaskPrefix {
    final String name;

    /** Exponential moving average (weight 1/2, as Dask) of measured durations; -1 until one finished. */
    long averageDurationNanos = -1;

    /** Number of tasks with this prefix that are not forgotten; the prefix is dropped at 0. */
    int liveTasks;

    TaskPrefix(String name) {
        this.name = name;
    }

    void recordDuration(long nanos) {
        if (nanos < 0) {
            return;
        }
        averageDurationNanos = averageDurationNanos < 0 ? nanos : (averageDurationNanos + nanos) / 2;
    }

    static String prefixOf(String key) {
        int dash = key.lastIndexOf('-');
        return dash <= 0 ? key : key.substring(0, dash);
    }
}
