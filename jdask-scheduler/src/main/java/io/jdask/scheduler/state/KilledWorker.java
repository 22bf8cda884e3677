package io.jdask.scheduler.state;

/**
 * The error a task gets when the workers running it kept dying: it is suspected of killing them.
 *
 * @param key the suspected task
 * @param lastWorker the address of the last worker that died while running it
 * @param deaths how many workers died while running it
 */
public record KilledWorker(String key, String lastWorker, int deaths) {
    /** A sentence for humans. */
    public String message() {
        return "Task '" + key + "' was running on " + deaths + " workers that died (the last was " + lastWorker
                + "); it is suspected of killing them and will not be retried. Check its memory use or native code,"
                + " or raise maxWorkerDeathsPerTask.";
    }

    @Override
    public String toString() {
        return "KilledWorker: " + message();
    }
}
