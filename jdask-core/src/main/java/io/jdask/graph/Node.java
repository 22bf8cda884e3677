package io.jdask.graph;

import java.util.List;

/** One entry of a {@link TaskGraph}: a {@link Task}, a {@link DataNode} or an {@link Alias}. */
public sealed interface Node permits Task, DataNode, Alias {

    /** The key this node defines. */
    String key();

    /** The keys whose values this node needs, without duplicates, in the order they first appear. */
    List<String> dependencies();
}
