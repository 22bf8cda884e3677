package io.jdask.protocol;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.Serializable;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.fory.Fory;
import org.apache.fory.ThreadSafeFory;
import org.apache.fory.config.Language;
import org.apache.fory.memory.MemoryBuffer;

/**
 * Turns user objects (task arguments, results, functions, exceptions) into bytes and back.
 *
 * <h2>Format</h2>
 * Two forms: {@link #serialize} returns one array, the payload followed by one <em>trailing</em> tag byte (small
 * values inside messages: run specs, inline results, exceptions); {@link #serializeValue} returns a
 * {@link Serialized}, the same payload with the tag apart (values moving between clients and workers, where a
 * {@code byte[]} must not be copied). The tag says how the payload was written; in the one-array form it is a
 * trailer, so each writer appends it to the buffer it already filled instead of reserving or shifting room in
 * front (Fory's output is copied once, to trim it, as Fory itself would):
 * <ul>
 *   <li>{@code byte[]}, {@code double[]}, {@code long[]}: raw little-endian contents. Large
 *       numeric arrays are the common big task result; this path is one bulk copy each way.
 *   <li>Apache Fory, without class registration and with reference tracking (shared and
 *       cyclic references survive). Fory handles records, collections, arrays, serializable
 *       lambdas and method references, and exceptions with stack traces and causes; it does
 *       not require {@code Serializable} for ordinary classes.
 *   <li>JDK serialization, the fallback for a {@code Serializable} value Fory fails on, and the
 *       first choice for exceptions (it keeps the stack trace of user-defined exception
 *       classes, which Fory does not).
 * </ul>
 *
 * <h2>Class loaders</h2>
 * Deserialization takes the {@link ClassLoader} that resolves class names, so a worker can
 * load classes shipped from a client through its own loader. Fory binds a loader at build
 * time, so one Fory pool is kept per loader (built on first use, a few tens of
 * milliseconds); the JDK fallback resolves through an {@link ObjectInputStream} overriding
 * {@code resolveClass}. The per-loader pool holds its loader strongly: call {@link #release}
 * when a loader is retired.
 *
 * <p>Fory generates a serializer class for each user type. For a type of another loader than Fory's own (classes a
 * worker fetched from a client, notebook cells) it compiles that class on the calling thread, with the thread's
 * context class loader set to the value's loader: a generated serializer of a non-public class finds the class
 * through the context loader when it is initialized, and on Fory's background compiler threads that loader is
 * whichever one the thread inherited (the application's, or another client's), which failed with
 * {@code ClassNotFoundException} or, worse, bound the type of another client. Types of Fory's own loader keep the
 * background compilation (the interpreted serializer serves them until the generated one is ready).
 *
 * <h2>Trust</h2>
 * Like Dask's pickle, this instantiates whatever classes the bytes name (Fory's deny list of
 * known gadget classes aside): only deserialize bytes from peers of the same cluster.
 *
 * <h2>Concurrency</h2>
 * Thread-safe; Fory instances are pooled per loader.
 */
public final class Serializer {
    static final byte TAG_FORY = 1;
    static final byte TAG_JDK = 2;
    static final byte TAG_BYTES = 3;
    static final byte TAG_DOUBLES = 4;
    static final byte TAG_LONGS = 5;

    static {
        QuietStart.beforeFory();
    }

    private static final ClassLoader DEFAULT_LOADER = Serializer.class.getClassLoader();
    /** The loader Fory's generated serializers resolve class names through when the context loader is not set. */
    private static final ClassLoader FORY_LOADER = Fory.class.getClassLoader();

    /** One Fory pool per class loader; entries live until release(loader). */
    private final Map<ClassLoader, ThreadSafeFory> forys = new ConcurrentHashMap<>();

    private Serializer() {}

    private static final class Shared {
        static final Serializer INSTANCE = new Serializer();
    }

    /** The JVM-wide serializer (its Fory pools are shared by all users). */
    public static Serializer shared() {
        return Shared.INSTANCE;
    }

