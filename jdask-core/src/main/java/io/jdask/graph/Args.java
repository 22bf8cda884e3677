package io.jdask.graph;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Searching and rewriting the containers that task arguments may hold: lists, sets, maps (keys and values) and
 * object arrays, nested to any depth. Other objects are left alone, as Dask leaves them.
 *
 * <p>A rewrite copies only containers that change: a list holding no reference comes back as the same object.
 * A changed list becomes an {@link ArrayList}, a set a {@link LinkedHashSet}, a map a {@link LinkedHashMap} and an
 * array an {@code Object[]} (an array of {@code Delayed} cannot hold the computed values).
 */
public final class Args {
    private Args() {}

    /** Adds the keys of all {@link TaskRef}s inside {@code value} to {@code into}; returns whether there were any. */
    public static boolean collectRefs(Object value, Collection<String> into) {
        return switch (value) {
            case null -> false;
            case TaskRef ref -> into.add(ref.key()) || true;
            case Collection<?> c -> {
                boolean any = false;
                for (Object o : c) any |= collectRefs(o, into);
                yield any;
            }
            case Map<?, ?> m -> {
                boolean any = false;
                for (var e : m.entrySet()) {
                    any |= collectRefs(e.getKey(), into);
                    any |= collectRefs(e.getValue(), into);
                }
                yield any;
            }
            case Object[] arr -> {
                boolean any = false;
                for (Object o : arr) any |= collectRefs(o, into);
                yield any;
            }
            default -> false;
        };
    }

    /** Returned by a rewrite function for an object it leaves alone (so that {@code null} can be a replacement). */
    public static final Object KEEP = new Object() {
        @Override
        public String toString() {
            return "Args.KEEP";
        }
    };

    /**
     * Replaces, inside {@code value}, every object for which {@code replace} answers something other than
     * {@link #KEEP} by that answer, copying the containers on the way. Returns {@code value} itself when nothing
     * was replaced.
     */
    public static Object rewrite(Object value, Function<Object, Object> replace) {
        Object r = replace.apply(value);
        if (r != KEEP) return r;
        return switch (value) {
            case null -> null;
            case List<?> list -> {
                List<Object> out = null;
                for (int i = 0; i < list.size(); i++) {
                    Object o = list.get(i);
                    Object n = rewrite(o, replace);
                    if (n != o && out == null) {
                        out = new ArrayList<>(list.size());
                        for (int j = 0; j < i; j++) out.add(list.get(j));
                    }
                    if (out != null) out.add(n);
                }
                yield out == null ? list : out;
            }
            case Set<?> set -> {
                Set<Object> out = new LinkedHashSet<>();
                boolean changed = false;
                for (Object o : set) {
                    Object n = rewrite(o, replace);
                    changed |= n != o;
                    out.add(n);
                }
                yield changed ? out : set;
            }
            case Collection<?> c -> {
                List<Object> out = new ArrayList<>(c.size());
                boolean changed = false;
                for (Object o : c) {
                    Object n = rewrite(o, replace);
                    changed |= n != o;
                    out.add(n);
                }
                yield changed ? out : c;
            }
            case Map<?, ?> m -> {
                Map<Object, Object> out = new LinkedHashMap<>();
                boolean changed = false;
                for (var e : m.entrySet()) {
                    Object k = rewrite(e.getKey(), replace);
                    Object v = rewrite(e.getValue(), replace);
                    changed |= k != e.getKey() || v != e.getValue();
                    out.put(k, v);
                }
                yield changed ? out : m;
            }
            case Object[] arr -> {
                Object[] out = null;
                for (int i = 0; i < arr.length; i++) {
                    Object n = rewrite(arr[i], replace);
                    if (n != arr[i] && out == null) {
                        out = new Object[arr.length];
                        System.arraycopy(arr, 0, out, 0, i);
                    }
                    if (out != null) out[i] = n;
                }
                yield out == null ? arr : out;
            }
            default -> value;
        };
    }

    /** Whether {@code value} is a list, set, map or object array that could hold references. */
    public static boolean isContainer(Object value) {
        return value instanceof Collection<?>
                || value instanceof Map<?, ?>
                || (value != null
                        && value.getClass().isArray()
                        && !value.getClass().getComponentType().isPrimitive());
    }

    static int length(Object array) {
        return Array.getLength(array);
    }
}
