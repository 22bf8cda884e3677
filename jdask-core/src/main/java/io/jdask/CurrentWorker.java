package io.jdask;

/** The {@link WorkerContext} that {@link Dask#worker()} returns: a snapshot of the worker and the running task. */
record CurrentWorker(String address, String name, int nthreads, String taskKey) implements WorkerContext {}
