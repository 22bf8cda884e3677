package io.jdask.client;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * This JVM's {@code System.out} and {@code System.err} teed into buffers, for tests of what a client prints: install
 * once per test class ({@link #install}), read with {@link #out()}/{@link #err()}, restore with {@link #close()}.
 */
final class ConsoleCapture implements AutoCloseable {
    private final PrintStream originalOut = System.out;
    private final PrintStream originalErr = System.err;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private ConsoleCapture() {}

    /** Replaces System.out and System.err by tees into this capture's buffers. */
    static ConsoleCapture install() {
        ConsoleCapture c = new ConsoleCapture();
        System.setOut(new PrintStream(new Tee(c.originalOut, c.out), true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(new Tee(c.originalErr, c.err), true, StandardCharsets.UTF_8));
        return c;
    }

    /** Everything printed on System.out since {@link #install}, as lines. */
    List<String> out() {
        synchronized (out) {
            return out.toString(StandardCharsets.UTF_8).lines().toList();
        }
    }

    /** Everything printed on System.err since {@link #install}, as lines. */
    List<String> err() {
        synchronized (err) {
            return err.toString(StandardCharsets.UTF_8).lines().toList();
        }
    }

    @Override
    public void close() {
        System.setOut(originalOut);
        System.setErr(originalErr);
    }

    private static final class Tee extends OutputStream {
        private final OutputStream original;
        private final ByteArrayOutputStream copy;

        Tee(OutputStream original, ByteArrayOutputStream copy) {
            this.original = original;
            this.copy = copy;
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            synchronized (copy) {
                copy.write(b, off, len);
            }
            try {
                original.write(b, off, len);
            } catch (java.io.IOException e) {
                // the copy is what the tests read
            }
        }

        @Override
        public void flush() throws java.io.IOException {
            original.flush();
        }
    }
}
