package io.jdask.bench;

import java.io.File;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;

/**
 * A notebook kernel reduced to what costs time: one {@link JShell} with the local execution engine (cell code runs in
 * this JVM, its classes are defined by JShell's own class loader, as in the rapaio kernel), fed whole cells.
 *
 * <p>A cell holds several snippets (imports, declarations, statements); JShell evaluates one snippet per
 * {@code eval}, so a cell is split the way a kernel splits it, with {@link SourceCodeAnalysis#analyzeCompletion},
 * and its snippets are evaluated in order. {@link #cell} times all of that: the time a user waits from running the
 * cell to its end, JShell's compilation included. Not thread-safe: one caller, like a kernel's execute loop.
 */
final class NotebookSession implements AutoCloseable {

    /** What one cell gave: its wall time and the value of its last expression (null if it has none). */
    record CellRun(long nanos, String value) {
        /** The last value, with the quotes JShell puts around a {@code String} removed. */
        String text() {
            if (value == null) throw new IllegalStateException("the cell has no value");
            return value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")
                    ? value.substring(1, value.length() - 1)
                    : value;
        }
    }

    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    private final JShell shell;
    /** Whether each cell's start and end go to stderr with the wall clock, to match the cluster's debug logs. */
    private final boolean trace;

    private NotebookSession(JShell shell, boolean trace) {
        this.shell = shell;
        this.trace = trace;
    }

    /**
     * Starts a shell whose class path is this JVM's (the benchmark jar, or the test class path), as a kernel started
     * with {@code %jar benchmarks.jar} would have. The cells' own output is dropped: values come back as expressions.
     */
    static NotebookSession start() {
        return start(false);
    }

    /** As {@link #start()}; with {@code trace}, each cell's start and end are printed to stderr with the time. */
    static NotebookSession start(boolean trace) {
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        JShell shell = JShell.builder()
                .executionEngine("local")
                .out(quiet)
                .err(System.err)
                .build();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!entry.isBlank()) shell.addToClasspath(entry);
        }
        return new NotebookSession(shell, trace);
    }

    /** Runs one cell, snippet by snippet; a compile error or an exception in the cell fails the benchmark. */
    CellRun cell(String code) {
        String first = code.strip().lines().findFirst().orElse("");
        if (trace) System.err.println(LocalTime.now().format(CLOCK) + " # cell start: " + first);
        long start = System.nanoTime();
        SourceCodeAnalysis analysis = shell.sourceCodeAnalysis();
        String value = null;
        String remaining = code;
        while (!remaining.isBlank()) {
            SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(remaining);
            if (!info.completeness().isComplete()) {
                throw new IllegalStateException("cell ends inside a snippet (" + info.completeness() + "): "
                        + remaining.strip() + "\n-- in the cell --\n" + code);
            }
            value = evalSnippet(info.source(), code);
            remaining = info.remaining();
        }
        long nanos = System.nanoTime() - start;
        if (trace) {
            System.err.printf(
                    Locale.ROOT,
                    "%s # cell end (%.1f ms): %s%n",
                    LocalTime.now().format(CLOCK),
                    nanos / 1e6,
                    first);
        }
        return new CellRun(nanos, value);
    }

    private String evalSnippet(String source, String cell) {
        String value = null;
        List<SnippetEvent> events = shell.eval(source);
        for (SnippetEvent e : events) {
            if (e.exception() != null) {
                throw new IllegalStateException(
                        "cell failed at: " + source.strip() + "\n-- in the cell --\n" + cell, e.exception());
            }
            if (e.status() == Snippet.Status.REJECTED) {
                List<String> why = shell.diagnostics(e.snippet())
                        .map(d -> d.getMessage(Locale.ROOT))
                        .toList();
                throw new IllegalStateException(
                        "cell rejected at: " + source.strip() + "\n" + why + "\n-- in the cell --\n" + cell);
            }
            if (e.causeSnippet() == null && e.value() != null) value = e.value();
        }
        return value;
    }

    @Override
    public void close() {
        shell.close();
    }
}
