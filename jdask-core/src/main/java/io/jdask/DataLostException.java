package io.jdask;

import java.io.Serial;

/**
 * A future's data was lost with the worker that held it and cannot be recomputed: it was scattered from a client
 * rather than computed, or the cluster went away. Scatter it again, or submit the work that made it.
 */
public class DataLostException extends IllegalStateException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final String key;

    public DataLostException(String key, String reason) {
        super("the data of " + key + " was lost: " + reason);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
