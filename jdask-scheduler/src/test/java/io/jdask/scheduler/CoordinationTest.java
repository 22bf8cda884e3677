package io.jdask.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdask.protocol.CoordOp;
import io.jdask.protocol.CoordOutcome;
import io.jdask.protocol.SchedulerMsg;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The scheduler's coordination extension driven directly: no sockets, no threads, time passed in. */
class CoordinationTest {
    private static final long MS = 1_000_000L;
    private final Coordination co = new Coordination();

    private static SchedulerMsg.CoordReply reply(List<Coordination.Effect> out, String client, long requestId) {
        for (Coordination.Effect e : out) {
            if (e instanceof Coordination.Reply r
                    && r.clientId().equals(client)
                    && r.msg() instanceof SchedulerMsg.CoordReply cr
                    && cr.requestId() == requestId) {
                return cr;
            }
        }
        return null;
    }

    @Test
    void queueIsFifoAndAParkedGetterReceivesTheNextPut() {
        co.handle("a", 1, new CoordOp.QueuePut("q", new byte[] {1}, null), 0);
        co.handle("a", 2, new CoordOp.QueuePut("q", new byte[] {2}, null), 0);
        assertThat(reply(co.handle("b", 3, new CoordOp.QueueSize("q"), 0), "b", 3)
                        .number())
                .isEqualTo(2);
        assertThat(reply(co.handle("b", 4, new CoordOp.QueueGet("q", -1), 0), "b", 4)
                        .value())
                .containsExactly(1);
        assertThat(reply(co.handle("b", 5, new CoordOp.QueueGet("q", -1), 0), "b", 5)
                        .value())
                .containsExactly(2);
        assertThat(co.handle("b", 6, new CoordOp.QueueGet("q", -1), 0)).isEmpty(); // parked
        var out = co.handle("a", 7, new CoordOp.QueuePut("q", new byte[] {3}, null), 0);
        assertThat(reply(out, "b", 6).value()).containsExactly(3);
        assertThat(reply(out, "a", 7).outcome()).isEqualTo(CoordOutcome.OK);
        assertThat(co.parkedCount()).isZero();
    }

    @Test
    void aReturnedItemGoesBackToTheHeadOrToAWaitingGetter() {
        co.handle("a", 1, new CoordOp.QueuePut("q", new byte[] {1}, null), 0);
        co.handle("a", 2, new CoordOp.QueuePut("q", new byte[] {2}, null), 0);
        byte[] taken = reply(co.handle("b", 3, new CoordOp.QueueGet("q", -1), 0), "b", 3)
                .value();
        // b's get was interrupted as the item arrived: b's client gives it back.
        assertThat(reply(co.handle("b", 4, new CoordOp.QueueReturn("q", taken, null), 0), "b", 4)
                        .outcome())
                .isEqualTo(CoordOutcome.OK);
        assertThat(reply(co.handle("c", 5, new CoordOp.QueueGet("q", -1), 0), "c", 5)
                        .value())
                .as("back at the head, before 2")
                .containsExactly(1);
        assertThat(reply(co.handle("c", 6, new CoordOp.QueueGet("q", -1), 0), "c", 6)
                        .value())
                .containsExactly(2);
        assertThat(co.handle("c", 7, new CoordOp.QueueGet("q", -1), 0)).isEmpty(); // parked on an empty queue
        var out = co.handle("b", 8, new CoordOp.QueueReturn("q", new byte[] {7}, null), 0);
        assertThat(reply(out, "c", 7).value())
                .as("a waiting getter gets it at once")
                .containsExactly(7);
        assertThat(co.parkedCount()).isZero();
    }

    @Test
    void aWaitTimesOutAtItsDeadlineNamingThePrimitive() {
        assertThat(co.handle("a", 1, new CoordOp.QueueGet("jobs", 100), 5 * MS)).isEmpty();
        assertThat(co.nextDeadline()).isEqualTo(105 * MS);
        assertThat(co.expire(104 * MS)).isEmpty();
        SchedulerMsg.CoordReply r = reply(co.expire(105 * MS), "a", 1);
        assertThat(r.outcome()).isEqualTo(CoordOutcome.TIMEOUT);
        assertThat(r.error()).contains("queue 'jobs'");
        assertThat(co.nextDeadline()).isEqualTo(Long.MAX_VALUE);
        // A value put later is not lost to the timed-out getter.
        co.handle("a", 2, new CoordOp.QueuePut("jobs", new byte[] {9}, null), 200 * MS);
        assertThat(reply(co.handle("a", 3, new CoordOp.QueueSize("jobs"), 0), "a", 3)
                        .number())
                .isOne();
    }

