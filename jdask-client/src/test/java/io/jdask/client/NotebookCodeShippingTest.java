package io.jdask.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Code written in notebook cells runs on worker processes. JShell with its local execution engine stands in for a
 * Java notebook kernel (which runs JShell the same way): its classes exist only in JShell's class loader, so the
 * worker processes, started with the test's class path, must fetch them from the client by name.
 */
class NotebookCodeShippingTest {
    /** The shell's client (in the shell) is the one these tests use. */
    @RegisterExtension
    static final ClusterExtension cluster = ClusterExtension.processes(2).withoutClient();

    static JShell shell;

    @BeforeAll
    static void start() {
        shell = JShell.builder().executionEngine("local").build();
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            shell.addToClasspath(entry);
        }
        eval("import io.jdask.*;");
        eval("import static io.jdask.Dask.*;");
        eval("Client client = Client.connect(\"" + cluster.cluster().schedulerAddress() + "\");");
    }

    @AfterAll
    static void stop() {
        if (shell != null) {
            eval("client.close();");
            shell.close();
        }
    }

    /** Evaluates one cell and returns the value of its last expression, failing on any compile or run error. */
    static String eval(String code) {
        List<SnippetEvent> events = shell.eval(code);
        String value = null;
        for (SnippetEvent e : events) {
            if (e.exception() != null) throw new AssertionError("cell failed: " + code, e.exception());
            if (e.status() == Snippet.Status.REJECTED) {
                throw new AssertionError("cell rejected: " + code + "\n"
                        + shell.diagnostics(e.snippet())
                                .map(d -> d.getMessage(java.util.Locale.ROOT))
                                .toList());
            }
            if (e.value() != null) value = e.value();
        }
        return value;
    }

    @Test
    void aLambdaDefinedInACellRunsOnAWorkerProcess() {
        eval("Fn1<Integer, Integer> triple = x -> x * 3;");
        assertThat(eval("client.submit(triple, 14).result()")).isEqualTo("42");
    }

    @Test
    void aNewCellsClassesArePushedWithItsFirstTaskInsteadOfFetched() {
        // A method in one cell, a record in another, a lambda using both in a third: the workers need the three
        // cells' classes (and the record's), which exist only in JShell's loader. They go ahead of the task.
        eval("static int twice(int x) { return 2 * x; }");
        eval("record Pair(int a, int b) implements java.io.Serializable {}");
        long fetchedBefore = classes().classRequests();
        assertThat(eval("client.submit((Integer n) -> twice(new Pair(n, 1).a()), 21).result()"))
                .isEqualTo("42");
        // A new cell's lambda on each worker in turn: each defines the cells' classes, none fetches one.
        assertThat(eval("client.nthreads().keySet().stream().map(w -> client.with(o -> o.workers(w))"
                        + ".submit((Integer n) -> twice(new Pair(n, 1).b()), 3).result()).toList()"))
                .isEqualTo("[2, 2]");
        assertThat(classes().classRequests())
                .as("class requests of the workers")
                .isEqualTo(fetchedBefore);
    }

    @Test
    void anActorCallFromANewCellCarriesTheCellsClasses() {
        eval("class Tally { private int n; int add(int k) { n += k; return n; } }");
        eval("Actor<Tally> tally = client.submitActor(Tally::new).result();");
        long before = classes().classRequests();
        // A new cell: its wrapper class, which the method reference is made in, is new to the actor's worker.
        assertThat(eval("tally.call(Tally::add, 5).result()")).isEqualTo("5");
        assertThat(eval("tally.call((Tally t, Integer k) -> t.add(k * 2), 5).result()"))
                .isEqualTo("15");
        assertThat(classes().classRequests())
                .as("class requests of the workers")
                .isEqualTo(before);
    }

    /** The class server of the shell's client (the newest open client of this JVM, whose jdask classes we share). */
    private static ClassServer classes() {
        return Clients.current().orElseThrow().session().classes;
    }

    @Test
    void aRecordAndAMethodDefinedInCellsTravelToo() {
        eval("record Point(int x, int y) implements java.io.Serializable {}");
        eval("static int norm1(Point p) { return Math.abs(p.x()) + Math.abs(p.y()); }");
        assertThat(eval("client.submit((Point p) -> norm1(p), new Point(-2, 5)).result()"))
                .isEqualTo("7");
        // And a record coming back as a result.
        assertThat(eval("client.submit((Integer n) -> new Point(n, n + 1), 4).result().y()"))
                .isEqualTo("5");
    }

    @Test
    void aVariableOfAnEarlierCellHasTheNotebooksValueOnTheWorker() {
        // Each lambda runs once on every worker, so that the second run is on workers that already loaded the class
        // holding the variable: they must be sent its new value, not just load the class afresh.
        eval("java.util.List<String> everyWorker = new java.util.ArrayList<>(client.nthreads().keySet());");
        assertThat(eval("everyWorker.size()")).isEqualTo("2");
        eval("int offset = 10;");
        eval("Fn1<Integer, Integer> shift = x -> x + offset;");
        assertThat(eval("everyWorker.stream().map(w -> client.with(o -> o.workers(w)).submit(shift, 5).result())"
                        + ".toList()"))
                .isEqualTo("[15, 15]");
        // Running a cell again that changes the variable: every worker sees the new value.
        eval("offset = 100;");
        eval("Fn1<Integer, Integer> shift2 = x -> x + offset;");
        assertThat(eval("everyWorker.stream().map(w -> client.with(o -> o.workers(w)).submit(shift2, 5).result())"
                        + ".toList()"))
                .isEqualTo("[105, 105]");
    }

    @Test
    void aTaskDefinedInACellSubmitsTasksOfItsOwnClass() {
        // The sub-tasks may land on the other worker, which then needs the cell's class from the worker that
        // submitted them, a class that worker itself fetched from this notebook.
        eval("""
                class Fib {
                    static int fib(int n) {
                        if (n < 2) return n;
                        Client c = Dask.client();
                        Future<Integer> a = c.submit(Fib::fib, n - 1);
                        Future<Integer> b = c.submit(Fib::fib, n - 2);
                        Dask.secede();
                        int r = a.result() + b.result();
                        Dask.rejoin();
                        return r;
                    }
                }
                """);
        assertThat(eval("client.submit(Fib::fib, 7).result(java.time.Duration.ofSeconds(60))"))
                .isEqualTo("13");
    }

    @Test
    void delayedGraphsBuiltInCellsComputeOnTheCluster() {
        eval("static int incr(int x) { return x + 1; }");
        eval("Delayed<Integer> a = delayed((Integer x) -> incr(x)).call(1);");
        eval("Delayed<Integer> b = a.then(v -> v * 10);");
        assertThat(eval("client.compute(b).result()")).isEqualTo("20");
    }
}
