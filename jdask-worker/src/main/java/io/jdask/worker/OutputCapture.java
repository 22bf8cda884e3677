package io.jdask.worker;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;

/*
 * Design note. How a task's printing reaches its client (issue 16 item 1; Ray's log forwarding is the model, but
 * per thread instead of per process, since a worker runs many tasks at once).
 *
 * Once per worker process, System.out and System.err are replaced by PrintStreams over a routing OutputStream: on a
 * thread that has a capture open (a task thread while the task's function runs), bytes are cut into lines and handed
 * to that capture's Sink; on every other thread they go to the original stream, the worker's log. PrintStream locks
 * itself around each call, so the bytes of one println arrive together, on the caller's thread: the thread decides.
 *
 * Logging is captured as it reaches the console, on the logging thread: SLF4J's usual back ends (logback's console
 * appender, which jdask's LogSetup uses; slf4j-simple) look System.err up at each write, at the levels they are
 * configured for (INFO and above by default). java.util.logging's ConsoleHandler keeps the stream it saw when it was
 * made, so install() replaces the JUL root's console handlers by new ones made after the swap (same level, formatter
 * and filter), which then write through the routing stream too. So a logged line reaches the client or the log, never
 * both: a LocalCluster, which echoes its workers' error output, shows it once. A back end configured to write to a
 * file keeps writing there.
 *
 * Only worker processes install this (WorkerConfig.ownsProcess): a worker that shares its JVM with the client prints
 * where the client prints already. Threads a task starts do not inherit its capture: their output goes to the log.
 */
/** Per-thread capture of System.out, System.err and JUL logging in a worker process; see the note above. */
final class OutputCapture {
    /** The system property that turns forwarding off ({@code false}); on by default. */
    static final String FORWARD_OUTPUT_PROPERTY = io.jdask.Settings.WORKER_FORWARD_OUTPUT.name();

    /** A line longer than this many bytes is passed on in pieces (a runaway print must not grow without bound). */
    static final int MAX_LINE_BYTES = 16 * 1024;

    /** Where a capture's lines go; called on the capturing thread. */
    interface Sink {
        void line(boolean error, String text);
    }

    private static final ThreadLocal<Capture> CURRENT = new ThreadLocal<>();
    /** Guarded by the class: whether the streams are replaced in this JVM. */
    private static boolean installed;

    private OutputCapture() {}

    /** Whether forwarding is on for worker processes of this JVM's settings (default true). */
    static boolean forwardingEnabled() {
        return io.jdask.Settings.current().get(io.jdask.Settings.WORKER_FORWARD_OUTPUT);
    }

    /** Replaces System.out and System.err by routing streams, once per JVM; idempotent. */
    static synchronized void install() {
        if (installed) return;
        PrintStream out = System.out;
        PrintStream err = System.err;
        System.setOut(new PrintStream(new Routing(out, false), true, out.charset()));
        System.setErr(new PrintStream(new Routing(err, true), true, err.charset()));
        rebindConsoleHandlers(java.util.logging.Logger.getLogger(""));
        installed = true;
    }

    /**
     * Starts capturing this thread's output into {@code sink}; {@link #end} stops it. A capture already open on the
     * thread (a nested run) is ended first.
     */
    static void begin(Sink sink) {
        Capture open = CURRENT.get();
        if (open != null) open.close();
        CURRENT.set(new Capture(sink));
    }

    /** Stops capturing this thread's output, passing on a last line that had no line end. */
    static void end() {
        Capture c = CURRENT.get();
        if (c != null) {
            CURRENT.remove();
            c.close();
        }
    }

    /** Replaces {@code root}'s console handlers by ones made now, which write to the current (routing) System.err. */
    private static void rebindConsoleHandlers(java.util.logging.Logger root) {
        for (Handler h : root.getHandlers()) {
            if (h.getClass() != ConsoleHandler.class) continue;
            ConsoleHandler fresh = new ConsoleHandler();
            fresh.setLevel(h.getLevel());
            fresh.setFormatter(h.getFormatter());
            fresh.setFilter(h.getFilter());
            root.removeHandler(h);
            root.addHandler(fresh);
        }
    }

    /**
     * One thread's open capture: cuts its bytes into lines, by stream. Confined to its thread. Opened for every task, so
     * its buffers are made at the first byte: a task that prints nothing costs one small object.
     */
    static final class Capture {
        final Sink sink;
        /** The charsets the lines are decoded with; null: those of System.out/err at the first line. */
        private Charset outCharset;

        private Charset errCharset;
        private ByteArrayOutputStream out;
        private ByteArrayOutputStream err;

        Capture(Sink sink) {
            this.sink = sink;
        }

        Capture(Sink sink, Charset outCharset, Charset errCharset) {
            this.sink = sink;
            this.outCharset = outCharset;
            this.errCharset = errCharset;
        }

        void write(boolean error, byte[] b, int off, int len) {
            ByteArrayOutputStream buf = buffer(error);
            int end = off + len;
            for (int i = off; i < end; i++) {
                if (b[i] == '\n') {
                    buf.write(b, off, i - off);
                    emit(error, buf);
                    off = i + 1;
                } else if (buf.size() + (i - off) >= MAX_LINE_BYTES) {
                    buf.write(b, off, i - off);
                    emit(error, buf);
                    off = i;
                }
            }
            buf.write(b, off, end - off);
        }

        private ByteArrayOutputStream buffer(boolean error) {
            if (error) {
                if (err == null) err = new ByteArrayOutputStream(128);
                return err;
            }
            if (out == null) out = new ByteArrayOutputStream(128);
            return out;
        }

        private void emit(boolean error, ByteArrayOutputStream buf) {
            Charset cs;
            if (error) {
                if (errCharset == null) errCharset = System.err.charset();
                cs = errCharset;
            } else {
                if (outCharset == null) outCharset = System.out.charset();
                cs = outCharset;
            }
            String s = buf.toString(cs);
            buf.reset();
            if (s.endsWith("\r")) s = s.substring(0, s.length() - 1);
            sink.line(error, s);
        }

        void close() {
            if (out != null && out.size() > 0) emit(false, out);
            if (err != null && err.size() > 0) emit(true, err);
        }
    }

    /** The routing stream under the replaced System.out or System.err. */
    private static final class Routing extends OutputStream {
        private final PrintStream real;
        private final boolean error;

        Routing(PrintStream real, boolean error) {
            this.real = real;
            this.error = error;
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            Capture c = CURRENT.get();
            if (c == null) {
                real.write(b, off, len);
            } else {
                try {
                    c.write(error, b, off, len);
                } catch (RuntimeException e) { // a broken sink must not break the task's println
                    real.write(b, off, len);
                }
            }
        }

        @Override
        public void flush() {
            if (CURRENT.get() == null) real.flush();
        }
    }
}