    @Test
    void aCancelledWaitIsNeverAnswered() {
        co.handle("a", 1, new CoordOp.EventWait("e", 1000), 0);
        co.cancelWait("a", 1);
        assertThat(co.handle("b", 2, new CoordOp.EventSet("e"), 0))
                .extracting(e -> ((Coordination.Reply) e).clientId())
                .containsExactly("b");
        assertThat(co.expire(2000 * MS)).isEmpty();
    }

    @Test
    void lockIsHandedToTheNextWaiterOnReleaseAndWhenItsHolderLeaves() {
        assertThat(reply(co.handle("a", 1, new CoordOp.LockAcquire("L", "a1", -1), 0), "a", 1)
                        .number())
                .isOne();
        assertThat(co.handle("b", 2, new CoordOp.LockAcquire("L", "b1", -1), 0)).isEmpty();
        assertThat(co.handle("c", 3, new CoordOp.LockAcquire("L", "c1", -1), 0)).isEmpty();
        // Only the holder may release.
        assertThat(reply(co.handle("b", 4, new CoordOp.LockRelease("L", "b1"), 0), "b", 4)
                        .outcome())
                .isEqualTo(CoordOutcome.FAILED);
        assertThat(reply(co.handle("a", 5, new CoordOp.LockRelease("L", "a1"), 0), "b", 2)
                        .outcome())
                .isEqualTo(CoordOutcome.OK);
        // b's connection dies while holding it: c gets it.
        assertThat(reply(co.clientGone("b"), "c", 3).outcome()).isEqualTo(CoordOutcome.OK);
        assertThat(reply(co.handle("a", 6, new CoordOp.LockState("L"), 0), "a", 6)
                        .number())
                .isOne();
    }

    @Test
    void semaphoreLeasesOfADeadClientGoToWaiters() {
        co.handle("a", 1, new CoordOp.SemAcquire("S", 2, "a1", -1), 0);
        co.handle("a", 2, new CoordOp.SemAcquire("S", 2, "a2", -1), 0);
        assertThat(co.handle("b", 3, new CoordOp.SemAcquire("S", 2, "b1", -1), 0))
                .isEmpty();
        assertThat(co.handle("c", 4, new CoordOp.SemAcquire("S", 2, "c1", -1), 0))
                .isEmpty();
        var out = co.clientGone("a");
        assertThat(reply(out, "b", 3).outcome()).isEqualTo(CoordOutcome.OK);
        assertThat(reply(out, "c", 4).outcome()).isEqualTo(CoordOutcome.OK);
        assertThat(reply(co.handle("d", 5, new CoordOp.SemState("S", 2), 0), "d", 5)
                        .number())
                .isEqualTo(2);
        assertThat(reply(co.handle("d", 6, new CoordOp.SemState("S", 3), 0), "d", 6)
                        .error())
                .contains("has 2 leases");
    }

    @Test
    void aStoredFutureIsWantedWhileStoredAndTheGetterWantsItBeforeItIsLetGo() {
        var put = co.handle("a", 1, new CoordOp.QueuePut("q", null, "k1"), 0);
        assertThat(put).contains(new Coordination.Want(Coordination.COORDINATION, "k1"));
        var get = co.handle("b", 2, new CoordOp.QueueGet("q", -1), 0);
        int want = get.indexOf(new Coordination.Want("b", "k1"));
        int unwant = get.indexOf(new Coordination.Unwant(Coordination.COORDINATION, "k1"));
        assertThat(want).isNotNegative().isLessThan(unwant);
        assertThat(reply(get, "b", 2).futureKey()).isEqualTo("k1");
        // A variable keeps its future until replaced.
        co.handle("a", 3, new CoordOp.VarSet("v", null, "k2"), 0);
        assertThat(co.handle("b", 4, new CoordOp.VarGet("v", -1), 0)).contains(new Coordination.Want("b", "k2"));
        assertThat(co.heldKeys()).containsEntry("k2", 1);
        assertThat(co.handle("a", 5, new CoordOp.VarSet("v", new byte[] {1}, null), 0))
                .contains(new Coordination.Unwant(Coordination.COORDINATION, "k2"));
        assertThat(co.heldKeys()).isEmpty();
    }

