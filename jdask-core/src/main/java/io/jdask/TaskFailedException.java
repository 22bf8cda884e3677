package io.jdask;

import java.io.Serial;
import java.util.Objects;

/**
 * A task raised an exception. The message names the task's key; {@link #getCause()} is the exception the task
 * threw, with its stack trace. When the task ran in another process the cause is reconstructed there and
 * {@link #remoteTraceback()} holds the stack trace as that process printed it.
 *
 * <p>Unchecked exceptions of a task reach the caller of {@code Future.result()} as themselves; this exception
 * wraps checked ones there, and wraps every task failure of {@code Delayed.compute()}, whose caller needs to
 * know which task of the graph failed.
 */
public class TaskFailedException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final String key;
    private final String remoteTraceback;

    public TaskFailedException(String key, Throwable cause) {
        this(key, cause, null);
    }

    public TaskFailedException(String key, Throwable cause, String remoteTraceback) {
        super("task " + key + " failed: " + describe(cause), cause);
        this.key = Objects.requireNonNull(key, "key");
        this.remoteTraceback = remoteTraceback;
    }

    /** The key of the task that raised the exception (for a dependent's failure, the task that really failed). */
    public String key() {
        return key;
    }

    /** The stack trace as printed by the process that ran the task, or {@code null} if it ran in this JVM. */
    public String remoteTraceback() {
        return remoteTraceback;
    }

    private static String describe(Throwable cause) {
        if (cause == null) return "(no cause)";
        String message = cause.getMessage();
        return message == null ? cause.getClass().getName() : cause.getClass().getName() + ": " + message;
    }
}
