package io.jdask.client;

import java.util.List;

/**
 * The adaptive loop's decisions, as arithmetic (tested alone): the scheduler's target is held within [minimum,
 * maximum]; more workers are asked for at once, fewer only after {@link #WAIT_COUNT} consecutive looks said so
 * (Dask's {@code wait_count}), so a short lull between bursts does not stop workers that are needed again a second
 * later. Not thread-safe: one loop owns it.
 */
final class AdaptivePolicy {
    /** Consecutive looks that must want fewer workers before any is retired. */
    static final int WAIT_COUNT = io.jdask.Settings.current().get(io.jdask.Settings.ADAPTIVE_WAIT_COUNT);

    /** What to do after one look: scale up to {@code scaleTo} (-1: no), or retire {@code retire} (may be empty). */
    record Step(int scaleTo, List<String> retire) {
        static final Step NOTHING = new Step(-1, List.of());
    }

    private final int minimum;
    private final int maximum;
    private int downStreak;

    AdaptivePolicy(int minimum, int maximum) {
        if (minimum < 0 || maximum < minimum) {
            throw new IllegalArgumentException(
                    "adapt(minimum, maximum) needs 0 <= minimum <= maximum, got " + minimum + ", " + maximum);
        }
        this.minimum = minimum;
        this.maximum = maximum;
    }

    /**
     * One look: {@code current} workers now, the scheduler wants {@code target} and named {@code closable} idle
     * workers (fewest held bytes first).
     */
    Step decide(int current, int target, List<String> closable) {
        int desired = Math.max(minimum, Math.min(maximum, target));
        if (desired > current) {
            downStreak = 0;
            return new Step(desired, List.of());
        }
        if (desired == current) {
            downStreak = 0;
            return Step.NOTHING;
        }
        if (++downStreak < WAIT_COUNT) return Step.NOTHING;
        downStreak = 0;
        int n = Math.min(current - desired, closable.size());
        return n == 0 ? Step.NOTHING : new Step(-1, List.copyOf(closable.subList(0, n)));
    }
}
