package io.jdask;

import java.io.PrintStream;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;

/*
 * Design note. Dask's progress() is a widget in a notebook and a text bar in a terminal; so is this. It polls the
 * futures' status() every REFRESH (status() never blocks and never fetches a result, so polling a few thousand
 * futures ten times a second is cheap) and redraws only when a count changed. Counting is one pure function
 * (Counts.of) that both renderings share, which is what the tests check.
 *
 * Terminal: one line on stderr, rewritten in place with '\r', ended with a newline once everything is done.
 * Notebook: the rapaio kernel's display(mime, value) returns an id that updateDisplay(id, mime, value) replaces
 * in place. The kernel is reached by reflection (it is not a dependency); any failure falls back to text.
 * The system property jdask.progress=text|html overrides the detection.
 */
/**
 * Progress bars for futures: {@code Progress.show(futures)} draws one and returns when every future is done.
 *
 * <p>In a terminal it is a text bar on stderr, updated in place; in a Jupyter notebook (the rapaio Java kernel)
 * it is an HTML bar per function name, updated in place. {@link #text} and {@link #html} give the current bars
 * without waiting, and {@link #showAsync} draws without blocking.
 *
 * {@snippet :
 * List<Future<Integer>> futures = client.map(Tutorial::inc, List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
 * Progress.show(futures);        // [########################################] 10/10 done  2.1 s
 * }
 */
public final class Progress {
    /** How often the futures are looked at. */
    static final Duration REFRESH = Duration.ofMillis(100);

    private static final int BAR_WIDTH = 40;
    private static final String KERNEL_GLOBAL = "org.rapaio.jupyter.kernel.global.Global";

    private Progress() {}

    /**
     * Draws a progress bar for the futures and returns once all of them are done (finished, erred, cancelled or
     * lost): HTML in a notebook, text on stderr elsewhere.
     */
    public static void show(Collection<? extends Future<?>> futures) {
        List<Future<?>> fs = List.copyOf(futures);
        if (inNotebook() && showInNotebook(fs)) {
            return;
        }
        show(fs, System.err);
    }

    /** Draws a text progress bar on {@code out}, updated in place, and returns once all futures are done. */
    public static void show(Collection<? extends Future<?>> futures, PrintStream out) {
        Objects.requireNonNull(out, "out");
        List<Future<?>> fs = List.copyOf(futures);
        long start = System.nanoTime();
        String last = null;
        while (true) {
            Counts c = Counts.of(fs);
            String line = c.bar(System.nanoTime() - start);
            if (!line.equals(last)) {
                out.print('\r');
                out.print(line);
                out.flush();
                last = line;
            }
            if (c.done() == c.total()) {
                out.println();
                out.flush();
                return;
            }
            if (!pause()) {
                out.println();
                return;
            }
        }
    }

    /** As {@link #show(Collection)} on a daemon thread; the returned future completes when all are done. */
    public static CompletableFuture<Void> showAsync(Collection<? extends Future<?>> futures) {
        List<Future<?>> fs = List.copyOf(futures);
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread t = new Thread(
                () -> {
                    try {
                        show(fs);
                        done.complete(null);
                    } catch (RuntimeException | Error e) {
                        done.completeExceptionally(e);
                    }
                },
                "jdask-progress");
        t.setDaemon(true);
        t.start();
        return done;
    }

    /** The bar as it stands now, one line, e.g. {@code [####------] 5/10 done (1 erred)}; never blocks. */
    public static String text(Collection<? extends Future<?>> futures) {
        return Counts.of(List.copyOf(futures)).bar(-1);
    }

    /**
     * The bars as they stand now as HTML (one per function name, and a total); never blocks. The result's
     * {@code toString()} is the markup, so {@code display(Progress.html(futures))} shows it in a notebook.
     */
    public static Html html(Collection<? extends Future<?>> futures) {
        return new Html(Counts.of(List.copyOf(futures)).html());
    }

    /** HTML markup whose {@link #toString()} is the markup itself, for notebook kernels that display strings. */
    public record Html(String markup) {
        @Override
        public String toString() {
            return markup;
        }
    }

    // ------------------------------------------------------------------ counting

    /** Counts of futures by outcome, in total and per function name. */
    record Counts(int total, int finished, int erred, int running, Map<String, int[]> byName) {
        /** Finished, erred, cancelled or lost. */
        int done() {
            int d = 0;
            for (int[] c : byName.values()) {
                d += c[1];
            }
            return d;
        }

