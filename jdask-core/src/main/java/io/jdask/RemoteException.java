package io.jdask;

import java.io.Serial;

/**
 * Stands for an exception raised in another process whose class could not be rebuilt here (it did not
 * serialize, or its class is missing in this JVM). Its message starts with the original class name; the
 * remote stack trace is in {@link #remoteTraceback()} and is printed with this exception.
 */
public class RemoteException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final String remoteType;
    private final String remoteTraceback;

    public RemoteException(String remoteType, String message, String remoteTraceback) {
        super(remoteType + (message == null ? "" : ": " + message));
        this.remoteType = remoteType;
        this.remoteTraceback = remoteTraceback;
    }

    /** The class name of the exception raised remotely. */
    public String remoteType() {
        return remoteType;
    }

    /** The stack trace as printed remotely. */
    public String remoteTraceback() {
        return remoteTraceback;
    }

    @Override
    public String toString() {
        return super.toString() + (remoteTraceback == null ? "" : "\n  remote traceback:\n" + remoteTraceback);
    }
}
