package io.jdask.worker;

import io.jdask.protocol.ClientMsg;
import io.jdask.protocol.ClientResources;
import io.jdask.protocol.SchedulerMsg;
import io.jdask.protocol.Serializer;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLConnection;
import java.net.URLStreamHandler;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the classes of one client that the worker's class path and the uploaded jars lack, by
 * asking that client (through the scheduler) for their bytes.
 *
 * <p>After defining a class it restores the static fields the client sent along (values
 * serialized on the client, deserialized here with this same loader). That is how the variables
 * of a notebook cell reach the workers: JShell keeps them in static fields of its wrapper
 * classes, and a freshly loaded class would see zeros and nulls instead. Setting a field runs
 * the class's static initializer first, then the client's values overwrite what it set. Final
 * fields and fields whose value does not deserialize keep their initial value (logged).
 *
 * <p>Classes the client pushed ahead of its tasks ({@link #offer}: notebook cells, generated code) wait here as
 * bytes with their static state until a task needs them; they are then defined exactly as a fetched class would be,
 * without a round trip. A static field update for a class offered but not defined yet is written into the offer.
 *
 * <p>A class the client does not have either is remembered as missing, so probing code (a
 * serializer trying optional class names) costs one round trip per name, not one per probe.
 *
 * <p>The bytes of every class defined here stay readable as a resource ({@link #getResourceAsStream}).
 * A task running such a class may submit tasks of it through {@code Dask.client()} (a recursive
 * function written in a notebook cell): the other workers then ask this worker's task client for the
 * class, and that client finds its bytes here, where it found the class.
 *
 * <p>Concurrency: parallel capable; the JDK locks per class name, so two threads needing the
 * same class fetch it once. {@code findClass} blocks for a round trip to the client: it must run
 * on task threads only.
 */
final class ClientClassLoader extends ClassLoader {
    private static final Logger LOG = LoggerFactory.getLogger(ClientClassLoader.class);

    static {
        registerAsParallelCapable();
    }

    private final String clientId;
    private final CodeLoaders fetcher;
    private final Serializer serializer;
    /** Names the client answered with "no such class"; they fail at once from then on. */
    private final Set<String> missing = ConcurrentHashMap.newKeySet();
    /** The class file of each class this loader defined, by resource name ({@code a/b/C.class}). */
    private final Map<String, byte[]> definedBytes = new ConcurrentHashMap<>();
    /**
     * Classes the client pushed and no task has needed yet, by class name; an entry leaves when its class is defined.
     * Updated under the class's loading lock, so that a define never misses a static field update ({@link
     * #updateStatics}).
     */
    private final Map<String, ClientMsg.ClassFile> offered = new ConcurrentHashMap<>();
    /** Classes defined from pushed bytes, and fetched from the client: how well pushing works. */
    private final AtomicLong definedFromPush = new AtomicLong();

    private final AtomicLong fetched = new AtomicLong();

    ClientClassLoader(String clientId, ClassLoader parent, CodeLoaders fetcher, Serializer serializer) {
        super("jdask-client-" + clientId, parent);
        this.clientId = clientId;
        this.fetcher = fetcher;
        this.serializer = serializer;
    }

    String clientId() {
        return clientId;
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        ClientMsg.ClassFile pushed = offered.remove(name);
        if (pushed != null) {
            definedFromPush.incrementAndGet();
            return define(name, pushed.bytes(), pushed.staticState(), "pushed");
        }
        if (missing.contains(name) || neverFromAClient(name)) {
            throw notFound(name);
        }
        SchedulerMsg.ClassBytes answer = fetcher.fetch(clientId, name);
        if (answer.bytes() == null) {
            missing.add(name);
            throw notFound(name);
        }
        fetched.incrementAndGet();
        return define(name, answer.bytes(), answer.staticState(), "fetched");
    }

    private Class<?> define(String name, byte[] bytes, Map<String, byte[]> staticState, String how) {
        Class<?> c = defineClass(name, bytes, 0, bytes.length);
        definedBytes.put(name.replace('.', '/') + ".class", bytes);
        LOG.debug("defined {} ({} bytes, {}) for client {}", name, bytes.length, how, clientId);
        restoreStatics(c, staticState);
        return c;
    }

    /**
     * Classes the client pushed: kept until a task needs them. A class defined already (fetched by a task that ran
     * before the push arrived) or offered already keeps what it has. Takes no class loading lock: it runs on the
     * scheduler connection's thread, which must never wait for a task thread that is fetching a class over it.
     */
    void offer(List<ClientMsg.ClassFile> classes) {
        for (ClientMsg.ClassFile f : classes) {
            if (f == null || f.name() == null || f.bytes() == null) continue;
            // A class being fetched right now may still get an offer: never used, it only costs its bytes.
            if (findLoadedClass(f.name()) == null) offered.putIfAbsent(f.name(), f);
        }
    }

    /** How many classes were defined from pushed bytes. */
    long definedFromPush() {
        return definedFromPush.get();
    }

    /** How many classes were fetched from the client one by one. */
    long fetched() {
        return fetched.get();
    }

    /** Packages whose classes come from the worker's own class path or are generated on the worker, never a client. */
    private static final List<String> WORKER_PACKAGES =
            List.of("java.", "javax.", "jdk.", "sun.", "com.sun.", "io.jdask.", "org.apache.fory.");

    /**
     * Simple names Fory's generated serializers use unqualified, which the compiler first looks up in the serialized
     * class's own package ({@code com.acme.Object}); no real program has classes of these names.
     */
    private static final Set<String> SHADOWED_BY_GENERATED_CODE = Set.of("Object", "Override", "Class", "String");

    /**
     * First segments of qualified names in generated code ({@code org.apache.fory...}), which the compiler first tries
     * as classes of the serialized class's package ({@code com.acme.org}); lower-case, so no class has them.
     */
    private static final Set<String> TOP_LEVEL_PACKAGES = Set.of("org", "java", "javax", "jdk", "sun", "com", "io");

    /** JShell's package: its own classes there are named {@code $...} ({@code $JShell$12}, {@code $Cancel$}). */
    private static final String JSHELL_PACKAGE = "REPL.";

    /**
     * Names no client can answer, which code running on the worker looks up anyway: a serializer compiling code for
     * a class the client sent resolves every name it writes through this loader (the simple names {@code REPL.Object}
     * and {@code REPL.Override} before {@code java.lang}'s, each prefix of {@code org.apache.fory}), and probes for
     * serializer classes generated for it. Asking the client for each costs a round trip; these fail at once:
     * <ul>
     *   <li>names in the worker's own packages (the JDK's, jdask's, Fory's, also with {@code $} for {@code .}), and
     *       the prefixes of those packages ({@code org}, {@code org.apache});
     *   <li>Fory's generated serializer and codec classes, which each JVM makes for itself;
     *   <li>a name without a package that is also a class of {@code java.lang} ({@code Object}, {@code String}): a
     *       compiler resolving a simple name tries the unnamed package first, and no real program shadows those;
     *   <li>in any package, the few {@code java.lang} names generated serializers use ({@code com.acme.Object},
     *       {@code com.acme.Class}) and lower-case top-level package names ({@code com.acme.org}): the compiler tries
     *       the serialized class's package first for those too;
     *   <li>names in JShell's package {@code REPL} that JShell cannot have made: a simple name not starting with
     *       {@code $} ({@code REPL.Object}), or more dots ({@code REPL.$JShell$16.Point}, a nested class's name
     *       written the Java way).
     * </ul>
     */
    static boolean neverFromAClient(String name) {
        String dotted = name.replace('$', '.') + ".";
        for (String p : WORKER_PACKAGES) {
            if (dotted.startsWith(p) || p.startsWith(dotted)) return true;
        }
        String simple = name.substring(name.lastIndexOf('.') + 1);
        if (simple.endsWith("_ForyNativeSerializer")
                || simple.endsWith("_ForySerializer")
                || simple.contains("ForyRefCodec")
                || simple.contains("ForyCodec")) {
            return true;
        }
        if (name.indexOf('.') < 0 && isJavaLang(name)) return true;
        if (name.indexOf('.') > 0
                && (SHADOWED_BY_GENERATED_CODE.contains(simple) || TOP_LEVEL_PACKAGES.contains(simple))) {
            return true;
        }
        if (!name.startsWith(JSHELL_PACKAGE)) return false;
        String rest = name.substring(JSHELL_PACKAGE.length());
        return !rest.startsWith("$") || rest.indexOf('.') >= 0;
    }

    /**
     * Resources no client can add to: those in the packages of the worker's own classes ({@code java/lang/...},
     * {@code io/jdask/...}), which the worker's class path already answers; asking would cost a round trip each.
     */
    static boolean resourceNeverFromAClient(String name) {
        String dotted = name.replace('/', '.');
        for (String p : WORKER_PACKAGES) {
            if (dotted.startsWith(p)) return true;
        }
        return false;
    }

    private static boolean isJavaLang(String simpleName) {
        try {
            Class.forName("java.lang." + simpleName, false, ClassLoader.getPlatformClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    private ClassNotFoundException notFound(String name) {
        return new ClassNotFoundException("class " + name + " is neither on this worker's class path nor in an"
                + " uploaded jar, and client " + clientId + " does not have it either");
    }

    /**
     * New static field values for classes this loader may have defined already (a notebook variable was assigned);
     * classes not loaded yet are skipped: they get the client's current values when they are fetched.
     */
    void updateStatics(Map<String, Map<String, byte[]>> fields) {
        for (var e : fields.entrySet()) {
            Class<?> c;
            synchronized (getClassLoadingLock(e.getKey())) {
                c = findLoadedClass(e.getKey());
                if (c == null) {
                    // Offered, not defined yet: it must be defined with the new values, not the pushed ones.
                    offered.computeIfPresent(e.getKey(), (name, f) -> withState(f, e.getValue()));
                }
            }
            if (c != null) restoreStatics(c, e.getValue());
        }
    }

    private static ClientMsg.ClassFile withState(ClientMsg.ClassFile f, Map<String, byte[]> changed) {
        Map<String, byte[]> state = new HashMap<>(f.staticState() == null ? Map.of() : f.staticState());
        state.putAll(changed);
        return new ClientMsg.ClassFile(f.name(), f.bytes(), state);
    }

    private void restoreStatics(Class<?> c, Map<String, byte[]> state) {
        if (state == null || state.isEmpty()) {
            return;
        }
        for (var e : state.entrySet()) {
            try {
                Field f = c.getDeclaredField(e.getKey());
                int mods = f.getModifiers();
                if (!Modifier.isStatic(mods) || Modifier.isFinal(mods)) {
                    continue;
                }
                Object value = serializer.deserialize(e.getValue(), this);
                f.setAccessible(true);
                f.set(null, value);
            } catch (ReflectiveOperationException | RuntimeException | LinkageError ex) {
                LOG.warn(
                        "could not restore static field {}.{} sent by client {}: {}",
                        c.getName(),
                        e.getKey(),
                        clientId,
                        ex.toString());
            }
        }
    }

    /**
     * The copies of resource {@code name} that the client has and the worker's class path lacks (asked once per name:
     * the answer, also "none", is kept for the loader's life). Like classes, resources are parent first: the worker's
     * class path and uploaded jars come before the client's.
     */
    @Override
    protected URL findResource(String name) {
        List<byte[]> copies = clientResources(name);
        return copies.isEmpty() ? null : resourceUrl(name, 0, copies.get(0));
    }

    @Override
    protected Enumeration<URL> findResources(String name) {
        List<byte[]> copies = clientResources(name);
        List<URL> urls = new ArrayList<>(copies.size());
        for (int i = 0; i < copies.size(); i++) urls.add(resourceUrl(name, i, copies.get(i)));
        return Collections.enumeration(urls);
    }

    /** Resources asked of the client so far, by name: their copies, empty when the client has none. */
    private final Map<String, List<byte[]>> resources = new ConcurrentHashMap<>();

    private List<byte[]> clientResources(String name) {
        if (name == null || name.isEmpty() || resourceNeverFromAClient(name)) return List.of();
        List<byte[]> known = resources.get(name);
        if (known != null) return known;
        List<byte[]> copies;
        try {
            byte[] packed =
                    fetcher.fetch(clientId, ClientResources.request(name)).bytes();
            copies = packed == null ? List.of() : List.copyOf(ClientResources.unpack(packed));
        } catch (ClassNotFoundException | IllegalArgumentException e) {
            // No answer in time or a garbled one: not kept, a later lookup asks again.
            LOG.debug("resource {} of client {}: {}", name, clientId, e.getMessage());
            return List.of();
        }
        List<byte[]> raced = resources.putIfAbsent(name, copies);
        LOG.debug("resource {} of client {}: {} copies", name, clientId, copies.size());
        return raced != null ? raced : copies;
    }

    /** A URL that reads a copy held in memory ({@code jdask-client:/CLIENT/INDEX/NAME}). */
    private URL resourceUrl(String name, int index, byte[] bytes) {
        try {
            URI uri = new URI("jdask-client", null, "/" + clientId + "/" + index + "/" + name, null);
            return URL.of(uri, new InMemory(bytes));
        } catch (URISyntaxException | java.net.MalformedURLException e) {
            throw new IllegalStateException("resource name " + name + " makes no URL: " + e.getMessage(), e);
        }
    }

    /** Opens one resource's bytes. */
    private static final class InMemory extends URLStreamHandler {
        private final byte[] bytes;

        InMemory(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        protected URLConnection openConnection(URL u) {
            return new URLConnection(u) {
                @Override
                public void connect() {
                    connected = true;
                }

                @Override
                public InputStream getInputStream() {
                    return new ByteArrayInputStream(bytes);
                }

                @Override
                public long getContentLengthLong() {
                    return bytes.length;
                }
            };
        }
    }

    /** A class file this loader defined, else the parent's resource. */
    @Override
    public InputStream getResourceAsStream(String name) {
        byte[] bytes = definedBytes.get(name);
        return bytes != null ? new ByteArrayInputStream(bytes) : super.getResourceAsStream(name);
    }

    @Override
    public String toString() {
        return "ClientClassLoader[" + clientId + "]";
    }
}
