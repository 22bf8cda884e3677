package io.jdask.worker.state;

import static io.jdask.worker.state.WorkerTaskState.FETCH;
import static io.jdask.worker.state.WorkerTaskState.MISSING;

import io.jdask.worker.state.WorkerInstruction.GatherDep;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/*
 * Design note. Who holds what, and what to fetch from whom, after the data_needed / in_flight_workers
 * bookkeeping of Dask's worker_state_machine.py. Each task's whoHas and each peer's hasWhat mirror each
 * other; a FETCH task sits in the dataNeeded queue of every peer holding it, and leaves all of them when
 * it is chosen for a transfer. A peer is known while it holds a known key or has a transfer in flight.
 *
 * Transfers are planned once per event, after all recommendations are drained (ensureCommunicating), so
 * several keys wanted from one peer go into one GatherDep (Dask issue 6497 explains why planning earlier
 * hurts batching).
 */
/** The peers' indexes, and the planning of transfers from them. */
final class FetchPlanner {
    /** Sort key of a peer when planning transfers; see {@link #ensureCommunicating}. */
    private record Candidate(Peer peer, WorkerTask top, boolean remote, int count, double tieBreak) {}

    private final WorkerModel m;

    FetchPlanner(WorkerModel m) {
        this.m = m;
    }

    private static int compareCandidates(Candidate a, Candidate b) {
        int c = WorkerTask.ORDER.compare(a.top, b.top);
        if (c != 0) return c;
        c = Boolean.compare(a.remote, b.remote);
        if (c != 0) return c;
        c = Integer.compare(b.count, a.count);
        return c != 0 ? c : Double.compare(a.tieBreak, b.tieBreak);
    }

    /**
     * Makes each listed task's holders exactly the listed peers (minus this worker), keeping the peers' indexes in
     * step, and recommends FETCH -> MISSING or MISSING -> FETCH where the change calls for it.
     */
    void updateWhoHas(Map<String, List<String>> whoHas) {
        for (var entry : whoHas.entrySet()) {
            WorkerTask ts = m.tasks.get(entry.getKey());
            // A key may have been forgotten while the scheduler's answer was on its way.
            if (ts == null) continue;
            List<String> addresses = entry.getValue();
            if (!ts.whoHas.isEmpty()) {
                for (Peer p : new ArrayList<>(ts.whoHas)) {
                    if (!addresses.contains(p.address)) {
                        removeHolder(ts, p);
                        maybeDropPeer(p);
                    }
                }
            }
            for (String a : addresses) {
                if (a.equals(m.address)) continue;
                Peer p = m.peers.get(a);
                if (p == null) {
                    p = new Peer(a);
                    m.peers.put(a, p);
                }
                if (ts.addHolder(p)) {
                    p.hasWhat.add(ts);
                    if (ts.state == FETCH) p.dataNeeded.add(ts);
                }
            }
            Recommendation pending = m.scratch.recs.get(ts);
            if (ts.state == FETCH && ts.whoHas.isEmpty() && (pending == null || pending.to() == FETCH)) {
                m.recommend(ts, MISSING);
            } else if (ts.state == MISSING && !ts.whoHas.isEmpty() && pending == null) {
                m.recommend(ts, FETCH);
            }
        }
    }

    void removeHolder(WorkerTask ts, Peer p) {
        if (ts.whoHas.remove(p)) {
            p.hasWhat.remove(ts);
            if (ts.state == FETCH) p.dataNeeded.remove(ts);
        }
    }

    /** The peer is gone: nobody holds anything there any more. FETCH tasks left with no holder go MISSING. */
    void forgetPeer(Peer p) {
        for (WorkerTask ts : new ArrayList<>(p.hasWhat)) {
            removeHolder(ts, p);
            if (ts.state == FETCH && ts.whoHas.isEmpty()) m.recommend(ts, MISSING);
        }
        maybeDropPeer(p);
    }

    void maybeDropPeer(Peer p) {
        if (p.isUnused()) m.peers.remove(p.address);
    }

