package io.jdask.scheduler.state;

/**
 * The error a submitted task gets when it depends on a key that is neither in its update nor known
 * to the scheduler (for example a future that was already released).
 *
 * @param key the task that cannot run
 * @param missingKey the dependency that exists nowhere
 */
public record MissingDependency(String key, String missingKey) {
    /** A sentence for humans. */
    public String message() {
        return "Task '" + key + "' depends on '" + missingKey + "', which is neither in the submitted graph nor known"
                + " to the scheduler. Keep a reference to the future of '" + missingKey + "' until '" + key
                + "' is submitted, or submit both together.";
    }

    @Override
    public String toString() {
        return "MissingDependency: " + message();
    }
}
