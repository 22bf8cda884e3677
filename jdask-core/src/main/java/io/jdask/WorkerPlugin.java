package io.jdask;

import java.io.Serializable;

/**
 * Code to run once on every worker of a cluster, also on workers that join later: warm a cache, load a native
 * library, open a connection pool. Register it with {@link Client#register}; the plugin object travels to each worker
 * like a task's function (so it and what it holds must be serializable), {@link #setup} runs there once, and {@link
 * #teardown} when the worker closes. Dask's {@code WorkerPlugin}.
 *
 * {@snippet :
 * record WarmCache(String table) implements WorkerPlugin {
 *     public void setup(WorkerContext worker) { Cache.load(table); }
 *     public void teardown() { Cache.clear(); }
 * }
 * client.register(new WarmCache("parts"));
 * }
 *
 * <p>Registering a plugin of the same {@link #name()} again replaces it: the worker tears the old one down first. A
 * setup that throws fails {@code register} naming the worker; the worker goes on without the plugin, which stays
 * registered (as in Dask: workers joining later try it again) until one of the same name replaces it. On a worker that
 * joins later, the plugin's classes must still be reachable: from the worker's class path, an uploaded jar, or the
 * registering client while it is connected.
 */
public interface WorkerPlugin extends Serializable {
    /** Runs once on each worker, before the worker runs tasks submitted after the registration. */
    void setup(WorkerContext worker) throws Exception;

    /** Runs when the worker closes (or the plugin is replaced); does nothing unless overridden. */
    default void teardown() throws Exception {}

    /** The name the plugin is registered under; a plugin of the same name replaces it. Its class name by default. */
    default String name() {
        return getClass().getName();
    }
}
