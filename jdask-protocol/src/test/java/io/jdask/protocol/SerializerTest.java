package io.jdask.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import javax.tools.FileObject;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileManager;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Round trips of user values through {@link Serializer}, class loaders, and failures. */
final class SerializerTest {
    static final Serializer S = Serializer.shared();
    static final ClassLoader APP = SerializerTest.class.getClassLoader();

    /** Stands in for jdask's Fn1: a serializable functional interface. */
    @FunctionalInterface
    interface Fn1<A, R> extends Serializable {
        R apply(A a) throws Exception;
    }

    record Point(int x, int y) {}

    record Shape(String name, List<Point> points, Map<String, Double> attrs, Point[] corners) {}

    static final class BadRequest extends RuntimeException {
        final int code; // an extra field that must survive the trip

        BadRequest(String message, int code, Throwable cause) {
            super(message, cause);
            this.code = code;
        }
    }

    static int triple(int x) {
        return x * 3;
    }

    @SuppressWarnings("unchecked")
    static <T> T roundTrip(T value) {
        return (T) S.deserialize(S.serialize(value), APP);
    }

    /** Values whose two forms (one array, tag apart) must agree and round-trip. */
    static List<Object> twoFormSamples() {
        List<Object> values = new ArrayList<>();
        values.add(new byte[0]);
        values.add(new byte[] {1, 2, 3, (byte) 0xff});
        values.add(new double[] {1.5, -0.0, Double.NaN, Double.MIN_VALUE});
        values.add(new long[] {Long.MIN_VALUE, 0, 42});
        values.add("text");
        values.add(null);
        values.add(new Shape("s", List.of(new Point(1, 2)), Map.of("w", 2.5), new Point[] {new Point(3, 4)}));
        values.add(new IllegalStateException("boom"));
        return values;
    }

    @Test
    void serializeValueKeepsTheTagApartAndAgreesWithTheOneArrayForm() {
        for (Object v : twoFormSamples()) {
            Serialized s = S.serializeValue(v);
            byte[] one = S.serialize(v);
            assertThat(s.nbytes()).as("size of %s", v).isEqualTo(one.length);
            if (v instanceof Throwable) {
                // JDK serialization of an exception is not byte-for-byte repeatable (stack trace objects); compare
                // opened
                assertThat(((Throwable) S.deserialize(s.toBytes(), APP))).hasMessage("boom");
                assertThat(((Throwable) S.deserialize(s, APP))).hasMessage("boom");
                continue;
            }
            assertThat(s.toBytes()).as("one-array form of %s", v).isEqualTo(one);
            for (Object back : java.util.Arrays.asList(S.deserialize(s, APP), S.deserialize(one, APP))) {
                if (v instanceof Shape) {
                    assertThat(back)
                            .as("round trip of %s", v)
                            .usingRecursiveComparison()
                            .isEqualTo(v);
                } else {
                    assertThat(back).as("round trip of %s", v).isEqualTo(v); // arrays: element-wise, NaN equal to NaN
                }
            }
        }
    }

    @Test
    void aByteArrayIsNeitherCopiedBySerializeValueNorByDeserialize() {
        byte[] big = new byte[1 << 20];
        new Random(3).nextBytes(big);
        Serialized s = S.serializeValue(big);
        assertThat(s.bytes()).isSameAs(big);
        assertThat(S.deserialize(s, APP)).isSameAs(big);
        // the one-array form still copies: callers of serialize() may keep modifying their array
        byte[] one = S.serialize(big);
        big[0]++;
        assertThat(one[0]).isNotEqualTo(big[0]);
    }

    @Test
    void bigNumericArraysRoundTripTagApart() {
        double[] d = new Random(5).doubles(300_000).toArray();
        long[] l = new Random(6).longs(300_000).toArray();
        assertThat((double[]) S.deserialize(S.serializeValue(d), APP)).isEqualTo(d);
        assertThat((long[]) S.deserialize(S.serializeValue(l), APP)).isEqualTo(l);
        assertThat(S.serializeValue(d).bytes()).hasSize(8 * d.length);
    }

    @Test
    void aSerializedWithAnUnknownTagFailsWithAMessage() {
        assertThatThrownBy(() -> S.deserialize(new Serialized((byte) 99, new byte[] {1}), APP))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("unknown format tag 99");
        assertThatThrownBy(() -> S.deserialize(new Serialized(Serializer.TAG_DOUBLES, new byte[7]), APP))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("not a multiple of 8");
    }

