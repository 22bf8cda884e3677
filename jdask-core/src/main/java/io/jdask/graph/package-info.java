/**
 * Task graphs: the lazy half of jdask as data.
 *
 * <p>A graph is an immutable map from key to {@link io.jdask.graph.Node}. A node is a {@link io.jdask.graph.Task}
 * (a function and its arguments), a {@link io.jdask.graph.DataNode} (a value) or an {@link io.jdask.graph.Alias}
 * (another key's value under a new key). A task's arguments may hold {@link io.jdask.graph.TaskRef}s, at the top
 * level or inside lists, sets, maps and object arrays; a task's dependencies are derived from those references and
 * never stored twice.
 *
 * <p>Keys read {@code funcname-token}. The token is random for ordinary tasks and, for {@code pure()} ones, a
 * hash of the function's identity and its normalized arguments ({@link io.jdask.graph.Tokens}), so that the same
 * call made twice names the same key and is computed once.
 */
package io.jdask.graph;
