package io.jdask.graph;

import java.util.List;
import java.util.Objects;

/** Gives the value of {@code target} a second key. */
public record Alias(String key, String target) implements Node {
    public Alias {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(target, "target");
        if (key.equals(target)) throw new IllegalArgumentException("alias " + key + " points at itself");
    }

    @Override
    public List<String> dependencies() {
        return List.of(target);
    }
}
