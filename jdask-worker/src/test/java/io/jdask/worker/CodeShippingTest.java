package io.jdask.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdask.Fn;
import io.jdask.protocol.ClientMsg;
import io.jdask.protocol.SchedulerMsg;
import io.jdask.protocol.Serializer;
import io.jdask.protocol.WorkerMsg;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import javax.tools.FileObject;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileManager;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Classes only the client has: compiled here in memory, defined on the "client" side by a loader of
 * their own, and fetched by the worker through the (fake) scheduler when a task needs them.
 */
class CodeShippingTest {
    static final Serializer S = Serializer.shared();
    static final ClassLoader APP = CodeShippingTest.class.getClassLoader();

    static final String POINT = """
      package shipped;
      public record Point(int x, int y) implements java.io.Serializable {}
      """;
    static final String GEOMETRY = """
      package shipped;
      import io.jdask.Fn1;
      public class Geometry {
        public static int offset = 0;
        public static String label = "unset";
        public static Point shift(Point p) { return new Point(p.x() + offset, p.y() + offset); }
        public static Fn1<Point, Point> shifter() { return p -> shift(p); }
        public static Fn1<Point, String> labeller() { return p -> label + ":" + p; }
      }
      """;
    static final String HELPER = """
      package jarred;
      public class Helper {
        public static io.jdask.Fn1<Integer, String> describe() { return x -> "jar says " + (x * 2); }
      }
      """;

    /** Compiled class bytes by class name. */
    static Map<String, byte[]> classes;

    static Map<String, byte[]> jarClasses;

    FakeScheduler scheduler;
    WorkerServer worker;

    @BeforeAll
    static void compile() {
        classes = compile(Map.of("shipped/Point.java", POINT, "shipped/Geometry.java", GEOMETRY));
        assertThat(classes).containsKeys("shipped.Point", "shipped.Geometry");
        jarClasses = compile(Map.of("jarred/Helper.java", HELPER));
    }

    @BeforeEach
    void start() {
        scheduler = new FakeScheduler();
        worker = WorkerServer.start(WorkerConfig.builder(scheduler.address())
                .nthreads(2)
                .name("coder")
                .connectTimeout(Duration.ofSeconds(10))
                .build());
    }

    @AfterEach
    void stop() {
        worker.close();
        scheduler.close();
    }

