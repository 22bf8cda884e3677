package io.jdask;

import java.io.Serial;

/**
 * A function run on a worker with {@link Client#run}, or a plugin's setup ({@link Client#register}), threw there. The
 * message names the worker; the cause is what was thrown (rebuilt here, or a {@link RemoteException} standing in for
 * it).
 */
public class WorkerRunException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final String worker;

    public WorkerRunException(String what, String worker, Throwable cause) {
        super(what + " failed on worker " + worker + ": " + cause, cause);
        this.worker = worker;
    }

    /** The address of the worker where it failed. */
    public String worker() {
        return worker;
    }
}
