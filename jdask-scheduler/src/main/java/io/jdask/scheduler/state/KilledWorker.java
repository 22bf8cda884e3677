package io.jdask.scheduler.state;

/**
 * The error a task gets when the workers running it kept dying: it is suspected of killing them.
 *
 * @param key the suspected task
 * @param lastWorker the address of the last worker that died while running it
 * @param deaths how many workers died while running it
 * @param cause why the last one died when known (exit code, out of memory, last lines of its error output), else empty
 */
public record KilledWorker(String key, String lastWorker, int deaths, String cause) {
    public KilledWorker {
        cause = cause == null ? "" : cause;
    }

    /** Without a known cause. */
    public KilledWorker(String key, String lastWorker, int deaths) {
        this(key, lastWorker, deaths, "");
    }

    /** A sentence for humans. */
    public String message() {
        return "Task '" + key + "' was running on " + deaths + " workers that died (the last was " + lastWorker
                + (cause.isEmpty() ? "" : ", which died: " + cause)
                + "); it is suspected of killing them and will not be retried. Check its memory use or native code,"
                + " or raise maxWorkerDeathsPerTask.";
    }

    @Override
    public String toString() {
        return "KilledWorker: " + message();
    }
}
