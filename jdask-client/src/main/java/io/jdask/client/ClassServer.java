package io.jdask.client;

import io.jdask.protocol.ClientMsg;
import io.jdask.protocol.ClientResources;
import io.jdask.protocol.Serializer;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Answers workers that need one of this client's classes: a class defined in a notebook cell, generated at run
 * time, or otherwise missing from the workers' class path.
 *
 * <p>A class's bytes are read as its loader's resource ({@code Name.class}), which is how JShell, class-path and
 * in-memory loaders that keep what they define answer. A loader that drops the bytes once it has defined a class
 * (ByteBuddy's default wrapper strategy, {@code Lookup.defineClass}) leaves nothing to ship: the worker's task fails
 * with the class's name, and generating into a loader that keeps its bytes (ByteBuddy's
 * {@code WRAPPER_PERSISTENT}) or {@code client.uploadJar} fixes it.
 *
 * <p>The loaders to search are the ones the client's shipped code and values came from (recorded by {@link Shipping}
 * as each payload is made) plus the context loader; held weakly, so a discarded notebook's loader can be collected. A
 * class whose name marks a JShell wrapper ({@code $JShell$}) also ships the current values of its static fields:
 * JShell keeps a cell's top-level variables there and sets them at run time, so a worker loading the class fresh
 * would otherwise see zeros and nulls where the notebook sees the user's values.
 */
