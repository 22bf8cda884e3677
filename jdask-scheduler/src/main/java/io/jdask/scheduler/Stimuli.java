package io.jdask.scheduler;

/**
 * Makes the stimulus ids of events the shell starts itself: {@code <what>-<sequence>}, e.g. {@code update-graph-17}.
 * Ids sent by workers are kept instead. Loop-confined.
 */
final class Stimuli {
    private long seq;

    String next(String kind) {
        return kind + "-" + (++seq);
    }

    /** The id the sender gave, or a new one of {@code kind}. */
    String orNext(String given, String kind) {
        return given != null ? given : next(kind);
    }
}
