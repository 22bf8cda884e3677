package io.jdask.worker;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.Predicate;

/**
 * A nanny's copy of a worker process's error output: every line is passed on to the nanny's own error output as
 * before (and, for {@link #followMerged}, to a log file), and the last {@link #LINES} are kept, so that when the process dies the nanny can say why ({@link
 * WorkerExit}). One daemon thread per process reads the pipe until it closes.
 */
public final class ErrorTail {
    /** Lines kept. */
    public static final int LINES = 20;

    private final ArrayDeque<String> last = new ArrayDeque<>();
    private final Thread reader;

    private ErrorTail(InputStream errors, PrintStream echo, String name, Predicate<String> quiet, Path logFile) {
        this.reader = new Thread(() -> pump(errors, echo, quiet, logFile), "jdask-nanny-stderr-" + name);
        reader.setDaemon(true);
    }

    /**
     * Starts copying {@code process}'s error output (started with {@code Redirect.PIPE} for it) to {@code echo}.
     */
    public static ErrorTail follow(Process process, PrintStream echo, String name) {
        ErrorTail t = new ErrorTail(process.getErrorStream(), echo, name, line -> false, null);
        t.reader.start();
        return t;
    }

    /**
     * As {@link #follow(Process, PrintStream, String)} for a process started with both outputs merged ({@code
     * redirectErrorStream(true)}, read from its output stream); lines for which {@code quiet} is true are neither passed
     * on nor kept (a worker's announcement that it registered, which its nanny learns from the scheduler). Every line is
     * also appended to {@code logFile} unless it is null (or cannot be written: then the echo says so once).
     */
    public static ErrorTail followMerged(
            Process process, PrintStream echo, String name, Predicate<String> quiet, Path logFile) {
        ErrorTail t = new ErrorTail(process.getInputStream(), echo, name, quiet, logFile);
        t.reader.start();
        return t;
    }

    private void pump(InputStream errors, PrintStream echo, Predicate<String> quiet, Path logFile) {
        Writer log = open(logFile, echo);
        try (BufferedReader r = new BufferedReader(new InputStreamReader(errors, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                log = append(log, line, logFile, echo);
                if (quiet.test(line)) continue; // in the log file only
                echo.println(line);
                synchronized (last) {
                    if (last.size() == LINES) last.removeFirst();
                    last.addLast(line);
                }
            }
        } catch (IOException e) {
            // the process is gone and its pipe with it
        } finally {
            if (log != null) {
                try {
                    log.close();
                } catch (IOException e) {
                    // nothing left to write
                }
            }
        }
    }

    private static Writer open(Path logFile, PrintStream echo) {
        if (logFile == null) return null;
        try {
            return Files.newBufferedWriter(
                    logFile, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException | RuntimeException e) {
            echo.println("jdask: cannot write the worker log " + logFile + ": " + e);
            return null;
        }
    }

    /** Appends a line (flushed: the file is read while the worker runs); drops the file after a failed write. */
    private static Writer append(Writer log, String line, Path logFile, PrintStream echo) {
        if (log == null) return null;
        try {
            log.write(line);
            log.write('\n');
            log.flush();
            return log;
        } catch (IOException e) {
            echo.println("jdask: stopped writing the worker log " + logFile + ": " + e);
            try {
                log.close();
            } catch (IOException ignored) {
                // already failing
            }
            return null;
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
