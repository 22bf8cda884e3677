package io.jdask.scheduler;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Design note. A worker process that dies closes its connection and wakes its nanny at about the same moment; which
 * the scheduler hears of first is chance. To put the nanny's account on the KilledWorker errors the death causes, a
 * closed worker connection may wait up to the grace (SchedulerServerConfig.workerExitGrace) before the worker is
 * removed: the account, when it comes, removes it at once; an account that comes first is kept (by pid) for the close.
 * With no grace (the default) a close removes the worker at once, as before. Loop-confined.
 */
/** Matches worker connections that closed with their nanny's account of why, then removes the workers. */
final class WorkerExits implements LoopTimer {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerExits.class);
    /** Accounts kept for closes still to come, at most; the oldest goes first. */
    static final int MAX_EARLY_ACCOUNTS = 256;

    /** Removes a worker: its connection, why it went, and the nanny's account (empty if none). */
    interface Remover {
        void remove(Connection c, String why, String cause);
    }

    private final long graceNanos;
    private final Remover remover;
    /** Closed connections waiting for an account, with their deadlines, oldest first. */
    private final LinkedHashMap<Connection, Long> waiting = new LinkedHashMap<>();
    /** Why each connection closed, for the log. */
    private final Map<Connection, String> why = new LinkedHashMap<>();
    /** Accounts that came before their worker's close, by pid, oldest first. */
    private final LinkedHashMap<Long, String> early = new LinkedHashMap<>();

    WorkerExits(long graceNanos, Remover remover) {
        this.graceNanos = graceNanos;
        this.remover = remover;
    }

    /** A worker's connection closed: remove it now, or wait for its account. */
    void closed(Connection c, String reason, long now) {
        String cause = c.pid > 0 ? early.remove(c.pid) : null;
        if (cause != null || graceNanos <= 0 || c.pid <= 0) {
            remover.remove(c, reason, cause == null ? "" : cause);
            return;
        }
        waiting.put(c, now + graceNanos);
        why.put(c, reason);
    }

    /** A nanny says why the process {@code pid} ended. */
    void exited(long pid, String cause, long now) {
        for (Iterator<Connection> it = waiting.keySet().iterator(); it.hasNext(); ) {
            Connection c = it.next();
            if (c.pid == pid) {
                it.remove();
                remover.remove(c, why.remove(c), cause);
                return;
            }
        }
        if (graceNanos <= 0) {
            LOG.warn("worker process {} died: {}", pid, cause);
            return;
        }
        early.put(pid, cause);
        if (early.size() > MAX_EARLY_ACCOUNTS) {
            Iterator<Long> oldest = early.keySet().iterator();
            oldest.next();
            oldest.remove();
        }
    }

    @Override
    public long nextDeadline() {
        return waiting.isEmpty() ? Long.MAX_VALUE : waiting.values().iterator().next();
    }

    @Override
    public void expire(long nowNanos) {
        for (Iterator<Map.Entry<Connection, Long>> it = waiting.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Connection, Long> e = it.next();
            if (e.getValue() - nowNanos > 0) break;
            it.remove();
            remover.remove(e.getKey(), why.remove(e.getKey()), "");
        }
    }
}
