package io.jdask;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * One run of a task on a worker, as recorded in the scheduler's task stream ({@code client.taskStream()}, the
 * dashboard's task stream picture). Times are the worker's wall clock around the call of the task's function,
 * so runs on one machine line up; on several machines they are as close as the machines' clocks.
 *
 * @param key the task's key, e.g. {@code inc-3f2a...}
 * @param functionName the key's text before its last {@code '-'}, normally the function's name
 * @param worker the address of the worker that ran it
 * @param thread the worker's task thread slot that ran it (0 up to its thread count, more while tasks secede;
 *     -1 if unknown)
 * @param startMicros when the function was called, microseconds since the epoch
 * @param stopMicros when it returned or threw, microseconds since the epoch
 * @param status {@link FutureStatus#FINISHED} or {@link FutureStatus#ERROR}
 */
public record TaskRecord(
        String key,
        String functionName,
        String worker,
        int thread,
        long startMicros,
        long stopMicros,
        FutureStatus status) {

    public TaskRecord {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(functionName, "functionName");
        Objects.requireNonNull(worker, "worker");
        Objects.requireNonNull(status, "status");
    }

    /** The function name of a key: its text before the last {@code '-'} (the whole key if it has none). */
    public static String functionNameOf(String key) {
        int dash = key.lastIndexOf('-');
        return dash <= 0 ? key : key.substring(0, dash);
    }

    /** When the function was called. */
    public Instant start() {
        return Instant.EPOCH.plusNanos(startMicros * 1000);
    }

    /** When it returned or threw. */
    public Instant stop() {
        return Instant.EPOCH.plusNanos(stopMicros * 1000);
    }

    /** How long it ran. */
    public Duration duration() {
        return Duration.ofNanos((stopMicros - startMicros) * 1000);
    }
}
