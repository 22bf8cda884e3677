package io.jdask.client;

import io.jdask.Delayed;
import io.jdask.Fn;
import io.jdask.Future;
import io.jdask.SubmitOptions;
import io.jdask.graph.Alias;
import io.jdask.graph.Args;
import io.jdask.graph.Builtins;
import io.jdask.graph.DataNode;
import io.jdask.graph.Node;
import io.jdask.graph.Task;
import io.jdask.graph.TaskRef;
import io.jdask.protocol.ClientMsg;
import io.jdask.protocol.GraphMessage;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Builds one {@link ClientMsg.UpdateGraph}: task specs for submitted calls and for the {@code Delayed} graphs they
 * read, each run spec made once by the session's {@link Shipping}, in the message's columns ({@link GraphMessage}:
 * the submission's options once, dependencies as indices). A {@link Future} argument becomes a {@link TaskRef} to its
 * key (its value never comes to the client); a {@link Delayed} argument adds its whole graph.
 */
final class Submission {
    private final Session session;
    private final GraphMessage graph;

    Submission(Session session, SubmitOptions options) {
        this.session = session;
        this.graph = new GraphMessage(new ClientMsg.TaskOptions(
                options.priority(),
                options.retries(),
                options.workers(),
                options.allowOtherWorkers(),
                options.resources()));
    }

    /** The message wanting these keys. */
    ClientMsg.UpdateGraph message(List<String> wanted) {
        return graph.build(wanted);
    }

    /** Adds one call under {@code key}. */
    void addCall(String key, Fn fn, Object[] args) {
        Set<String> deps = new LinkedHashSet<>();
        Object[] wire = new Object[args.length];
        for (int i = 0; i < args.length; i++) wire[i] = toWire(args[i], deps);
        add(key, List.copyOf(deps), fn, wire);
    }

    /** Adds the graph of a lazy value; its key is the value's key. */
    void addDelayed(Delayed<?> value) {
        for (Node node : value.graph().nodes().values()) {
            if (graph.contains(node.key())) continue;
            switch (node) {
                case Task t when t.fn() == Builtins.AWAIT -> {
                    // A future inside a lazy graph: its key already lives on the cluster.
                }
                case Task t -> add(t.key(), t.dependencies(), t.fn(), t.args());
                case DataNode d -> add(d.key(), List.of(), Builtins.IDENTITY, new Object[] {d.value()});
                case Alias a ->
                    add(a.key(), List.of(a.target()), Builtins.IDENTITY, new Object[] {new TaskRef(a.target())});
            }
        }
    }

    private Object toWire(Object arg, Set<String> deps) {
        return Args.rewrite(arg, o -> switch (o) {
            case Future<?> f -> {
                deps.add(f.key());
                yield new TaskRef(f.key());
            }
            case Delayed<?> d -> {
                addDelayed(d);
                deps.add(d.key());
                yield new TaskRef(d.key());
            }
            default -> Args.KEEP;
        });
    }

    private void add(String key, List<String> deps, Fn fn, Object[] args) {
        graph.add(key, deps, session.shipping.task(key, fn, args));
    }
}