    /** A serializer with its own Fory pools (tests, isolation). */
    public static Serializer create() {
        return new Serializer();
    }

    /**
     * Serializes {@code value} (may be {@code null}).
     *
     * @throws SerializationException naming the class and a fix, if it cannot be serialized
     */
    public byte[] serialize(Object value) {
        switch (value) {
            case byte[] a -> {
                byte[] out = new byte[a.length + 1];
                System.arraycopy(a, 0, out, 0, a.length);
                out[a.length] = TAG_BYTES;
                return out;
            }
            case double[] a -> {
                byte[] out = littleEndian(a, 1);
                out[out.length - 1] = TAG_DOUBLES;
                return out;
            }
            case long[] a -> {
                byte[] out = littleEndian(a, 1);
                out[out.length - 1] = TAG_LONGS;
                return out;
            }
            case null, default -> {
                return serializeObject(value);
            }
        }
    }

    /**
     * Serializes {@code value} into a {@link Serialized}: the same formats as {@link #serialize}, with the tag kept
     * apart. A {@code byte[]} is not copied (the result shares it; see {@link Serialized} on sharing); a
     * {@code double[]} or {@code long[]} is copied once into its little-endian bytes; anything else costs what
     * {@link #serialize} costs.
     *
     * @throws SerializationException naming the class and a fix, if it cannot be serialized
     */
    public Serialized serializeValue(Object value) {
        switch (value) {
            case byte[] a -> {
                return new Serialized(TAG_BYTES, a);
            }
            case double[] a -> {
                return new Serialized(TAG_DOUBLES, littleEndian(a, 0));
            }
            case long[] a -> {
                return new Serialized(TAG_LONGS, littleEndian(a, 0));
            }
            case null, default -> {
                byte[] tagged = serializeObject(value);
                // The objects' writers append the tag to the buffer they fill; cutting it off is one copy, as trimming
                // their buffer to size already was. Big values are arrays in practice, which took the cases above.
                return new Serialized(tagged[tagged.length - 1], java.util.Arrays.copyOf(tagged, tagged.length - 1));
            }
        }
    }

    /** The array's little-endian bytes, followed by {@code tagRoom} bytes left for the caller's tag. */
    private static byte[] littleEndian(double[] a, int tagRoom) {
        byte[] out = new byte[checkedSize(a.length, 8, a) + tagRoom];
        ByteBuffer.wrap(out, 0, out.length - tagRoom)
                .order(ByteOrder.LITTLE_ENDIAN)
                .asDoubleBuffer()
                .put(a);
        return out;
    }

    /** The array's little-endian bytes, followed by {@code tagRoom} bytes left for the caller's tag. */
    private static byte[] littleEndian(long[] a, int tagRoom) {
        byte[] out = new byte[checkedSize(a.length, 8, a) + tagRoom];
        ByteBuffer.wrap(out, 0, out.length - tagRoom)
                .order(ByteOrder.LITTLE_ENDIAN)
                .asLongBuffer()
                .put(a);
        return out;
    }

    /**
     * Deserializes what {@link #serializeValue} produced, resolving classes through {@code loader}. A {@code byte[]}
     * value comes back as {@code value.bytes()} itself, not a copy.
     *
     * @throws SerializationException if the bytes are not a serialized value or a class they name cannot be loaded
     *     through {@code loader}
     */
    public Object deserialize(Serialized value, ClassLoader loader) {
        Objects.requireNonNull(loader, "loader");
        byte[] b = value.bytes();
        if (value.format() == TAG_BYTES) {
            return b;
        }
        return decode(value.format(), b, 0, b.length, loader, b.length + 1);
    }

    /** Deserializes what {@link #serialize} produced, resolving classes through {@code loader}. */
    public Object deserialize(byte[] bytes, ClassLoader loader) {
        return deserialize(bytes, 0, bytes.length, loader);
    }

