package io.jdask.client;

import io.jdask.protocol.Serializer;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;

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
    /** Guarded by itself. */
    private final Set<ClassLoader> loaders = Collections.newSetFromMap(new WeakHashMap<>());

    record Answer(byte[] bytes, Map<String, byte[]> staticState) {}

    /**
     * JShell wrapper classes served to workers, with the value of each static field as last shipped (boxed
     * primitives and strings compare by value, other objects by identity: a mutation inside an object is not
     * noticed, an assignment is). Guarded by itself.
     */
    private final Map<String, Map<String, Object>> served = new LinkedHashMap<>();

    private final Map<String, ClassLoader> servedFrom = new java.util.HashMap<>();

    /** Remembers where an object's class came from, if it is not the JDK's or jdask's own loader. */
    void remember(Object o) {
        if (o == null) return;
        ClassLoader l = o.getClass().getClassLoader();
        if (l == null || l == ClassServer.class.getClassLoader()) return;
        synchronized (loaders) {
            loaders.add(l);
        }
    }

    Answer find(String className, Serializer serializer) {
        String resource = className.replace('.', '/') + ".class";
        java.util.List<ClassLoader> candidates;
        synchronized (loaders) {
            candidates = new java.util.ArrayList<>(loaders);
        }
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        if (context != null) candidates.add(context);
        candidates.add(ClassServer.class.getClassLoader());
        for (ClassLoader l : candidates) {
            byte[] bytes = read(l, resource);
            if (bytes != null) return new Answer(bytes, staticState(l, className, serializer, true));
        }
        return new Answer(null, Map.of());
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
        Map<String, byte[]> out = new LinkedHashMap<>();
        try {
            Class<?> c = Class.forName(className, false, l);
            Map<String, Object> shipped;
            synchronized (served) {
                shipped = served.computeIfAbsent(className, k -> new java.util.HashMap<>());
                servedFrom.put(className, l);
            }
            for (Field f : c.getDeclaredFields()) {
                if (!Modifier.isStatic(f.getModifiers()) || f.isSynthetic()) continue;
                try {
                    f.setAccessible(true);
                    Object value = f.get(null);
                    synchronized (served) {
                        if (!all && shipped.containsKey(f.getName()) && same(shipped.get(f.getName()), value)) continue;
                    }
                    if (!shippable(value, 0)) {
                        // Remembered as shipped so the check is not repeated at every submission while it holds.
                        synchronized (served) {
                            shipped.put(f.getName(), value);
                        }
                        continue;
                    }
                    out.put(f.getName(), serializer.serialize(value));
                    synchronized (served) {
                        shipped.put(f.getName(), value);
                    }
                } catch (RuntimeException | IllegalAccessException | LinkageError e) {
                    // A value that does not serialize stays behind; the worker keeps the field's initial value.
                }
            }
        } catch (ClassNotFoundException | LinkageError e) {
            return Map.of();
        }
        return out;
    }

    /** Static fields of served classes that changed since they were shipped; empty (and cheap) when none did. */
    Map<String, Map<String, byte[]>> changedStaticState(Serializer serializer) {
        Map<String, ClassLoader> classes;
        synchronized (served) {
            if (served.isEmpty()) return Map.of();
            classes = new LinkedHashMap<>(servedFrom);
        }
        Map<String, Map<String, byte[]>> out = new LinkedHashMap<>();
        for (var e : classes.entrySet()) {
            Map<String, byte[]> changed = staticState(e.getValue(), e.getKey(), serializer, false);
            if (!changed.isEmpty()) out.put(e.getKey(), changed);
        }
        return out;
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
