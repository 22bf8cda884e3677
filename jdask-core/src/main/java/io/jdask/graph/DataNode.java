package io.jdask.graph;

import java.util.List;
import java.util.Objects;

/** A plain value in a graph, e.g. from {@code delayed(value)} or a persisted result. It has no dependencies. */
public record DataNode(String key, Object value) implements Node {
    public DataNode {
        Objects.requireNonNull(key, "key");
    }

    @Override
    public List<String> dependencies() {
        return List.of();
    }
}
