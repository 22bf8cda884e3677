package io.jdask.worker;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.Predicate;

/**
 * A nanny's copy of a worker process's error output: every line is passed on to the nanny's own error output as
 * before, and the last {@link #LINES} are kept, so that when the process dies the nanny can say why ({@link
 * WorkerExit}). One daemon thread per process reads the pipe until it closes.
 */
public final class ErrorTail {
    /** Lines kept. */
    public static final int LINES = 20;

    private final ArrayDeque<String> last = new ArrayDeque<>();
    private final Thread reader;

    private ErrorTail(InputStream errors, PrintStream echo, String name, Predicate<String> quiet) {
        this.reader = new Thread(() -> pump(errors, echo, quiet), "jdask-nanny-stderr-" + name);
        reader.setDaemon(true);
    }

    /**
     * Starts copying {@code process}'s error output (started with {@code Redirect.PIPE} for it) to {@code echo}.
     */
    public static ErrorTail follow(Process process, PrintStream echo, String name) {
        ErrorTail t = new ErrorTail(process.getErrorStream(), echo, name, line -> false);
        t.reader.start();
        return t;
    }

    /**
     * As {@link #follow(Process, PrintStream, String)} for a process started with both outputs merged ({@code
     * redirectErrorStream(true)}, read from its output stream); lines for which {@code quiet} is true are kept but not
     * passed on (a worker's announcement that it registered, which its nanny learns from the scheduler).
     */
    public static ErrorTail followMerged(Process process, PrintStream echo, String name, Predicate<String> quiet) {
        ErrorTail t = new ErrorTail(process.getInputStream(), echo, name, quiet);
        t.reader.start();
        return t;
    }

    private void pump(InputStream errors, PrintStream echo, Predicate<String> quiet) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(errors, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (!quiet.test(line)) echo.println(line);
                synchronized (last) {
                    if (last.size() == LINES) last.removeFirst();
                    last.addLast(line);
                }
            }
        } catch (IOException e) {
            // the process is gone and its pipe with it
        }
    }

    /**
     * The last lines, once the pipe has closed or {@code waitMillis} have passed (a dead process's last words may
     * still be in the pipe when its exit is noticed).
     */
    public List<String> lastLines(long waitMillis) {
        try {
            reader.join(waitMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (last) {
            return List.copyOf(last);
        }
    }
}