    @Test
    void plainValuesRecordsAndCollectionsRoundTrip() {
        assertThat(roundTrip((Object) null)).isNull();
        assertThat(roundTrip("text ✓")).isEqualTo("text ✓");
        assertThat(roundTrip(42L)).isEqualTo(42L);
        Shape s = new Shape(
                "tri", List.of(new Point(1, 2), new Point(3, 4)), Map.of("area", 1.5), new Point[] {new Point(0, 0)});
        assertThat(roundTrip(s)).usingRecursiveComparison().isEqualTo(s);
        assertThat(roundTrip(new int[] {1, 2, 3})).containsExactly(1, 2, 3);
        assertThat(roundTrip(new ArrayList<>(List.of("a", "b")))).containsExactly("a", "b");
    }

    @Test
    void sharedAndCyclicReferencesSurvive() {
        Point p = new Point(1, 1);
        List<Object> list = new ArrayList<>();
        list.add(p);
        list.add(p);
        list.add(list);
        List<?> back = roundTrip(list);
        assertThat(back.get(0)).isSameAs(back.get(1));
        assertThat(back.get(2)).isSameAs(back);
    }

    @Test
    void primitiveArraysUseTheRawPathAndRoundTrip() {
        Random r = new Random(7);
        byte[] bytes = new byte[1 << 20];
        r.nextBytes(bytes);
        double[] doubles = r.doubles(100_000).toArray();
        doubles[0] = Double.NaN;
        doubles[1] = -0.0;
        long[] longs = r.longs(100_000).toArray();
        assertThat(roundTrip(bytes)).isEqualTo(bytes);
        assertThat(java.util.Arrays.equals(roundTrip(doubles), doubles)).isTrue();
        assertThat(roundTrip(longs)).isEqualTo(longs);
        assertThat(S.serialize(doubles)).hasSize(doubles.length * 8 + 1); // raw, no per-element overhead
        assertThat(roundTrip(new double[0])).isEmpty();
    }

    @Test
    void methodReferencesAndCapturingLambdasRoundTrip() throws Exception {
        Fn1<Integer, Integer> ref = SerializerTest::triple;
        assertThat(roundTrip(ref).apply(5)).isEqualTo(15);
        int offset = 10;
        List<String> captured = List.of("x", "y");
        Fn1<Integer, String> capturing = i -> captured.get(i) + offset;
        assertThat(roundTrip(capturing).apply(1)).isEqualTo("y10");
        Function<Integer, Integer> intersection = (Function<Integer, Integer> & Serializable) x -> x - offset;
        assertThat(roundTrip(intersection).apply(15)).isEqualTo(5);
    }

    @Test
    void exceptionsKeepMessageCauseStackTraceAndFields() {
        IllegalStateException root = new IllegalStateException("disk full");
        BadRequest e = new BadRequest("could not save", 507, root);
        e.addSuppressed(new IOException("cleanup failed"));
        BadRequest back = roundTrip(e);
        assertThat(back).hasMessage("could not save");
        assertThat(back.code).isEqualTo(507);
        assertThat(back.getCause()).isInstanceOf(IllegalStateException.class).hasMessage("disk full");
        assertThat(back.getStackTrace()).isNotEmpty().containsExactly(e.getStackTrace());
        assertThat(back.getCause().getStackTrace()).containsExactly(root.getStackTrace());
        assertThat(back.getSuppressed()).hasSize(1);
        assertThat(back.getSuppressed()[0]).hasMessage("cleanup failed");
    }

    @Test
    void aNonSerializableLambdaFailsWithAFix() {
        int k = 3;
        Function<Integer, Integer> plain = x -> x + k;
        assertThatThrownBy(() -> S.serialize(plain))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("a lambda defined in " + SerializerTest.class.getName())
                .hasMessageContaining("Serializable")
                .hasMessageContaining("method reference");
    }

    static final class HoldsAThread implements Serializable {
        final Thread thread = new Thread(() -> {});
    }

    @Test
    void anUnserializableObjectNamesItsClassAndHowToFixIt() {
        assertThatThrownBy(() -> S.serialize(new HoldsAThread()))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining(HoldsAThread.class.getName())
                .hasMessageContaining("transient")
                .hasMessageContaining("java.io.Serializable");
    }

    @Test
    void bytesThatAreNotAValueFailClearly() {
        assertThatThrownBy(() -> S.deserialize(new byte[] {1, 2, 3, 99}, APP))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("unknown format tag 99");
        assertThatThrownBy(() -> S.deserialize(new byte[0], APP)).isInstanceOf(SerializationException.class);
        assertThatThrownBy(() -> S.deserialize(new byte[] {1, 2, 3, 4, 5, 6, 7, 4}, APP))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("multiple of 8");
    }

    // ---- classes that only a custom loader knows -------------------------------------------------