    /**
     * Deserializes {@code bytes[offset, offset+length)}, resolving classes through {@code loader}.
     *
     * @throws SerializationException if the bytes are not a serialized value or a class they
     *     name cannot be loaded through {@code loader}
     */
    public Object deserialize(byte[] bytes, int offset, int length, ClassLoader loader) {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        Objects.requireNonNull(loader, "loader");
        if (length == 0) {
            throw new SerializationException("cannot deserialize an empty byte array", null);
        }
        int n = length - 1;
        return decode(bytes[offset + n], bytes, offset, n, loader, length);
    }

    /** Opens the {@code n} bytes at {@code offset} written in format {@code tag}; {@code size} is for messages. */
    private Object decode(byte tag, byte[] bytes, int offset, int n, ClassLoader loader, int size) {
        switch (tag) {
            case TAG_BYTES -> {
                byte[] a = new byte[n];
                System.arraycopy(bytes, offset, a, 0, n);
                return a;
            }
            case TAG_DOUBLES -> {
                double[] a = new double[arrayLength(n)];
                ByteBuffer.wrap(bytes, offset, n)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .asDoubleBuffer()
                        .get(a);
                return a;
            }
            case TAG_LONGS -> {
                long[] a = new long[arrayLength(n)];
                ByteBuffer.wrap(bytes, offset, n)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .asLongBuffer()
                        .get(a);
                return a;
            }
            case TAG_FORY -> {
                try {
                    return deserializeFory(bytes, offset, n, loader);
                } catch (RuntimeException | LinkageError e) {
                    throw deserializationFailure("Fory", loader, e);
                }
            }
            case TAG_JDK -> {
                try (ObjectInputStream in =
                        new LoaderObjectInputStream(new ByteArrayInputStream(bytes, offset, n), loader)) {
                    return in.readObject();
                } catch (IOException | ClassNotFoundException | RuntimeException | LinkageError e) {
                    throw deserializationFailure("Java serialization", loader, e);
                }
            }
            default ->
                throw new SerializationException(
                        String.format(
                                "not a jdask-serialized value: unknown format tag %d in the last of %d bytes",
                                tag, size),
                        null);
        }
    }

    /** Fory's reading of a payload, with {@code loader} as the context loader while a foreign loader's runs. */
    private Object deserializeFory(byte[] bytes, int offset, int n, ClassLoader loader) {
        if (loader == FORY_LOADER) {
            return foryFor(loader).deserialize(MemoryBuffer.fromByteArray(bytes, offset, n));
        }
        Thread self = Thread.currentThread();
        ClassLoader previous = self.getContextClassLoader();
        self.setContextClassLoader(loader);
        try {
            return foryFor(loader).deserialize(MemoryBuffer.fromByteArray(bytes, offset, n));
        } finally {
            self.setContextClassLoader(previous);
        }
    }

    /**
     * The class of the serializer Fory uses now for {@code type} in the pool of the type's loader, such as
     * {@code ObjectSerializer} (interpreted) or a generated {@code ...ForyCodec...} class: for tests and diagnostics.
     */
    public String serializerClassName(Class<?> type) {
        ClassLoader loader = type.getClassLoader() == null ? DEFAULT_LOADER : type.getClassLoader();
        return foryFor(loader)
                .execute(f -> f.getTypeResolver().getSerializer(type).getClass().getName());
    }

    /** Forgets the Fory pool of {@code loader}, so the loader can be garbage collected. */
    public void release(ClassLoader loader) {
        forys.remove(loader);
    }

    // ---- internals ----------------------------------------------------------------------------