    /**
     * Forgets every holder of a task that starts over (see {@code WorkerTransitions.purge}): takes it off their
     * lists and, if it is FETCH, out of their queues; drops the peers left unused.
     */
    void dropHolders(WorkerTask ts) {
        if (ts.whoHas.isEmpty()) return;
        for (Peer p : ts.whoHas) {
            p.hasWhat.remove(ts);
            if (ts.state == FETCH) p.dataNeeded.remove(ts);
        }
        for (Peer p : ts.whoHas) maybeDropPeer(p);
        ts.clearHolders();
    }

    /** Queues a task that just became FETCH at every peer holding it. */
    void enqueue(WorkerTask ts) {
        for (Peer p : ts.whoHas) p.dataNeeded.add(ts);
    }

    /** Takes a FETCH task out of every peer's queue (before it leaves FETCH or changes its sort keys). */
    void dequeue(WorkerTask ts) {
        for (Peer p : ts.whoHas) p.dataNeeded.remove(ts);
    }

    /**
     * Common part of the three GatherDep outcomes: closes the transfer from {@code p} and marks its tasks done.
     * Returns null if there was no transfer from {@code p} (a stale or duplicate event).
     */
    List<WorkerTask> gatherDone(Peer p) {
        if (p == null || p.inFlight == null) return null;
        var flight = new ArrayList<>(p.inFlight);
        m.transferIncomingBytes -= p.inFlightBytes;
        m.inFlightPeerCount--;
        p.inFlight = null;
        p.inFlightBytes = 0;
        for (WorkerTask ts : flight) {
            ts.done = true;
            ts.comingFrom = null;
            m.inFlightTasks.remove(ts);
        }
        return flight;
    }

    /**
     * Plans transfers: FETCH tasks go into one GatherDep per peer, peers taken in order of (best task they hold,
     * same host first, most tasks wanted, seeded random), skipping peers already sending, until the count or byte
     * limits for incoming transfers are reached.
     */
    void ensureCommunicating() {
        if (m.fetchCount == 0 || throttled() || !m.running) return; // paused: fetching would bring more data in
        var heap = new PriorityQueue<Candidate>(FetchPlanner::compareCandidates);
        for (Peer p : m.peers.values()) {
            if (!p.dataNeeded.isEmpty() && p.inFlight == null) {
                heap.add(new Candidate(
                        p, p.dataNeeded.first(), !p.host.equals(m.host), p.dataNeeded.size(), m.rng.nextDouble()));
            }
        }
        while (!heap.isEmpty()) {
            Candidate c = heap.poll();
            Peer p = c.peer;
            if (p.dataNeeded.isEmpty()) continue;
            if (p.dataNeeded.size() != c.count) {
                // Tasks it holds were taken from another peer meanwhile: re-rank it.
                heap.add(new Candidate(p, p.dataNeeded.first(), c.remote, p.dataNeeded.size(), c.tieBreak));
                continue;
            }
            var chosen = new LinkedHashSet<WorkerTask>();
            long bytes = 0;
            while (!p.dataNeeded.isEmpty()) {
                WorkerTask ts = p.dataNeeded.first();
                if (exceedsTransferLimits(ts, bytes)) break;
                dequeue(ts);
                chosen.add(ts);
                bytes += m.sizeOf(ts);
            }
            if (chosen.isEmpty()) break;
            var keys = new LinkedHashSet<String>();
            var flight = new Recommendation.ToFlight(p);
            for (WorkerTask ts : chosen) {
                m.recommend(ts, flight);
                keys.add(ts.key);
            }
            p.inFlight = chosen;
            p.inFlightBytes = bytes;
            m.inFlightPeerCount++;
            m.transferIncomingBytes += bytes;
            m.emit(new GatherDep(p.address, keys, bytes, m.stimulusId()));
            if (throttled()) break;
        }
    }

    private boolean throttled() {
        return m.inFlightPeerCount >= m.transferIncomingCountLimit
                || m.transferIncomingBytes >= m.transferIncomingBytesLimit;
    }

    private boolean exceedsTransferLimits(WorkerTask ts, long messageBytes) {
        // With nothing else coming in, the best task is fetched whatever its size, so we progress.
        if (m.transferIncomingBytes == 0 && messageBytes == 0) return false;
        long allowance = m.transferIncomingBytesLimit - m.transferIncomingBytes;
        if (messageBytes != 0) allowance = Math.min(allowance, m.transferMessageBytesLimit) - messageBytes;
        return m.sizeOf(ts) > allowance;
    }
}
