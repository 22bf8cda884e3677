package io.jdask;

import java.io.Serial;

/**
 * A task was running on workers that died, {@code allowedFailures} times (default 3): it is suspected of killing
 * them and is not tried again. The message names the task, the last worker and, when its nanny could tell, why that
 * worker died: its exit code, whether it ran out of memory, and the last lines of its error output. A task that eats
 * its worker's memory usually ends here: give the workers more memory, or split the work.
 */
public class KilledWorkerException extends IllegalStateException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final String key;

    public KilledWorkerException(String key, String message) {
        super(message);
        this.key = key;
    }

    /** The key of the future that failed (the task itself, or one that needed it). */
    public String key() {
        return key;
    }
}
