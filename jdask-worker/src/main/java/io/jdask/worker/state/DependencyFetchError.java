package io.jdask.worker.state;

/**
 * The error recorded on a task that could not run because fetching one of its dependencies failed
 * for a reason other than the network (see {@link WorkerEvent.GatherDepFailure}); sent to the
 * scheduler in {@link WorkerInstruction.TaskErredMsg}.
 *
 * @param dependency the key that failed to arrive
 * @param peer the peer it was fetched from
 * @param cause the error the shell reported
 */
public record DependencyFetchError(String dependency, String peer, Object cause) {}
