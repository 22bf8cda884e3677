package io.jdask;

import io.jdask.graph.Args;
import io.jdask.graph.Functions;
import io.jdask.graph.Task;
import io.jdask.graph.TaskRef;
import io.jdask.graph.Tokens;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What {@code delayed(fn)} holds: the function and the options of its calls. Every generated
 * {@code DelayedFunctionN.call} overload lands in {@link #call(Object[])}, which is the hot path of graph building
 * (millions of calls a second), so it scans the arguments once and allocates little.
 */
final class DelayedCall {
    private final Fn fn;
    /** Key prefix; null means the function's own name. */
    private final String name;

    private final boolean pure;
    /** An exact key for the call, or null. */
    private final String key;

    private DelayedCall(Fn fn, String name, boolean pure, String key) {
        this.fn = fn;
        this.name = name;
        this.pure = pure;
        this.key = key;
    }

    /**
     * The spec made last, reused when the same function object comes again: a method reference or a lambda that
     * captures nothing is one object for the life of the JVM, so {@code delayed(T::inc)} inside a loop (the usual
     * way to write it) finds its spec here instead of making one per iteration. Specs are immutable, so sharing
     * one across threads is safe; a race only costs a miss.
     */
    private static volatile DelayedCall last;

    static DelayedCall of(Fn fn) {
        DelayedCall l = last;
        if (l != null && l.fn == fn) return l;
        Objects.requireNonNull(fn, "delayed(fn): fn is null");
        Task.arity(fn); // rejects an Fn that is none of Fn0..Fn6, with the reason
        DelayedCall made = new DelayedCall(fn, null, false, null);
        last = made;
        return made;
    }

    DelayedCall withName(String name) {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("name must be a non-blank string");
        return new DelayedCall(fn, name, pure, key);
    }

    DelayedCall withPure(boolean pure) {
        return new DelayedCall(fn, name, pure, key);
    }

    DelayedCall withKey(String key) {
        if (key == null || key.isBlank()) throw new IllegalArgumentException("key must be a non-blank string");
        return new DelayedCall(fn, name, pure, key);
    }

    /** Builds the task for one call; {@code args} is a fresh array owned by this method. */
    <R> Delayed<R> call(Object[] args) {
        Ref<?>[] deps = null;
        int ndeps = 0;
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a instanceof Ref<?> ref) {
                if (deps == null) deps = new Ref<?>[args.length];
                else if (ndeps == deps.length) deps = java.util.Arrays.copyOf(deps, ndeps * 2);
                deps[ndeps++] = ref;
                args[i] = new TaskRef(ref.key());
            } else if (a != null && Args.isContainer(a)) {
                List<Ref<?>> found = new ArrayList<>();
                args[i] = Args.rewrite(a, o -> {
                    if (o instanceof Ref<?> ref) {
                        found.add(ref);
                        return new TaskRef(ref.key());
                    }
                    return Args.KEEP;
                });
                if (!found.isEmpty()) {
                    if (deps == null) deps = new Ref<?>[Math.max(args.length, found.size())];
                    for (Ref<?> r : found) {
                        if (ndeps == deps.length) deps = java.util.Arrays.copyOf(deps, ndeps * 2);
                        deps[ndeps++] = r;
                    }
                }
            }
        }
        String taskKey = key != null ? key : makeKey(args);
        Task task = Task.owning(taskKey, fn, args);
        return new Delayed<>(task, Delayed.distinct(deps, ndeps));
    }

    private String makeKey(Object[] args) {
        String prefix = name != null ? name : Functions.name(fn);
        if (pure) {
            Object[] parts = new Object[args.length + 2];
            parts[0] = prefix;
            parts[1] = fn;
            System.arraycopy(args, 0, parts, 2, args.length);
            String token = Tokens.deterministic(parts);
            if (token != null) return prefix + "-" + token;
        }
        return Tokens.uniqueKey(prefix);
    }
}
