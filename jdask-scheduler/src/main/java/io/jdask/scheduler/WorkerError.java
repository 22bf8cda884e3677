package io.jdask.scheduler;

/**
 * A task's error as a worker reported it ({@link io.jdask.protocol.WorkerMsg.TaskErred}), kept by the state
 * as the task's opaque error object so that every {@link io.jdask.protocol.SchedulerMsg.KeyErred} about it, for
 * the key itself and for dependents blamed on it, carries the same fields. The bytes are never opened here.
 *
 * @param exception the serialized exception, or null when the worker could not serialize it
 * @param exceptionType the exception's class name
 * @param message its message
 * @param traceback its stack trace as text
 */
record WorkerError(byte[] exception, String exceptionType, String message, String traceback) {
    @Override
    public String toString() {
        return exceptionType + ": " + message;
    }
}
