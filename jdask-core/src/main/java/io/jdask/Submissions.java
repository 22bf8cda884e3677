package io.jdask;

import io.jdask.spi.ClientRuntime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;

/** Where the generated {@link TaskSubmitter} overloads land: the client implementation behind the interface. */
final class Submissions {
    private Submissions() {}

    static <R> Future<R> submit(TaskSubmitter client, Fn fn, Object[] args) {
        return runtime(client).submitCall(fn, args);
    }

    @SafeVarargs
    static <R> List<Future<R>> map(TaskSubmitter client, Fn fn, Collection<?>... columns) {
        int n = columns[0].size();
        for (int c = 1; c < columns.length; c++) {
            if (columns[c].size() != n) {
                throw new IllegalArgumentException("map: argument collections differ in size: " + n + " and "
                        + columns[c].size() + " (argument " + (c + 1) + ")");
            }
        }
        List<Iterator<?>> its = new ArrayList<>(columns.length);
        for (Collection<?> c : columns) its.add(c.iterator());
        List<Object[]> calls = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Object[] args = new Object[columns.length];
            for (int c = 0; c < columns.length; c++) args[c] = its.get(c).next();
            calls.add(args);
        }
        return runtime(client).mapCall(fn, calls);
    }

    /** {@link #map}, for collections of {@link Ref}s: each element must be one (null is refused, naming where). */
    @SafeVarargs
    static <R> List<Future<R>> mapRefs(TaskSubmitter client, Fn fn, Collection<? extends Ref<?>>... columns) {
        for (int c = 0; c < columns.length; c++) {
            int i = 0;
            for (Ref<?> r : columns[c]) {
                if (r == null) {
                    throw new IllegalArgumentException("mapRefs: element " + i + " of argument " + (c + 1)
                            + " is null; pass futures or delayed values (use map for plain values)");
                }
                i++;
            }
        }
        return map(client, fn, columns);
    }

    private static ClientRuntime runtime(TaskSubmitter client) {
        if (client instanceof ClientRuntime r) return r;
        throw new IllegalStateException(client.getClass().getName() + " is not a jdask client implementation");
    }
}
