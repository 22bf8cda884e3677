package io.jdask.worker;

import io.jdask.protocol.Serializer;
import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * Why a task failed, in the form {@link io.jdask.protocol.WorkerMsg.TaskErred} carries: the
 * exception serialized (null if it does not serialize), its class name, its message and its full
 * stack trace as text, causes included, so a client can show what happened even when it cannot
 * open the exception. Handed to the state as the opaque error of {@code ExecuteFailure} and read
 * back when the state tells the shell to report the failure.
 */
record TaskError(byte[] exception, String exceptionType, String message, String traceback) {

    /** Describes {@code t}; never throws (a failing task must not take the worker down). */
    static TaskError of(Throwable t, Serializer serializer) {
        byte[] bytes;
        try {
            bytes = serializer.serialize(t);
        } catch (Throwable e) { // the exception itself may hold anything; its text still travels
            bytes = null;
        }
        String trace;
        try {
            StringWriter w = new StringWriter();
            t.printStackTrace(new PrintWriter(w));
            trace = w.toString();
        } catch (Throwable e) {
            trace = t.getClass().getName() + " (stack trace unavailable: " + e + ")";
        }
        String message;
        try {
            message = t.getMessage();
        } catch (Throwable e) {
            message = null;
        }
        return new TaskError(bytes, t.getClass().getName(), message, trace);
    }

    @Override
    public String toString() {
        return exceptionType + (message == null ? "" : ": " + message);
    }
}
