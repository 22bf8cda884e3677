package io.jdask.deploy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * One long-running jdask process on another machine, seen through the local {@code ssh} that started it: its merged
 * output is read line by line (the last {@value #KEPT_LINES} lines are kept for error messages), the first line that
 * says it is ready completes {@link #ready}, and closing our end of its standard input stops it (the remote command
 * line, from {@link SshCluster}, kills the process when its input ends).
 *
 * <p>So a remote process ends when {@link #stop} closes the input, when this JVM exits (its shutdown hook stops them,
 * and if the JVM is killed outright the pipe to {@code ssh} closes, which has the same effect) and when the
 * connection drops.
 */
final class RemoteProcess {
    static final int KEPT_LINES = 60;

    private final String what;
    private final String host;
    private final Process ssh;
    private final Deque<String> lastLines = new ArrayDeque<>();
    private final CompletableFuture<String> ready = new CompletableFuture<>();

    private RemoteProcess(String what, String host, Process ssh, Predicate<String> isReady) {
        this.what = what;
        this.host = host;
        this.ssh = ssh;
        Thread reader = new Thread(() -> read(isReady), "jdask-ssh-" + host + "-" + what);
        reader.setDaemon(true);
        reader.start();
    }

    /** Runs {@code command} (an {@code ssh} command line) and watches its output for the line {@code isReady}. */
    static RemoteProcess start(String what, String host, List<String> command, Predicate<String> isReady) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            return new RemoteProcess(what, host, p, isReady);
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot start " + what + " on " + host + ": " + command.get(0) + " failed to run: "
                            + e.getMessage(),
                    e);
        }
    }

    private void read(Predicate<String> isReady) {
        try (BufferedReader r =
                new BufferedReader(new InputStreamReader(ssh.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                synchronized (lastLines) {
                    if (lastLines.size() == KEPT_LINES) lastLines.removeFirst();
                    lastLines.addLast(line);
                }
                if (!ready.isDone() && isReady.test(line)) ready.complete(line);
            }
        } catch (IOException e) {
            // The stream closed under us: the process is going away, which the waits below report.
        }
        int status;
        try {
            status = ssh.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            status = -1;
        }
        ready.completeExceptionally(new IllegalStateException(what + " on " + host + " exited with status " + status
                + " before it was ready; its output:\n" + output()));
    }

    /**
     * Waits until the process printed its ready line and returns that line.
     *
     * @throws IllegalStateException naming the host, with the remote output, if it exited or did not get ready in time
     */
    String awaitReady(Duration timeout) {
        try {
            return ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw (IllegalStateException) e.getCause();
        } catch (TimeoutException e) {
            throw new IllegalStateException(what + " on " + host + " was not ready within " + timeout.toSeconds()
                    + " s; its output so far:\n" + output());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + what + " on " + host, e);
        }
    }

    /** The last lines the remote process and ssh printed. */
    String output() {
        synchronized (lastLines) {
            return lastLines.isEmpty() ? "(nothing)" : String.join("\n", lastLines);
        }
    }

    boolean isAlive() {
        return ssh.isAlive();
    }

    String host() {
        return host;
    }

    /** Asks the remote process to stop: closes its input, which makes the remote side send it SIGTERM. */
    void requestStop() {
        try {
            ssh.getOutputStream().close();
        } catch (IOException e) {
            // Already closed: the process is gone or going.
        }
    }

    /**
     * Stops the remote process and waits for it to end; if it has not after {@code grace}, kills the local ssh (which
     * drops the connection, and the remote side then kills the process as well).
     *
     * @return null if it ended in time, else what went wrong
     */
    String stop(Duration grace) {
        requestStop();
        try {
            if (ssh.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) return null;
            ssh.destroyForcibly();
            ssh.waitFor(5, TimeUnit.SECONDS);
            return what + " on " + host + " did not stop within " + grace.toSeconds()
                    + " s of its input closing; its ssh was killed. Its output:\n" + output();
        } catch (InterruptedException e) {
            ssh.destroyForcibly();
            Thread.currentThread().interrupt();
            return "interrupted while stopping " + what + " on " + host;
        }
    }

    @Override
    public String toString() {
        return what + " on " + host;
    }
}
