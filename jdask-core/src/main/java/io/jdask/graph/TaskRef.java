package io.jdask.graph;

import java.util.Objects;

/**
 * Stands, inside a task's arguments, for the value of another key. When the task runs, each {@code TaskRef} is
 * replaced by that key's computed value, also inside lists, sets, maps and object arrays.
 */
public record TaskRef(String key) implements java.io.Serializable {
    public TaskRef {
        Objects.requireNonNull(key, "key");
    }

    @Override
    public String toString() {
        return "TaskRef[" + key + "]";
    }
}
