package io.jdask;

/**
 * A value that will exist later: either lazily, as a {@link Delayed} task graph, or eagerly, as a
 * {@link Future} on a cluster. Any argument position of {@code delayed(f).call(...)} and
 * {@code client.submit(...)} accepts a plain value or a {@code Ref} of the matching type; the task then depends
 * on that value and receives it, computed, when it runs.
 *
 * @param <T> the type of the value
 */
public sealed interface Ref<T> permits Delayed, Future {

    /** The key naming this value in a task graph and on a cluster, e.g. {@code inc-7f3a0c...}. */
    String key();
}