        static Counts of(List<Future<?>> futures) {
            int finished = 0;
            int erred = 0;
            int running = 0;
            Map<String, int[]> byName = new TreeMap<>(); // name -> {total, done, erred}
            for (Future<?> f : futures) {
                FutureStatus s = f.status();
                int[] c = byName.computeIfAbsent(TaskRecord.functionNameOf(f.key()), k -> new int[3]);
                c[0]++;
                if (s.isDone()) {
                    c[1]++;
                }
                switch (s) {
                    case FINISHED -> finished++;
                    case ERROR, CANCELLED, LOST -> {
                        erred++;
                        c[2]++;
                    }
                    case RUNNING -> running++;
                    case PENDING -> {}
                }
            }
            return new Counts(futures.size(), finished, erred, running, byName);
        }

        /** The text bar; {@code elapsedNanos < 0} leaves the time out. */
        String bar(long elapsedNanos) {
            int done = done();
            int filled = total == 0 ? BAR_WIDTH : (int) ((long) BAR_WIDTH * done / total);
            var sb = new StringBuilder();
            sb.append('[')
                    .append("#".repeat(filled))
                    .append("-".repeat(BAR_WIDTH - filled))
                    .append("] ")
                    .append(done)
                    .append('/')
                    .append(total)
                    .append(" done");
            if (erred > 0) {
                sb.append(" (").append(erred).append(" erred)");
            }
            if (running > 0) {
                sb.append(", ").append(running).append(" running");
            }
            if (elapsedNanos >= 0) {
                sb.append(String.format(Locale.ROOT, "  %.1f s", elapsedNanos / 1e9));
            }
            return sb.toString();
        }

        String html() {
            var sb = new StringBuilder("<div class=\"jdask-progress\" style=\"font:12px sans-serif\">\n"
                    + "<table style=\"border-collapse:collapse\">\n");
            List<Map.Entry<String, int[]>> rows = new ArrayList<>(byName.entrySet());
            rows.add(Map.entry("total", new int[] {total, done(), erred}));
            for (Map.Entry<String, int[]> e : rows) {
                int[] c = e.getValue();
                double ok = c[0] == 0 ? 0 : 100.0 * (c[1] - c[2]) / c[0];
                double bad = c[0] == 0 ? 0 : 100.0 * c[2] / c[0];
                sb.append("<tr><td style=\"padding:2px 8px 2px 0;text-align:right\">")
                        .append(escape(e.getKey()))
                        .append("</td><td style=\"padding:2px 0\"><div style=\"width:300px;height:14px;"
                                + "background:#eee;display:flex\">")
                        .append(String.format(Locale.ROOT, "<div style=\"width:%.1f%%;background:#3b7dd8\"></div>", ok))
                        .append(String.format(
                                Locale.ROOT, "<div style=\"width:%.1f%%;background:#d9534f\"></div>", bad))
                        .append("</div></td><td style=\"padding:2px 8px\">")
                        .append(c[1])
                        .append('/')
                        .append(c[0])
                        .append(c[2] > 0 ? " (" + c[2] + " erred)" : "")
                        .append("</td></tr>\n");
            }
            return sb.append("</table></div>").toString();
        }
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /** Waits one refresh period; false if interrupted (the interrupt is kept). */
    private static boolean pause() {
        LockSupport.parkNanos(REFRESH.toNanos());
        return !Thread.currentThread().isInterrupted();
    }

    // ------------------------------------------------------------------ notebooks

    static boolean inNotebook() {
        String forced = Settings.current().get(Settings.PROGRESS);
        if (forced.equals("text")) {
            return false;
        }
        if (forced.equals("html")) {
            return true;
        }
        return kernelGlobal() != null;
    }

    private static Class<?> kernelGlobal() {
        for (ClassLoader l :
                new ClassLoader[] {Thread.currentThread().getContextClassLoader(), Progress.class.getClassLoader()}) {
            if (l == null) {
                continue;
            }
            try {
                return Class.forName(KERNEL_GLOBAL, false, l);
            } catch (ClassNotFoundException | LinkageError e) {
                // not in a rapaio kernel
            }
        }
        return null;
    }

    /** Shows and updates an HTML bar through the kernel; false if the kernel could not be used. */
    private static boolean showInNotebook(List<Future<?>> fs) {
        Class<?> global = kernelGlobal();
        if (global == null) {
            return false;
        }
        Method display;
        Method update;
        String id;
        String last;
        try {
            display = global.getMethod("display", String.class, Object.class);
            update = global.getMethod("updateDisplay", String.class, String.class, Object.class);
            last = Counts.of(fs).html();
            id = (String) display.invoke(null, "text/html", last);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return false; // the class is there but no kernel runs: draw text instead
        }
        while (true) {
            Counts c = Counts.of(fs);
            String now = c.html();
            if (!now.equals(last)) {
                try {
                    update.invoke(null, id, "text/html", now);
                } catch (ReflectiveOperationException | RuntimeException e) {
                    // keep waiting; the final state is what matters
                }
                last = now;
            }
            if (c.done() == c.total() || !pause()) {
                return true;
            }
        }
    }
}
