package io.jdask.worker.state;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Defensive, order-preserving copies for event and instruction records.
 *
 * <p>Why not {@code Map.copyOf}/{@code Set.copyOf}: their iteration order is salted per JVM run,
 * which would make the state machine's choices (and so its instructions) differ between a run
 * and the replay of its event log in another process. These copies keep the caller's order.
 */
final class Copies {
    private Copies() {}

    static <K, V> Map<K, V> map(Map<K, V> m, String what) {
        Objects.requireNonNull(m, what);
        if (m.isEmpty()) return Map.of();
        var copy = new LinkedHashMap<K, V>(m.size() * 2);
        for (var e : m.entrySet()) {
            copy.put(
                    Objects.requireNonNull(e.getKey(), () -> what + " has a null key"),
                    Objects.requireNonNull(e.getValue(), () -> what + " has a null value for " + e.getKey()));
        }
        return Collections.unmodifiableMap(copy);
    }

    static List<String> list(Collection<String> c, String what) {
        Objects.requireNonNull(c, what);
        if (c.isEmpty()) return List.of();
        var copy = new ArrayList<String>(c.size());
        for (String s : c) copy.add(Objects.requireNonNull(s, () -> what + " contains null"));
        return Collections.unmodifiableList(copy);
    }

    static Set<String> set(Collection<String> c, String what) {
        Objects.requireNonNull(c, what);
        if (c.isEmpty()) return Set.of();
        var copy = new LinkedHashSet<String>(c.size() * 2);
        for (String s : c) copy.add(Objects.requireNonNull(s, () -> what + " contains null"));
        return Collections.unmodifiableSet(copy);
    }

    static Map<String, List<String>> whoHas(Map<String, ? extends Collection<String>> m, String what) {
        Objects.requireNonNull(m, what);
        if (m.isEmpty()) return Map.of();
        var copy = new LinkedHashMap<String, List<String>>(m.size() * 2);
        for (var e : m.entrySet()) {
            String key = Objects.requireNonNull(e.getKey(), () -> what + " has a null key");
            copy.put(key, list(e.getValue(), what + "[" + key + "]"));
        }
        return Collections.unmodifiableMap(copy);
    }
}