    @Test
    void theWorkerDoesNotHaveTheClassesItself() {
        for (String name : classes.keySet()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Class.forName(name, false, APP))
                    .isInstanceOf(ClassNotFoundException.class);
        }
    }

    @Test
    void fetchesClassesFromTheClientAndRunsTheTask() throws Exception {
        ClientLoader client = new ClientLoader();
        Class<?> geometry = client.loadClass("shipped.Geometry");
        Object point = client.loadClass("shipped.Point")
                .getConstructor(int.class, int.class)
                .newInstance(1, 2);
        Fn fn = (Fn) geometry.getMethod("shifter").invoke(null);
        geometry.getField("offset").setInt(null, 5); // client-side state the worker must see
        answerFromClient("client-A", Map.of("offset", S.serialize(5)));

        byte[] spec = S.serialize(new Object[] {fn, new Object[] {point}});
        scheduler.send(
                worker.address(),
                new SchedulerMsg.ComputeTask(
                        "shifted", 1L, spec, "client-A", new long[] {0}, Map.of(), Map.of(), Map.of(), "s1"));
        WorkerMsg.TaskFinished done = scheduler.await(
                worker.address(), WorkerMsg.TaskFinished.class, m -> m.key().equals("shifted"));
        Object result = S.deserialize(done.inlineValue(), client);
        assertThat(result.toString()).isEqualTo("Point[x=6, y=7]");
        assertThat(done.typeName()).isEqualTo("shipped.Point");

        List<String> asked = scheduler.messagesFrom(worker.address()).stream()
                .filter(m -> m instanceof WorkerMsg.FetchClass)
                .map(m -> (WorkerMsg.FetchClass) m)
                .peek(f -> assertThat(f.clientId()).isEqualTo("client-A"))
                .map(WorkerMsg.FetchClass::className)
                .toList();
        assertThat(asked).contains("shipped.Geometry", "shipped.Point").doesNotHaveDuplicates();
    }

    @Test
    void pushedClassesAreDefinedWithoutAskingAndWithTheLatestStaticState() throws Exception {
        ClientLoader client = new ClientLoader();
        Object point = client.loadClass("shipped.Point")
                .getConstructor(int.class, int.class)
                .newInstance(1, 2);
        Fn fn = (Fn) client.loadClass("shipped.Geometry").getMethod("shifter").invoke(null);
        // The fake scheduler answers a FetchClass with "no such class": asking would fail the task.
        scheduler.send(
                worker.address(),
                new SchedulerMsg.PushedClasses(
                        "client-P",
                        List.of(
                                new ClientMsg.ClassFile(
                                        "shipped.Geometry",
                                        classes.get("shipped.Geometry"),
                                        Map.of("offset", S.serialize(1))),
                                new ClientMsg.ClassFile("shipped.Point", classes.get("shipped.Point"), Map.of()))));
        // The notebook assigns the variable again before any task needed the class: that value wins.
        scheduler.send(
                worker.address(),
                new SchedulerMsg.StaticState(
                        "client-P", Map.of("shipped.Geometry", Map.of("offset", S.serialize(10)))));

        byte[] spec = S.serialize(new Object[] {fn, new Object[] {point}});
        scheduler.send(
                worker.address(),
                new SchedulerMsg.ComputeTask(
                        "pushed", 1L, spec, "client-P", new long[] {0}, Map.of(), Map.of(), Map.of(), "s7"));
        WorkerMsg.TaskFinished done = scheduler.await(
                worker.address(), WorkerMsg.TaskFinished.class, m -> m.key().equals("pushed"));
        assertThat(S.deserialize(done.inlineValue(), client).toString()).isEqualTo("Point[x=11, y=12]");
        // Not even for a name nobody has (the serializer probes for generated serializers of a class it meets).
        assertThat(scheduler.messagesFrom(worker.address())).noneMatch(m -> m instanceof WorkerMsg.FetchClass);
    }

    @Test
    void staticFieldsSetOnTheClientAreSeenByTheTask() throws Exception {
        ClientLoader client = new ClientLoader();
        Class<?> geometry = client.loadClass("shipped.Geometry");
        geometry.getField("label").set(null, "from the notebook");
        Object point = client.loadClass("shipped.Point")
                .getConstructor(int.class, int.class)
                .newInstance(3, 4);
        Fn fn = (Fn) geometry.getMethod("labeller").invoke(null);
        answerFromClient(
                "client-B",
                Map.of("label", S.serialize(geometry.getField("label").get(null))));

        byte[] spec = S.serialize(new Object[] {fn, new Object[] {point}});
        scheduler.send(
                worker.address(),
                new SchedulerMsg.ComputeTask(
                        "label", 1L, spec, "client-B", new long[] {0}, Map.of(), Map.of(), Map.of(), "s2"));
        WorkerMsg.TaskFinished done = scheduler.await(
                worker.address(), WorkerMsg.TaskFinished.class, m -> m.key().equals("label"));
        assertThat(S.deserialize(done.inlineValue(), APP)).isEqualTo("from the notebook:Point[x=3, y=4]");
    }

    @Test
    void aClassTheClientLacksFailsTheTaskNamingTheClient() throws Exception {
        ClientLoader client = new ClientLoader();
        Object point = client.loadClass("shipped.Point")
                .getConstructor(int.class, int.class)
                .newInstance(1, 1);
        Fn fn = (Fn) client.loadClass("shipped.Geometry").getMethod("shifter").invoke(null);
        // the fake scheduler's default answer: the client has no such class
        byte[] spec = S.serialize(new Object[] {fn, new Object[] {point}});
        scheduler.send(
                worker.address(),
                new SchedulerMsg.ComputeTask(
                        "orphan", 1L, spec, "client-C", new long[] {0}, Map.of(), Map.of(), Map.of(), "s3"));
        WorkerMsg.TaskErred e = scheduler.await(
                worker.address(), WorkerMsg.TaskErred.class, m -> m.key().equals("orphan"));
        assertThat(e.traceback()).contains("client-C").contains("shipped.");
        // the worker is fine afterwards
        answerFromClient("client-D", Map.of());
        byte[] ok = S.serialize(new Object[] {fn, new Object[] {point}});
        scheduler.send(
                worker.address(),
                new SchedulerMsg.ComputeTask(
                        "adopted", 1L, ok, "client-D", new long[] {0}, Map.of(), Map.of(), Map.of(), "s4"));
        scheduler.await(
                worker.address(), WorkerMsg.TaskFinished.class, m -> m.key().equals("adopted"));
    }

    @Test
    void aClientThatNeverAnswersFailsTheTaskAfterTheTimeoutNamingTheClient() throws Exception {
        scheduler.answerClasses(f -> null);
        WorkerServer impatient = WorkerServer.start(WorkerConfig.builder(scheduler.address())
                .nthreads(1)
                .name("impatient")
                .classFetchTimeout(Duration.ofMillis(300))
                .connectTimeout(Duration.ofSeconds(10))
                .build());
        try {
            ClientLoader client = new ClientLoader();
            Object point = client.loadClass("shipped.Point")
                    .getConstructor(int.class, int.class)
                    .newInstance(1, 1);
            Fn fn = (Fn)
                    client.loadClass("shipped.Geometry").getMethod("shifter").invoke(null);
            byte[] spec = S.serialize(new Object[] {fn, new Object[] {point}});
            scheduler.send(
                    impatient.address(),
                    new SchedulerMsg.ComputeTask(
                            "silent", 1L, spec, "client-silent", new long[] {0}, Map.of(), Map.of(), Map.of(), "s6"));
            WorkerMsg.TaskErred e = scheduler.await(
                    impatient.address(), WorkerMsg.TaskErred.class, m -> m.key().equals("silent"));
            assertThat(e.traceback()).contains("client-silent").contains("did not send it within");
            assertThat(impatient.isClosed()).isFalse();
        } finally {
            impatient.close();
        }
    }

    @Test
    void aClassFromAnUploadedJarIsUsedWithoutAsking() throws Exception {
        ClassLoader client = new MapLoader("jar-client", jarClasses);
        Fn fn = (Fn) client.loadClass("jarred.Helper").getMethod("describe").invoke(null);
        scheduler.send(worker.address(), new SchedulerMsg.AddJar("helper.jar", jar(jarClasses)));
        byte[] spec = S.serialize(new Object[] {fn, new Object[] {21}});
        scheduler.send(
                worker.address(),
                new SchedulerMsg.ComputeTask(
                        "viajar", 1L, spec, "client-E", new long[] {0}, Map.of(), Map.of(), Map.of(), "s5"));
        WorkerMsg.TaskFinished done = scheduler.await(
                worker.address(), WorkerMsg.TaskFinished.class, m -> m.key().equals("viajar"));
        assertThat(S.deserialize(done.inlineValue(), APP)).isEqualTo("jar says 42");
        assertThat(scheduler.messagesFrom(worker.address()))
                .noneMatch(m ->
                        m instanceof WorkerMsg.FetchClass f && f.className().startsWith("jarred."));
    }

    // ---- helpers -------------------------------------------------------------------------------

    /** Makes the fake scheduler answer like {@code clientId} would: our compiled classes, plus static state. */
    void answerFromClient(String clientId, Map<String, byte[]> geometryStatics) {
        scheduler.answerClasses(f -> {
            byte[] bytes = f.clientId().equals(clientId) ? classes.get(f.className()) : null;
            Map<String, byte[]> statics = f.className().equals("shipped.Geometry") ? geometryStatics : Map.of();
            return new SchedulerMsg.ClassBytes(f.requestId(), f.clientId(), f.className(), bytes, statics);
        });
    }

    /** The client's own loader for the compiled classes (a notebook's, say). */
    static final class ClientLoader extends MapLoader {
        ClientLoader() {
            super("client", classes);
        }
    }

    static class MapLoader extends ClassLoader {
        private final Map<String, byte[]> defs;

        MapLoader(String name, Map<String, byte[]> defs) {
            super(name, APP);
            this.defs = defs;
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            byte[] b = defs.get(name);
            if (b == null) throw new ClassNotFoundException(name);
            return defineClass(name, b, 0, b.length);
        }

        @Override
        public java.io.InputStream getResourceAsStream(String name) {
            String cls = name.endsWith(".class")
                    ? name.substring(0, name.length() - 6).replace('/', '.')
                    : null;
            byte[] b = cls == null ? null : defs.get(cls);
            return b != null ? new java.io.ByteArrayInputStream(b) : super.getResourceAsStream(name);
        }
    }

    static byte[] jar(Map<String, byte[]> defs) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(bytes)) {
            for (var e : defs.entrySet()) {
                jar.putNextEntry(new JarEntry(e.getKey().replace('.', '/') + ".class"));
                jar.write(e.getValue());
                jar.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    /** Compiles sources (path to text) against the test class path; returns class bytes by name. */
    static Map<String, byte[]> compile(Map<String, String> sources) {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        Map<String, ByteArrayOutputStream> out = new HashMap<>();
        JavaFileManager files = new ForwardingJavaFileManager<>(javac.getStandardFileManager(null, null, null)) {
            @Override
            public JavaFileObject getJavaFileForOutput(
                    Location location, String className, JavaFileObject.Kind kind, FileObject sibling) {
                return new SimpleJavaFileObject(URI.create("mem:///" + className.replace('.', '/') + ".class"), kind) {
                    @Override
                    public OutputStream openOutputStream() {
                        return out.computeIfAbsent(className, n -> new ByteArrayOutputStream());
                    }
                };
            }
        };
        List<JavaFileObject> units = sources.entrySet().stream()
                .map(e -> (JavaFileObject)
                        new SimpleJavaFileObject(URI.create("string:///" + e.getKey()), JavaFileObject.Kind.SOURCE) {
                            @Override
                            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                                return e.getValue();
                            }
                        })
                .toList();
        boolean ok = javac.getTask(
                        null,
                        files,
                        null,
                        List.of("--release", "21", "-classpath", System.getProperty("java.class.path")),
                        null,
                        units)
                .call();
        assertThat(ok).as("in-memory sources compile").isTrue();
        Map<String, byte[]> result = new HashMap<>();
        out.forEach((k, v) -> result.put(k, v.toByteArray()));
        return result;
    }
}