final class ClassServer {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ClassServer.class);

    /** Guarded by itself. */
    private final Set<ClassLoader> loaders = Collections.newSetFromMap(new WeakHashMap<>());

    record Answer(byte[] bytes, Map<String, byte[]> staticState) {}

    /**
     * A JShell wrapper class served to workers: its static fields (made accessible once) with the value of each as
     * last shipped (boxed primitives and strings compare by value, other objects by identity: a mutation inside an
     * object is not noticed, an assignment is). {@code shipped} and {@code known} are guarded by the object.
     */
    private static final class Served {
        final String className;
        final Field[] fields;
        final Object[] shipped;
        final boolean[] known;

        Served(String className, Field[] fields) {
            this.className = className;
            this.fields = fields;
            this.shipped = new Object[fields.length];
            this.known = new boolean[fields.length];
        }
    }

    /** The served JShell wrapper classes by name, in the order first served. Guarded by itself. */
    private final Map<String, Served> served = new LinkedHashMap<>();

    /**
     * The values of {@link #served}, for {@link #changedStaticState} to walk at every request that carries user code
     * without copying or locking the map; replaced (under the map's monitor) when a class is added.
     */
    private volatile Served[] servedList = new Served[0];

    /** Remembers where an object's class came from, if it is not the JDK's or jdask's own loader. */
    void remember(Object o) {
        if (o != null) remember(o.getClass().getClassLoader());
    }

    /**
     * Whether classes are pushed at all: {@code -Djdask.client.push=false} leaves every class to be fetched when a
     * worker needs it (to measure the push, and as a way out).
     */
    static final boolean PUSH = io.jdask.Settings.current().get(io.jdask.Settings.CLIENT_PUSH);

    /** At most this many classes are pushed for one object's class; the others are fetched when needed. */
    static final int PUSH_MAX_CLASSES = 256;

    /** At most this many bytes of class files are pushed for one object's class; the others are fetched. */
    static final int PUSH_MAX_BYTES = 4 << 20;

    /** Names of packages whose classes every worker has: their references are not followed. */
    private static final List<String> WORKER_PACKAGES =
            List.of("java.", "javax.", "jdk.", "sun.", "com.sun.", "io.jdask.", "org.apache.fory.");

    /**
     * Whether an object of the class was looked at by {@link #toPush}: its loader was remembered, its class and what
     * it refers to were pushed then (or need not be), so later objects of the class cost one lookup.
     */
    private final ClassValue<AtomicBoolean> examined = new ClassValue<>() {
        @Override
        protected AtomicBoolean computeValue(Class<?> type) {
            return new AtomicBoolean();
        }
    };

    /** Names of the classes pushed to the workers so far; each goes once. Guarded by itself. */
    private final Set<String> pushed = new HashSet<>();

    /** Class requests of workers answered ({@link #find}), found or not; for tests and diagnostics. */
    private final AtomicLong classRequests = new AtomicLong();

    /**
     * Hands {@code sink} the classes an object sent to workers needs that no worker can have, and which were not pushed
     * yet: its class (a
     * lambda's: the class that wrote the lambda) and the classes it refers to, transitively, as long as they too were
     * defined in memory ({@link #definedInMemory}: notebook cells, generated code), at most {@value #PUSH_MAX_CLASSES}
     * classes and {@value #PUSH_MAX_BYTES} bytes. A JShell wrapper class goes with the current values of its static
     * fields, remembered as shipped (so that later changes go as {@code StaticStateForWorkers}). Classes from a jar or
     * directory are not pushed: the workers may have them, and fetch them otherwise.
     */
    void toPush(Object o, Serializer serializer, Consumer<ClientMsg.ClassFile> sink) {
        if (o == null) return;
        AtomicBoolean done = examined.get(o.getClass());
        if (done.get()) return;
        // One object's classes at a time, handed to the sink before any other thread can see them as pushed: a task
        // that needs a class another thread is pushing goes after it.
        synchronized (pushed) {
            if (done.get()) return;
            walk(o.getClass(), serializer, sink);
            done.set(true);
        }
    }

    private void walk(Class<?> type, Serializer serializer, Consumer<ClientMsg.ClassFile> sink) {
        remember(type.getClassLoader());
        if (!PUSH) return;
        while (type.isArray()) type = type.getComponentType();
        if (type.isHidden()) type = type.getNestHost(); // a lambda: the class whose code made it
        if (type.isHidden() || !definedInMemory(type)) return;
        ArrayDeque<Class<?>> queue = new ArrayDeque<>();
        Set<String> seen = new HashSet<>();
        queue.add(type);
        seen.add(type.getName());
        long bytes = 0;
        int count = 0;
        while (!queue.isEmpty() && count < PUSH_MAX_CLASSES) {
            Class<?> c = queue.poll();
            ClassLoader l = c.getClassLoader();
            if (pushed.contains(c.getName())) continue; // went earlier, with what it refers to
            byte[] file = read(l, c.getName().replace('.', '/') + ".class");
            if (file == null || bytes + file.length > PUSH_MAX_BYTES) continue;
            bytes += file.length;
            count++;
            remember(l);
            sink.accept(new ClientMsg.ClassFile(c.getName(), file, staticState(l, c.getName(), serializer, true)));
            pushed.add(c.getName());
            for (String ref : ClassRefs.names(file)) {
                if (!seen.add(ref) || onEveryWorker(ref)) continue;
                Class<?> r = loaded(ref, l);
                if (r != null && !r.isHidden() && definedInMemory(r)) queue.add(r);
            }
        }
    }

    /**
     * Whether a class was defined from bytes in memory (JShell's cells, a generated class) rather than read from a
     * jar or directory: such a class exists nowhere but in this JVM. The JDK's and the application class path's
     * loaders, and classes with a code source location, do not qualify.
     */
    static boolean definedInMemory(Class<?> c) {
        ClassLoader l = c.getClassLoader();
        if (l == null || l == ClassLoader.getPlatformClassLoader() || l == ClassLoader.getSystemClassLoader()) {
            return false;
        }
        var domain = c.getProtectionDomain();
        var source = domain == null ? null : domain.getCodeSource();
        return source == null || source.getLocation() == null;
    }

    private static boolean onEveryWorker(String className) {
        for (String p : WORKER_PACKAGES) {
            if (className.startsWith(p)) return true;
        }
        return false;
    }

    /** The class named {@code name} as {@code l} sees it, without initializing it; null if there is none. */
    private static Class<?> loaded(String name, ClassLoader l) {
        try {
            return Class.forName(name, false, l);
        } catch (ClassNotFoundException | LinkageError | RuntimeException e) {
            return null;
        }
    }

    private void remember(ClassLoader l) {
        if (l == null || l == ClassServer.class.getClassLoader()) return;
        synchronized (loaders) {
            loaders.add(l);
        }
    }

    /** How many times workers asked for a class by name, whether this client had it or not. */
    long classRequests() {
        return classRequests.get();
    }

    /**
     * The bytes of a class for a worker, with the static state it needs; or, for a name that {@link
     * ClientResources#isResource}, every copy of that resource in the client's loaders, packed.
     */
    Answer find(String className, Serializer serializer) {
        if (ClientResources.isResource(className)) {
            return findResource(ClientResources.name(className));
        }
        classRequests.incrementAndGet();
        String resource = className.replace('.', '/') + ".class";
        List<ClassLoader> candidates = candidates();
        for (ClassLoader l : candidates) {
            byte[] bytes = read(l, resource);
            if (bytes != null) {
                LOG.debug("a worker fetched class {}", className);
                return new Answer(bytes, staticState(l, className, serializer, true));
            }
        }
        LOG.debug("a worker asked for class {}, which this client does not have", className);
        return new Answer(null, Map.of());
    }

    /** The loaders searched, in order: those shipped code came from, the context loader, jdask's. */
    private List<ClassLoader> candidates() {
        List<ClassLoader> candidates;
        synchronized (loaders) {
            candidates = new ArrayList<>(loaders);
        }
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        if (context != null) candidates.add(context);
        candidates.add(ClassServer.class.getClassLoader());
        return candidates;
    }

    /** Resource requests of workers answered, found or not; for tests and diagnostics. */
    private final AtomicLong resourceRequests = new AtomicLong();

    long resourceRequests() {
        return resourceRequests.get();
    }

    /**
     * Every copy of resource {@code name} the client's loaders see (each URL once, as several loaders share parents),
     * packed; null bytes when there is none.
     */
    private Answer findResource(String name) {
        resourceRequests.incrementAndGet();
        Set<String> seen = new HashSet<>();
        List<byte[]> copies = new ArrayList<>();
        for (ClassLoader l : candidates()) {
            try {
                for (java.net.URL url : Collections.list(l.getResources(name))) {
                    if (!seen.add(url.toString())) continue;
                    try (InputStream in = url.openStream()) {
                        copies.add(in.readAllBytes());
                    }
                }
            } catch (IOException | RuntimeException e) {
                LOG.debug("reading resource {} for a worker: {}", name, e.toString());
            }
        }
        LOG.debug("a worker asked for resource {}: {} copies", name, copies.size());
        return new Answer(copies.isEmpty() ? null : ClientResources.pack(copies), Map.of());
    }

    private static byte[] read(ClassLoader l, String resource) {
        try (InputStream in = l.getResourceAsStream(resource)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * The static fields of a JShell wrapper class, serialized: with {@code all}, every one; else only those whose
     * value differs from what was last shipped (all of them the first time). Remembers what it returns.
     */
    private Map<String, byte[]> staticState(ClassLoader l, String className, Serializer serializer, boolean all) {
        if (!className.contains("$JShell$")) return Map.of();
        Served s;
        synchronized (served) {
            s = served.get(className);
        }
        if (s == null) {
            try {
                s = watch(Class.forName(className, false, l));
            } catch (ClassNotFoundException | LinkageError e) {
                return Map.of();
            }
        }
        return staticState(s, serializer, all);
    }

    /** Starts following a wrapper class's static fields (once: a class served twice keeps its first record). */
    private Served watch(Class<?> c) {
        List<Field> statics = new ArrayList<>();
        for (Field f : c.getDeclaredFields()) {
            if (!Modifier.isStatic(f.getModifiers()) || f.isSynthetic()) continue;
            try {
                f.setAccessible(true);
                statics.add(f);
            } catch (RuntimeException e) {
                // Not accessible here: the worker keeps the field's initial value.
            }
        }
        synchronized (served) {
            Served s = served.get(c.getName());
            if (s != null) return s;
            s = new Served(c.getName(), statics.toArray(new Field[0]));
            served.put(c.getName(), s);
            servedList = served.values().toArray(new Served[0]);
            return s;
        }
    }

    private Map<String, byte[]> staticState(Served s, Serializer serializer, boolean all) {
        Map<String, byte[]> out = null;
        synchronized (s) {
            for (int i = 0; i < s.fields.length; i++) {
                Field f = s.fields[i];
                try {
                    Object value = f.get(null);
                    if (!all && s.known[i] && same(s.shipped[i], value)) continue;
                    s.known[i] = true;
                    s.shipped[i] = value; // also when it cannot go: the check is not repeated while it holds
                    if (!shippable(value, 0)) continue;
                    byte[] bytes = serializer.serialize(value);
                    if (out == null) out = new LinkedHashMap<>();
                    out.put(f.getName(), bytes);
                } catch (RuntimeException | IllegalAccessException | LinkageError e) {
                    // A value that does not serialize stays behind; the worker keeps the field's initial value.
                }
            }
        }
        return out == null ? Map.of() : out;
    }

    /**
     * Static fields of served classes that changed since they were shipped; empty when none did. Runs before every
     * request that carries user code, so it only reads each field and compares it with what was shipped: no lookup,
     * no reflection set-up, no allocation while nothing changed.
     */
    Map<String, Map<String, byte[]>> changedStaticState(Serializer serializer) {
        Served[] all = servedList;
        if (all.length == 0) return Map.of();
        Map<String, Map<String, byte[]>> out = null;
        for (Served s : all) {
            Map<String, byte[]> changed = staticState(s, serializer, false);
            if (changed.isEmpty()) continue;
            if (out == null) out = new LinkedHashMap<>();
            out.put(s.className, changed);
        }
        return out == null ? Map.of() : out;
    }

    /** Elements of a collection, map or array looked at by {@link #shippable}; a bigger one is judged by these. */
    private static final int SHIPPABLE_SCAN_LIMIT = 256;

    /**
     * False for a value that means something only in this JVM: a handle of this client's runtime (a client, cluster,
     * future, actor, queue, lock...), any {@link java.util.concurrent.Future}, a thread, executor or class loader, or a
     * collection, map or array holding one (looked into two levels deep, {@value #SHIPPABLE_SCAN_LIMIT} elements at
     * most). A notebook keeps its futures and its client in variables, and JShell keeps variables in static fields, so
     * these are common here. They would not work on a worker anyway, and trying to serialize them is not free: it
     * fails only after the serializer has compiled code for the class, and its compiler thread prints the failure on
     * the notebook's standard error.
     */
    static boolean shippable(Object value, int depth) {
        if (value == null) return true;
        if (value instanceof java.util.concurrent.Future<?>
                || value instanceof Thread
                || value instanceof java.util.concurrent.Executor
                || value instanceof ClassLoader
                || value instanceof io.jdask.Client
                || value instanceof io.jdask.LocalCluster
                || value.getClass().getPackageName().equals(ClassServer.class.getPackageName())) {
            return false;
        }
        if (depth >= 2) return true;
        Iterable<?> elements = switch (value) {
            case java.util.Collection<?> c -> c;
            case Map<?, ?> m -> m.values();
            case Object[] a -> java.util.Arrays.asList(a);
            default -> null;
        };
        if (elements == null) return true;
        int seen = 0;
        try {
            for (Object e : elements) {
                if (!shippable(e, depth + 1)) return false;
                if (++seen == SHIPPABLE_SCAN_LIMIT) break;
            }
        } catch (RuntimeException e) {
            // A collection that cannot be iterated here (concurrently modified, lazy and failing): let the serializer
            // decide.
        }
        return true;
    }

    private static boolean same(Object a, Object b) {
        if (a == b) return true;
        if (a == null || b == null) return false;
        boolean byValue = a instanceof Number || a instanceof String || a instanceof Boolean || a instanceof Character;
        return byValue && a.equals(b);
    }
}
