package io.jdask.scheduler.state;

import static io.jdask.scheduler.state.SchedulerTaskState.FORGOTTEN;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;

/*
 * Design note. What edges and event handlers leave for the transition loop: the pending recommendations
 * and two hints for the refill that follows them. Edges and handlers write here; TransitionLoop reads and
 * clears. Kept apart from both so that the edges (SchedulerTransitions) and the loop that runs them
 * (TransitionLoop) do not point at each other.
 *
 * Recommendations go to a FIFO queue of tasks with the wanted target stored on the task
 * (SchedulerTask.pendingRec): recommending again only overwrites the target, like updating a dict, so
 * recommending allocates nothing. Everything here is empty again when TransitionLoop.settle() returns.
 */
/** The pending recommendations of the current event, and where freed capacity may let waiting tasks run. */
final class Recommendations {

    /** Tasks with a pending recommendation, FIFO; entries whose pendingRec is null are stale. */
    private final ArrayDeque<SchedulerTask> queue = new ArrayDeque<>();

    /** Recommendations made by the running edge, as (key, state) pairs, for its story entry; unused without a story. */
    private final ArrayList<Object> byRunningEdge = new ArrayList<>();

    private final boolean logging;

    /** A processing slot may have freed up since the last refill (task left a worker, worker joined...). */
    boolean slotsMaybeOpened;

    /** Workers on which resources were freed or which joined: NO_WORKER tasks may now fit there. */
    final LinkedHashSet<WorkerInfo> reexamine = new LinkedHashSet<>();

    Recommendations(boolean logging) {
        this.logging = logging;
    }

    /** Asks the loop to move {@code ts} to {@code to} once the running edge or handler is done. Never MEMORY. */
    void recommend(SchedulerTask ts, SchedulerTaskState to) {
        if (to == SchedulerTaskState.MEMORY) {
            throw new IllegalArgumentException(ts.key + ": a recommendation of MEMORY needs to say where the result"
                    + " is; only an event handler can, with TransitionLoop.transition");
        }
        if (ts.pendingRec == null) {
            queue.addLast(ts);
        } else if (ts.pendingRec == FORGOTTEN) {
            // Final within a drain: it is recommended only for tasks nobody wants and nothing depends on (or
            // that cannot be computed any more), and no recommendation can add a want or a dependent.
            return;
        }
        ts.pendingRec = to;
        if (logging) {
            byRunningEdge.add(ts.key);
            byRunningEdge.add(to);
        }
    }

    /** The next task with a recommendation queued, or null; its pendingRec may have been taken meanwhile. */
    SchedulerTask poll() {
        return queue.pollFirst();
    }

    /** Starts collecting what the next edge recommends, for its story entry. */
    void beginEdge() {
        if (logging) {
            byRunningEdge.clear();
        }
    }

    /** What the edge since {@link #beginEdge} recommended, by key, in order. */
    Map<String, SchedulerTaskState> ofEdge() {
        ArrayList<Object> pairs = byRunningEdge;
        if (pairs.isEmpty()) {
            return Map.of();
        }
        if (pairs.size() == 2) {
            return Map.of((String) pairs.get(0), (SchedulerTaskState) pairs.get(1));
        }
        var map = new LinkedHashMap<String, SchedulerTaskState>();
        for (int i = 0; i < pairs.size(); i += 2) {
            map.put((String) pairs.get(i), (SchedulerTaskState) pairs.get(i + 1));
        }
        return Collections.unmodifiableMap(map);
    }
}
