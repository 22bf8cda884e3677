package io.jdask.graph;

import io.jdask.Fn;
import io.jdask.Fn0;
import io.jdask.Fn1;
import io.jdask.Fn2;
import io.jdask.Fn3;
import io.jdask.Fn4;
import io.jdask.Fn5;
import io.jdask.Fn6;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A function call in a graph: {@code fn} applied to {@code args}, where any argument may be or contain a
 * {@link TaskRef}.
 *
 * <p>The dependencies are derived from the arguments once, at construction (the arguments are copied and never
 * change), and cached with whether each argument needs substitution, so an executor can resolve the arguments of
 * a task without searching them again.
 */
public final class Task implements Node {
    private final String key;
    private final Fn fn;
    private final Object[] args;
    /** The distinct keys referenced by {@link #args}, in order of first appearance. */
    private final List<String> dependencies;
    /** Per argument: 0 a plain value, 1 a TaskRef, 2 a container holding TaskRefs somewhere inside; null: all 0. */
    private final byte[] argKinds;

    public Task(String key, Fn fn, Object... args) {
        this(key, fn, args.clone(), true);
    }

    /**
     * A task that takes ownership of {@code args} without copying it: for graph builders that made the array for
     * this task alone and never touch it again (building a graph makes millions of tasks a second).
     */
    public static Task owning(String key, Fn fn, Object[] args) {
        return new Task(key, fn, args, true);
    }

    private Task(String key, Fn fn, Object[] args, boolean owned) {
        this.key = Objects.requireNonNull(key, "key");
        this.fn = Objects.requireNonNull(fn, "fn");
        this.args = args;
        int arity = arity(fn);
        if (arity >= 0 && arity != args.length) {
            throw new IllegalArgumentException("task " + key + ": " + Functions.name(fn) + " takes " + arity
                    + " argument(s) but was given " + args.length);
        }
        String[] found = null;
        int nfound = 0;
        byte[] kinds = null;
        List<String> nested = null;
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a instanceof TaskRef ref) {
                if (kinds == null) kinds = new byte[args.length];
                kinds[i] = 1;
                if (found == null) found = new String[args.length];
                found[nfound++] = ref.key();
            } else if (a != null && Args.isContainer(a)) {
                if (nested == null) nested = new java.util.ArrayList<>();
                if (Args.collectRefs(a, nested)) {
                    if (kinds == null) kinds = new byte[args.length];
                    kinds[i] = 2;
                }
            }
        }
        if (nested != null && !nested.isEmpty()) {
            String[] all = new String[nfound + nested.size()];
            if (found != null) System.arraycopy(found, 0, all, 0, nfound);
            for (String k : nested) all[nfound++] = k;
            found = all;
        }
        this.dependencies = distinct(found, nfound);
        this.argKinds = kinds;
    }

    /** The first {@code n} keys of {@code keys} without repeats, in order, as an unmodifiable list. */
    private static List<String> distinct(String[] keys, int n) {
        if (n == 0) return List.of();
        if (n <= 8) {
            int m = 0;
            outer:
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < m; j++) if (keys[j].equals(keys[i])) continue outer;
                keys[m++] = keys[i];
            }
            return java.util.Collections.unmodifiableList(java.util.Arrays.asList(java.util.Arrays.copyOf(keys, m)));
        }
        var seen = new java.util.HashSet<String>(n * 2);
        int m = 0;
        for (int i = 0; i < n; i++) if (seen.add(keys[i])) keys[m++] = keys[i];
        return java.util.Collections.unmodifiableList(
                java.util.Arrays.asList(m == keys.length ? keys : java.util.Arrays.copyOf(keys, m)));
    }

    @Override
    public String key() {
        return key;
    }

    public Fn fn() {
        return fn;
    }

    /** A copy of the arguments, with {@link TaskRef}s where other keys' values go. */
    public Object[] args() {
        return args.clone();
    }

    /** The number of arguments. */
    public int argCount() {
        return args.length;
    }

    /** The argument at {@code i}, as stored (a copy is not made). */
    public Object arg(int i) {
        return args[i];
    }

    @Override
    public List<String> dependencies() {
        return dependencies;
    }

    /** Whether argument {@code i} is a bare {@link TaskRef}. */
    public boolean isRef(int i) {
        return argKinds != null && argKinds[i] == 1;
    }

    /** Whether argument {@code i} is a list, set, map or array with a {@link TaskRef} somewhere inside. */
    public boolean isNestedRef(int i) {
        return argKinds != null && argKinds[i] == 2;
    }

    /** The function's display name, as in the key: {@code inc} for {@code Tutorial::inc}. */
    public String functionName() {
        return Functions.name(fn);
    }

    /**
     * Calls the function with already-resolved arguments.
     *
     * @throws Exception whatever the function throws
     */
    public Object invoke(Object[] resolved) throws Exception {
        return call(fn, resolved);
    }

    /** Calls any jdask function with the given arguments; the count must match its arity. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static Object call(Fn fn, Object[] a) throws Exception {
        return switch (fn) {
            case Fn1 f -> f.apply(a[0]);
            case Fn2 f -> f.apply(a[0], a[1]);
            case Fn0 f -> f.apply();
            case Fn3 f -> f.apply(a[0], a[1], a[2]);
            case VarFn f -> f.applyAll(a);
            case Fn4 f -> f.apply(a[0], a[1], a[2], a[3]);
            case Fn5 f -> f.apply(a[0], a[1], a[2], a[3], a[4]);
            case Fn6 f -> f.apply(a[0], a[1], a[2], a[3], a[4], a[5]);
            default ->
                throw new IllegalArgumentException(
                        fn.getClass().getName() + " implements Fn but none of Fn0..Fn6: implement one of those");
        };
    }

    /** The number of arguments {@code fn} takes, or -1 for any number. */
    public static int arity(Fn fn) {
        return switch (fn) {
            case Fn0<?> f -> 0;
            case Fn1<?, ?> f -> 1;
            case Fn2<?, ?, ?> f -> 2;
            case Fn3<?, ?, ?, ?> f -> 3;
            case Fn4<?, ?, ?, ?, ?> f -> 4;
            case Fn5<?, ?, ?, ?, ?, ?> f -> 5;
            case Fn6<?, ?, ?, ?, ?, ?, ?> f -> 6;
            case VarFn f -> -1;
            default ->
                throw new IllegalArgumentException(
                        fn.getClass().getName() + " implements Fn but none of Fn0..Fn6: implement one of those");
        };
    }

    @Override
    public String toString() {
        return key + " = " + functionName() + Arrays.toString(args);
    }
}
