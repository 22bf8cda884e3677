package io.jdask.client;

import io.jdask.LocalCluster;

/** Placeholder until the scheduler and worker servers are merged; replaced in the next commit. */
final class LocalClusterImpl {
    private LocalClusterImpl() {}

    static LocalCluster start(LocalCluster.Spec spec) {
        throw new UnsupportedOperationException("LocalCluster is being wired to the scheduler and worker servers");
    }
}
