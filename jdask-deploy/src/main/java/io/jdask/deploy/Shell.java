package io.jdask.deploy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/** Quoting for POSIX shells and running a local command to its end (ssh, sbatch, scancel, squeue). */
final class Shell {
    private Shell() {}

    /** {@code word} as one shell word: single-quoted unless it is made of characters no shell treats specially. */
    static String quote(String word) {
        if (!word.isEmpty() && word.chars().allMatch(Shell::plain)) return word;
        return "'" + word.replace("'", "'\\''") + "'";
    }

    /** The words quoted and joined by spaces: a command line a shell splits back into exactly these words. */
    static String join(List<String> words) {
        return words.stream().map(Shell::quote).collect(Collectors.joining(" "));
    }

    private static boolean plain(int c) {
        return (c >= 'a' && c <= 'z')
                || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9')
                || "@%_-+=:,./".indexOf(c) >= 0;
    }

    /**
     * Runs {@code command} with {@code input} on its standard input (none if null) and returns what it printed.
     *
     * @throws IllegalStateException naming the command, its exit status and its output when it fails, cannot start
     *     or runs past {@code timeout}
     */
    static String run(List<String> command, String input, Duration timeout) {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        }
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(output unreadable: " + e.getMessage() + ")";
            }
        });
        try (OutputStream in = p.getOutputStream()) {
            if (input != null) in.write(input.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // The command exited without reading its input; its status and output say why.
        }
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(join(command) + " did not finish within " + timeout.toSeconds()
                        + " s; output so far: " + output.getNow("").trim());
            }
            String out = output.get(5, TimeUnit.SECONDS);
            if (p.exitValue() != 0) {
                throw new IllegalStateException(
                        join(command) + " failed with exit status " + p.exitValue() + ": " + out.trim());
            }
            return out;
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + join(command), e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot read the output of " + join(command), e);
        }
    }
}
