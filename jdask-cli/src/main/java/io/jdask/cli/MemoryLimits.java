package io.jdask.cli;

import io.jdask.LocalCluster;

/** Parses memory sizes with the same rules as {@code LocalCluster.builder().memoryLimit("4GB")}. */
final class MemoryLimits {
    private MemoryLimits() {}

    static long parse(String text) {
        return LocalCluster.builder().memoryLimit(text).spec().memoryLimitBytes();
    }
}
