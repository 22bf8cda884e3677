package io.jdask.worker;

import java.util.List;

/**
 * Why a worker process ended, as its nanny saw it: the exit status, whether it ran out of memory, and the last lines
 * of its error output. {@link #describe()} is the one-paragraph account that the nanny logs and the scheduler puts
 * on the {@code KilledWorker} errors of the tasks that were running there.
 *
 * @param exitCode the process's exit status (128 + n for signal n)
 * @param outOfMemory whether it ran out of memory: the JVM's {@code OutOfMemoryError} message, or the worker's own
 *     report that its heap passed the terminate fraction, is among its last lines
 * @param lastLines the last lines of its error output, oldest first
 */
public record WorkerExit(int exitCode, boolean outOfMemory, List<String> lastLines) {
    /** Lines of error output {@link #describe()} quotes. */
    static final int QUOTED = 5;

    public WorkerExit {
        lastLines = List.copyOf(lastLines);
    }

    /** The account of an exit with status {@code exitCode} after {@code lastLines} of error output. */
    public static WorkerExit of(int exitCode, List<String> lastLines) {
        boolean oom = false;
        for (String line : lastLines) {
            oom |= line.contains("java.lang.OutOfMemoryError") || line.contains(": out of memory: heap at");
        }
        return new WorkerExit(
                exitCode, oom || exitCode == WorkerServer.EXIT_OUT_OF_MEMORY && lastLines.isEmpty(), lastLines);
    }

    /** E.g. {@code exit code 3, out of memory; last lines of its error output: ... | ...}. */
    public String describe() {
        StringBuilder sb = new StringBuilder("exit code ").append(exitCode);
        if (exitCode > 128 && exitCode < 160)
            sb.append(" (signal ").append(exitCode - 128).append(')');
        if (outOfMemory) sb.append(", out of memory");
        if (!lastLines.isEmpty()) {
            sb.append("; last lines of its error output: ");
            List<String> quoted = lastLines.subList(Math.max(0, lastLines.size() - QUOTED), lastLines.size());
            sb.append(String.join(" | ", quoted));
        }
        return sb.toString();
    }
}
