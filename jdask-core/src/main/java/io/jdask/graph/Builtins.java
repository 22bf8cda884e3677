package io.jdask.graph;

import java.util.Arrays;
import java.util.Collections;

/**
 * jdask's own task functions. An enum, so that they serialize by name and compare by identity on every process.
 */
public enum Builtins implements VarFn {
    /** Collects its arguments into an unmodifiable list: the task behind {@code Dask.all(refs)}. */
    LIST {
        @Override
        public Object applyAll(Object[] args) {
            return Collections.unmodifiableList(Arrays.asList(args));
        }
    },
    /** Returns its one argument: {@code delayed(value)} of a value holding references. */
    IDENTITY {
        @Override
        public Object applyAll(Object[] args) {
            return args[0];
        }
    },
    /**
     * Waits for its one argument, an {@link io.jdask.Future}, and returns the result: how a graph run by a local
     * scheduler uses a future computed on a cluster. A cluster never runs it: it uses the future's key.
     */
    AWAIT {
        @Override
        public Object applyAll(Object[] args) {
            return ((io.jdask.Future<?>) args[0]).result();
        }
    };

    /** The name used in keys and pictures. */
    public String functionName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