    static final String SHIPPED_SOURCE = """
      package shipped;
      import java.io.Serializable;
      import java.util.function.Function;
      public class Greeting implements Serializable {
        public String who;
        public int times;
        public Greeting() {}
        public Greeting(String who, int times) { this.who = who; this.times = times; }
        public String render() { return ("hello " + who + " ").repeat(times).trim(); }
        public static Function<String, String> shout(String suffix) {
          return (Function<String, String> & Serializable) s -> s.toUpperCase() + suffix;
        }
      }
      """;

    /** The compiled bytes of shipped.Greeting, defined by no loader on the classpath. */
    static byte[] shippedBytes;

    @BeforeAll
    static void compileShippedClass() {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        Map<String, ByteArrayOutputStream> out = new HashMap<>();
        JavaFileManager files = new ForwardingJavaFileManager<>(javac.getStandardFileManager(null, null, null)) {
            @Override
            public JavaFileObject getJavaFileForOutput(
                    Location location, String className, JavaFileObject.Kind kind, FileObject sibling) {
                return new SimpleJavaFileObject(URI.create("mem:///" + className + ".class"), kind) {
                    @Override
                    public java.io.OutputStream openOutputStream() {
                        return out.computeIfAbsent(className, n -> new ByteArrayOutputStream());
                    }
                };
            }
        };
        JavaFileObject source =
                new SimpleJavaFileObject(URI.create("string:///shipped/Greeting.java"), JavaFileObject.Kind.SOURCE) {
                    @Override
                    public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                        return SHIPPED_SOURCE;
                    }
                };
        boolean ok = javac.getTask(null, files, null, List.of("--release", "21"), null, List.of(source))
                .call();
        assertThat(ok).as("shipped class compiles").isTrue();
        assertThat(out).containsOnlyKeys("shipped.Greeting");
        shippedBytes = out.get("shipped.Greeting").toByteArray();
    }

    /** A loader that defines shipped.Greeting from bytes, like a worker's loader for client jars. */
    static final class BytesLoader extends ClassLoader {
        BytesLoader() {
            super("shipped-loader", APP);
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            if (name.equals("shipped.Greeting")) {
                return defineClass(name, shippedBytes, 0, shippedBytes.length);
            }
            throw new ClassNotFoundException(name);
        }
    }

    static Object newGreeting(ClassLoader loader, String who, int times) throws Exception {
        return loader.loadClass("shipped.Greeting")
                .getConstructor(String.class, int.class)
                .newInstance(who, times);
    }

    static String render(Object greeting) throws Exception {
        return (String) greeting.getClass().getMethod("render").invoke(greeting);
    }

    @Test
    void classesResolveThroughTheGivenLoader() throws Exception {
        BytesLoader sender = new BytesLoader();
        byte[] bytes = S.serialize(newGreeting(sender, "ann", 2));
        BytesLoader receiver = new BytesLoader(); // a different loader, as in another process
        Object back = S.deserialize(bytes, receiver);
        assertThat(back.getClass().getClassLoader()).isSameAs(receiver);
        assertThat(render(back)).isEqualTo("hello ann hello ann");
    }

    @Test
    void aClassTheLoaderCannotSeeFailsNamingTheLoader() throws Exception {
        byte[] bytes = S.serialize(newGreeting(new BytesLoader(), "bob", 1));
        assertThatThrownBy(() -> S.deserialize(bytes, APP))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("shipped.Greeting")
                .hasMessageContaining("class loader");
    }

    @Test
    @SuppressWarnings("unchecked")
    void lambdasOfShippedClassesResolveThroughTheLoader() throws Exception {
        BytesLoader sender = new BytesLoader();
        Object fn = sender.loadClass("shipped.Greeting")
                .getMethod("shout", String.class)
                .invoke(null, "!");
        byte[] bytes = S.serialize(fn);
        BytesLoader receiver = new BytesLoader();
        Function<String, String> back = (Function<String, String>) S.deserialize(bytes, receiver);
        assertThat(back.apply("hi")).isEqualTo("HI!");
        assertThat(back.getClass().getClassLoader()).isSameAs(receiver);
    }

    @Test
    void theJdkFallbackAlsoResolvesThroughTheLoader() throws Exception {
        // Bytes in the fallback format: JDK serialization plus the trailing tag.
        Object greeting = newGreeting(new BytesLoader(), "cy", 1);
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (ObjectOutputStream o = new ObjectOutputStream(buf)) {
            o.writeObject(greeting);
        }
        buf.write(2); // TAG_JDK
        BytesLoader receiver = new BytesLoader();
        Object back = S.deserialize(buf.toByteArray(), receiver);
        assertThat(back.getClass().getClassLoader()).isSameAs(receiver);
        assertThat(render(back)).isEqualTo("hello cy");
        assertThatThrownBy(() -> S.deserialize(buf.toByteArray(), APP))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("shipped.Greeting")
                .hasMessageContaining("class loader");
    }
}