    private byte[] serializeObject(Object value) {
        if (value instanceof Throwable t) {
            // Exceptions go through JDK serialization first: it is what Throwable is designed for
            // (stack trace, cause, suppressed, subclass fields all kept), while Fory loses the stack
            // trace of user-defined exception classes. Fory is the fallback for an exception with a
            // field JDK serialization cannot write.
            materializeStackTraces(t, java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>()));
            Throwable jdkFailure;
            try {
                return serializeJdk(value);
            } catch (IOException | RuntimeException | StackOverflowError e) {
                jdkFailure = e;
            }
            try {
                return serializeFory(value);
            } catch (RuntimeException | StackOverflowError | LinkageError e) {
                throw unserializable(value, e, jdkFailure);
            }
        }
        Throwable foryFailure;
        try {
            return serializeFory(value);
        } catch (RuntimeException | StackOverflowError | LinkageError e) {
            foryFailure = e;
        }
        if (!(value instanceof Serializable)) {
            throw unserializable(value, foryFailure, null);
        }
        try {
            return serializeJdk(value);
        } catch (IOException | RuntimeException | StackOverflowError e) {
            throw unserializable(value, foryFailure, e);
        }
    }

    private byte[] serializeFory(Object value) {
        MemoryBuffer buffer = MemoryBuffer.newHeapBuffer(256);
        ClassLoader loader = loaderOf(value);
        if (loader == FORY_LOADER) {
            foryFor(loader).serialize(buffer, value);
        } else {
            Thread self = Thread.currentThread();
            ClassLoader previous = self.getContextClassLoader();
            self.setContextClassLoader(loader);
            try {
                foryFor(loader).serialize(buffer, value);
            } finally {
                self.setContextClassLoader(previous);
            }
        }
        buffer.writeByte(TAG_FORY);
        byte[] heap = buffer.getHeapMemory();
        int size = buffer.writerIndex();
        return heap.length == size ? heap : buffer.getBytes(0, size);
    }

    private static byte[] serializeJdk(Object value) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        bytes.write(TAG_JDK);
        return bytes.toByteArray();
    }

    /**
     * A throwable's stack trace lives in VM-internal form until {@code getStackTrace()} first
     * runs; a field-by-field serializer would otherwise see an empty trace. Walks causes and
     * suppressed exceptions (guarding against cycles).
     */
    private static void materializeStackTraces(Throwable t, Set<Throwable> seen) {
        if (t == null || !seen.add(t)) {
            return;
        }
        t.getStackTrace();
        materializeStackTraces(t.getCause(), seen);
        for (Throwable s : t.getSuppressed()) {
            materializeStackTraces(s, seen);
        }
    }

    private ThreadSafeFory foryFor(ClassLoader loader) {
        return forys.computeIfAbsent(
                loader,
                l -> Fory.builder()
                        .withLanguage(Language.JAVA)
                        // Fory's own loader: generated serializers compile in the background, and until one is ready
                        // the interpreted one serves, so the first value of a type does not wait for a compiler. Any
                        // other loader: on the calling thread, with the loader as context loader (see the class's
                        // comment).
                        .withAsyncCompilation(l == FORY_LOADER)
                        .requireClassRegistration(false)
                        .suppressClassRegistrationWarnings(true)
                        .withRefTracking(true)
                        .withDeserializeUnknownClass(false) // a missing class must fail, not become a placeholder
                        .withClassLoader(l)
                        .withName("jdask-values-" + Integer.toHexString(System.identityHashCode(l)))
                        .buildThreadSafeForyPool(
                                Math.max(4, Runtime.getRuntime().availableProcessors() * 2)));
    }

    /**
     * The loader whose Fory pool writes {@code value}: the value's own class's loader when that is an application's
     * (classes may come from a custom loader), else, for the JDK's containers and jdask's own types that hold user
     * values (a run spec is an {@code Object[]}), the calling thread's context loader, which on a worker's task thread
     * is the submitting client's and in a notebook the notebook's; else jdask's.
     */
    private static ClassLoader loaderOf(Object value) {
        ClassLoader l = value == null ? null : value.getClass().getClassLoader();
        if (l != null && l != DEFAULT_LOADER) {
            return l;
        }
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        return context != null ? context : DEFAULT_LOADER;
    }

    private static int checkedSize(int length, int width, Object value) {
        long n = (long) length * width;
        if (n > Integer.MAX_VALUE - 16) {
            throw new SerializationException(
                    "cannot serialize " + describe(value.getClass()) + " of " + length + " elements: " + n
                            + " bytes exceed the 2 GiB limit of one buffer; split it",
                    null);
        }
        return (int) n;
    }

    private static int arrayLength(int bytes) {
        if (bytes % 8 != 0) {
            throw new SerializationException(
                    "corrupt primitive array: " + bytes + " bytes is not a multiple of 8", null);
        }
        return bytes / 8;
    }

    private static SerializationException unserializable(Object value, Throwable fory, Throwable jdk) {
        Class<?> c = value.getClass();
        StringBuilder m =
                new StringBuilder("cannot serialize ").append(describe(c)).append(": ");
        m.append("Fory failed with ").append(rootMessage(fory));
        if (jdk != null) {
            m.append("; Java serialization failed with ").append(rootMessage(jdk));
        } else {
            m.append("; Java serialization was not tried because ")
                    .append(c.getName())
                    .append(" does not implement java.io.Serializable");
        }
        m.append(". To fix: ");
        if (isLambda(c)) {
            m.append("a lambda can only be shipped if its functional interface extends java.io.Serializable"
                    + " (jdask's Fn0..Fn6 do; cast or declare it as one of those), or pass a method reference"
                    + " to a static method instead; anything the lambda captures must be serializable too.");
        } else {
            m.append("make ")
                    .append(c.getName())
                    .append(" and the objects it references implement"
                            + " java.io.Serializable (or be plain data classes/records), mark fields that cannot travel"
                            + " (threads, sockets, open streams, lambdas of non-serializable interfaces) transient,"
                            + " and prefer method references to lambdas.");
        }
        SerializationException e = new SerializationException(m.toString(), fory);
        if (jdk != null) {
            e.addSuppressed(jdk);
        }
        return e;
    }

    private static SerializationException deserializationFailure(String how, ClassLoader loader, Throwable e) {
        String msg = rootMessage(e);
        boolean missingClass = hasCause(e, ClassNotFoundException.class)
                || hasCause(e, NoClassDefFoundError.class)
                || msg.contains("ClassNotFoundException");
        return new SerializationException(
                "cannot deserialize value (written with " + how + "): " + msg
                        + (missingClass
                                ? "; a class it names is not visible through class loader " + loader
                                        + " (ship the class to this process, e.g. with client.uploadJar)"
                                : ""),
                e);
    }

    static String describe(Class<?> c) {
        if (isLambda(c)) {
            String name = c.getName();
            return "a lambda defined in " + name.substring(0, name.indexOf("$$Lambda")) + " (" + name + ")";
        }
        return "a value of class " + c.getName();
    }

    private static boolean isLambda(Class<?> c) {
        return c.isSynthetic() && c.getName().contains("$$Lambda");
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == t ? t.toString() : t.getClass().getSimpleName() + " caused by " + root;
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    /** JDK deserialization that resolves classes (and proxy interfaces) through a given loader. */
    private static final class LoaderObjectInputStream extends ObjectInputStream {
        private final ClassLoader loader;

        LoaderObjectInputStream(InputStream in, ClassLoader loader) throws IOException {
            super(in);
            this.loader = loader;
        }

        @Override
        protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
            try {
                return Class.forName(desc.getName(), false, loader);
            } catch (ClassNotFoundException e) {
                return super.resolveClass(desc); // primitives and their arrays
            }
        }

        @Override
        protected Class<?> resolveProxyClass(String[] interfaces) throws IOException, ClassNotFoundException {
            Class<?>[] types = new Class<?>[interfaces.length];
            for (int i = 0; i < interfaces.length; i++) {
                types[i] = Class.forName(interfaces[i], false, loader);
            }
            @SuppressWarnings("deprecation")
            Class<?> proxy = Proxy.getProxyClass(loader, types);
            return proxy;
        }
    }
}