    @Test
    void eventWakesEveryWaiterAndStaysSetUntilCleared() {
        co.handle("a", 1, new CoordOp.EventWait("e", -1), 0);
        co.handle("b", 2, new CoordOp.EventWait("e", -1), 0);
        var out = co.handle("c", 3, new CoordOp.EventSet("e"), 0);
        assertThat(reply(out, "a", 1).number()).isOne();
        assertThat(reply(out, "b", 2).number()).isOne();
        assertThat(reply(co.handle("a", 4, new CoordOp.EventWait("e", 0), 0), "a", 4)
                        .outcome())
                .isEqualTo(CoordOutcome.OK);
        co.handle("a", 5, new CoordOp.EventClear("e"), 0);
        assertThat(reply(co.handle("a", 6, new CoordOp.EventWait("e", 0), 0), "a", 6)
                        .outcome())
                .isEqualTo(CoordOutcome.TIMEOUT);
    }

    @Test
    void publishReachesEverySubscriberInOrderUntilItLeaves() {
        co.handle("a", 1, new CoordOp.Subscribe("t", "s1"), 0);
        co.handle("b", 2, new CoordOp.Subscribe("t", "s2"), 0);
        var out = co.handle("p", 3, new CoordOp.Publish("t", new byte[] {7}), 0);
        assertThat(out)
                .filteredOn(e -> ((Coordination.Reply) e).msg() instanceof SchedulerMsg.TopicMessage)
                .extracting(e -> ((Coordination.Reply) e).clientId())
                .containsExactly("a", "b");
        co.clientGone("a");
        assertThat(reply(co.handle("p", 4, new CoordOp.Publish("t", new byte[] {8}), 0), "p", 4)
                        .number())
                .isOne();
    }

    /**
     * Random acquires, releases, timeouts, cancellations and client deaths on one semaphore: never more grants than
     * leases, and every grant answers a request that was made and not answered before.
     */
    @Test
    void semaphoreNeverGrantsMoreThanItsLeasesUnderRandomOperations() {
        for (long seed = 1; seed <= 200; seed++) {
            var c = new Coordination();
            var rnd = new Random(seed);
            int max = 1 + rnd.nextInt(3);
            Map<String, String> held = new HashMap<>(); // lease -> client
            Map<Long, String[]> waiting = new HashMap<>(); // request -> {client, lease}
            Set<String> dead = new HashSet<>();
            long now = 0;
            long req = 0;
            for (int step = 0; step < 300; step++) {
                String client = "c" + rnd.nextInt(5);
                List<Coordination.Effect> out;
                int op = rnd.nextInt(10);
                now += rnd.nextInt(5) * MS;
                if (op < 5) {
                    String lease = "l" + (++req);
                    waiting.put(req, new String[] {client, lease});
                    out = c.handle(
                            client,
                            req,
                            new CoordOp.SemAcquire("S", max, lease, rnd.nextInt(3) == 0 ? -1 : rnd.nextInt(20)),
                            now);
                } else if (op < 7 && !held.isEmpty()) {
                    String lease = new ArrayList<>(held.keySet()).get(rnd.nextInt(held.size()));
                    String owner = held.remove(lease);
                    out = c.handle(owner, ++req, new CoordOp.SemRelease("S", lease), now);
                } else if (op < 8) {
                    held.values().removeIf(client::equals);
                    waiting.values().removeIf(w -> w[0].equals(client));
                    out = c.clientGone(client);
                } else if (op < 9 && !waiting.isEmpty()) {
                    long r = new ArrayList<>(waiting.keySet()).get(rnd.nextInt(waiting.size()));
                    String[] w = waiting.remove(r);
                    out = c.cancelWait(w[0], r);
                } else {
                    out = c.expire(now);
                }
                for (Coordination.Effect e : out) {
                    if (e instanceof Coordination.Reply r
                            && r.msg() instanceof SchedulerMsg.CoordReply cr
                            && waiting.containsKey(cr.requestId())) {
                        String[] w = waiting.remove(cr.requestId());
                        assertThat(w[0])
                                .as("seed %d: answer to the asker", seed)
                                .isEqualTo(r.clientId());
                        if (cr.outcome() == CoordOutcome.OK) held.put(w[1], w[0]);
                    }
                }
                assertThat(held.size())
                        .as("seed %d step %d: leases granted", seed, step)
                        .isLessThanOrEqualTo(max);
            }
            assertThat(dead).isEmpty();
        }
    }
}
