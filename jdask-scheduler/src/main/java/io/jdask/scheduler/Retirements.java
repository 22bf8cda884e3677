package io.jdask.scheduler;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Requests to retire workers ({@code client.retireWorkers}, a cluster's scale-down) waiting for their end: each is
 * answered once all its workers have left, with the reason as soon as the state stops one of them
 * ({@code RetirementFailed}), or with an error at its deadline. The answer is a {@code Consumer} of an error message,
 * null for success. Loop-confined.
 */
final class Retirements implements LoopTimer {
    /** How long a retirement may take (its data copied, its running tasks finished) before its caller hears so. */
    static final Duration TIMEOUT = Duration.ofMinutes(5);

    private record Open(Set<String> waitingFor, Consumer<String> answer, long deadlineNanos) {}

    private final ArrayList<Open> open = new ArrayList<>();

    /** Waits for {@code workers} to leave; {@code answer} gets null then, or why not. */
    void start(Collection<String> workers, Consumer<String> answer, long nowNanos) {
        var r = new Open(new LinkedHashSet<>(workers), answer, nowNanos + TIMEOUT.toNanos());
        if (r.waitingFor.isEmpty()) {
            answer.accept(null);
        } else {
            open.add(r);
        }
    }

    /** A worker left: answers the requests that waited only for it. */
    void workerGone(String worker) {
        for (Iterator<Open> it = open.iterator(); it.hasNext(); ) {
            Open r = it.next();
            if (r.waitingFor.remove(worker) && r.waitingFor.isEmpty()) {
                it.remove();
                r.answer.accept(null);
            }
        }
    }

    /** The state stopped the retirement of {@code worker}: every request that includes it fails with the reason. */
    void failed(String worker, String reason) {
        for (Iterator<Open> it = open.iterator(); it.hasNext(); ) {
            Open r = it.next();
            if (r.waitingFor.contains(worker)) {
                it.remove();
                r.answer.accept("worker " + worker + " cannot be retired: " + reason);
            }
        }
    }

    @Override
    public long nextDeadline() {
        long d = Long.MAX_VALUE;
        for (Open r : open) {
            d = d == Long.MAX_VALUE || r.deadlineNanos - d < 0 ? r.deadlineNanos : d;
        }
        return d;
    }

    @Override
    public void expire(long nowNanos) {
        for (Iterator<Open> it = open.iterator(); it.hasNext(); ) {
            Open r = it.next();
            if (nowNanos - r.deadlineNanos >= 0) {
                it.remove();
                r.answer.accept("workers " + r.waitingFor + " did not finish retiring within " + TIMEOUT
                        + " (their data is still being copied or their tasks still run); they keep retiring");
            }
        }
    }

    /** The scheduler stops: every open request fails. */
    void finishAll(String why) {
        for (Open r : open) r.answer.accept(why);
        open.clear();
    }
}
