package io.jdask;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringWriter;
import java.net.URI;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * The generated overloads make argument types compile-time checked: the compiler itself is run on small programs
 * and must accept the right ones and reject the wrong ones.
 */
class TypeSafetyTest {

    private static String compile(String body) {
        String source = """
                import static io.jdask.Dask.*;
                import io.jdask.*;
                import java.util.*;
                class Snippet {
                    static int inc(int x) { return x + 1; }
                    static int add(int x, int y) { return x + y; }
                    static int total(List<Integer> xs) { return xs.size(); }
                    static int len(String s) { return s.length(); }
                    void run() { %s }
                }
                """.formatted(body);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter errors = new StringWriter();
        JavaFileObject file =
                new SimpleJavaFileObject(URI.create("string:///Snippet.java"), JavaFileObject.Kind.SOURCE) {
                    @Override
                    public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                        return source;
                    }
                };
        var fm = javac.getStandardFileManager(null, null, null);
        String out = System.getProperty("java.io.tmpdir");
        boolean ok = javac.getTask(
                        errors,
                        fm,
                        null,
                        List.of("-classpath", System.getProperty("java.class.path"), "-d", out, "-proc:none"),
                        null,
                        List.of(file))
                .call();
        return ok ? "" : errors.toString();
    }

    @Test
    void mapRefsOverFuturesAndDelayedsIsTypedByTheFunction() {
        assertThat(compile("""
                Client c = Client.connect("tcp://127.0.0.1:1");
                List<Future<Integer>> fs = c.map(Snippet::inc, List.of(1, 2));
                List<Future<Integer>> gs = c.mapRefs(Snippet::inc, fs);
                List<Future<Integer>> hs = c.mapRefs(Snippet::add, fs, gs);
                List<Delayed<Integer>> ds = List.of(delayed(Snippet::inc).call(1));
                List<Future<Integer>> es = c.mapRefs(Snippet::inc, ds);
                List<Future<Integer>> ns = c.mapRefs((Number n) -> n.intValue(), fs);
                """)).isEmpty();
    }

    @Test
    void mapRefsOverFuturesOfTheWrongTypeIsACompileError() {
        String errors = compile("""
                Client c = Client.connect("tcp://127.0.0.1:1");
                List<Future<String>> fs = c.map(Snippet::len, List.of("a")).stream()
                        .map(f -> (Future<String>) null).toList();
                c.mapRefs(Snippet::inc, fs);
                """);
        assertThat(errors).contains("no suitable method found for mapRefs");
    }

    @Test
    void mapRefsOverPlainValuesIsACompileError() {
        String errors = compile("""
                Client c = Client.connect("tcp://127.0.0.1:1");
                c.mapRefs(Snippet::inc, List.of(1, 2));
                """);
        assertThat(errors).contains("no suitable method found for mapRefs");
    }

    @Test
    void rightlyTypedCallsCompile() {
        assertThat(compile("""
                Delayed<Integer> x = delayed(Snippet::inc).call(1);
                Delayed<Integer> z = delayed(Snippet::add).call(x, 2);
                Delayed<Integer> w = delayed(Snippet::add).call(x, z);
                Delayed<Integer> t = delayed(Snippet::total).call(all(List.of(x, z, w)));
                int r = t.compute();
                """)).isEmpty();
    }

    @Test
    void aDelayedOfTheWrongTypeIsACompileError() {
        String errors = compile("""
                Delayed<String> s = delayed("text");
                delayed(Snippet::inc).call(s);
                """);
        assertThat(errors).contains("no suitable method found for call");
    }

    @Test
    void aPlainValueOfTheWrongTypeIsACompileError() {
        assertThat(compile("delayed(Snippet::len).call(42);")).contains("no suitable method found for call");
    }

    @Test
    void theWrongNumberOfArgumentsIsACompileError() {
        assertThat(compile("delayed(Snippet::add).call(1);")).contains("call");
        assertThat(compile("delayed(Snippet::add).call(1);")).isNotEmpty();
    }
}
