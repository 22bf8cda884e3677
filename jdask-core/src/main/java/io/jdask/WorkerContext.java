package io.jdask;

/**
 * Where code runs on a cluster: the worker a task, a {@link Client#run run} function or a {@link WorkerPlugin}'s
 * {@code setup} is running on. Inside a task, {@link Dask#worker()} returns it; a plugin gets it in {@link
 * WorkerPlugin#setup}.
 *
 * {@snippet :
 * static String where(int part) {
 *     WorkerContext w = Dask.worker();
 *     System.out.println("part " + part + " runs on " + w.name() + " as " + w.taskKey());
 *     return w.address();
 * }
 * }
 */
public interface WorkerContext {
    /** Where peers and clients reach the worker, e.g. {@code tcp://10.0.0.5:40123}. */
    String address();

    /** The worker's name ({@code local-0} on a {@code LocalCluster}; its address unless it was given one). */
    String name();

    /** How many tasks the worker runs at once. */
    int nthreads();

    /** The key of the task running on this thread; null in a {@code client.run} function or a plugin's setup. */
    String taskKey();
}
