package io.jdask.scheduler.state;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/*
 * Design note. A fixed-capacity ring buffer of Transition records: appending is O(1) and never grows
 * memory past the cap, the oldest entries fall off first. Filtering (story) is a linear scan, which is
 * fine because it is a debugging tool, not part of the hot path. Single-threaded like the state.
 */
/** The bounded transition log behind {@link SchedulerState#story}. */
final class StoryLog {
    private final Transition[] ring;
    /** Index the next entry goes to. */
    private int next;
    /** Number of valid entries, at most ring.length. */
    private int size;

    StoryLog(int capacity) {
        this.ring = new Transition[capacity];
    }

    void add(Transition t) {
        if (ring.length == 0) {
            return;
        }
        ring[next] = t;
        next = next + 1 == ring.length ? 0 : next + 1;
        if (size < ring.length) {
            size++;
        }
    }

    int size() {
        return size;
    }

    /** Entries mentioning any of the keys (as subject or in recommendations), oldest first. */
    List<Transition> filter(Set<String> keys) {
        var out = new ArrayList<Transition>();
        int start = size < ring.length ? 0 : next;
        for (int i = 0; i < size; i++) {
            Transition t = ring[(start + i) % ring.length];
            if (keys.contains(t.key()) || mentions(t, keys)) {
                out.add(t);
            }
        }
        return out;
    }

    /** The last {@code n} entries, oldest first. */
    List<Transition> last(int n) {
        int k = Math.min(n, size);
        var out = new ArrayList<Transition>(k);
        for (int i = size - k; i < size; i++) {
            int start = size < ring.length ? 0 : next;
            out.add(ring[(start + i) % ring.length]);
        }
        return out;
    }

    private static boolean mentions(Transition t, Set<String> keys) {
        if (t.recommendations().isEmpty()) {
            return false;
        }
        for (String k : t.recommendations().keySet()) {
            if (keys.contains(k)) {
                return true;
            }
        }
        return false;
    }
}
