package io.jdask.client;

import java.util.concurrent.CompletableFuture;

/*
 * Design note. Why a caller spins a little before it parks.
 *
 * A reply (a task's result, an actor call's answer) is completed on a Netty I/O thread. If the waiting caller is
 * parked, completing it costs an unpark: a futex wake-up, after which the kernel must schedule the caller again. On
 * this project's 2-core VMs that wake-up measured 10-20 us, a fifth of a whole submit/result round trip and a third of
 * an actor call. A caller that is still spinning when the reply lands sees it at once, with no system call on either
 * side.
 *
 * The spin is bounded (SPIN_NANOS) and only taken when the answer is likely to come soon: a result that is not there
 * within it is waited for by parking, as before, so a long task costs its waiter at most that much CPU. The bound is
 * a little above a loopback round trip, so that the common short call never parks.
 */
/** Bounded busy-waiting before a blocking wait; see the note above. */
final class SpinWait {
    /** How long a caller spins before it parks. Above one loopback round trip (about 40-120 us here). */
    static final long SPIN_NANOS =
            io.jdask.Settings.current().get(io.jdask.Settings.CLIENT_SPIN_WAIT).toNanos();

    private SpinWait() {}

    /** Spins until {@code f} is done or {@link #SPIN_NANOS} have passed; returns whether it is done. */
    static boolean briefly(CompletableFuture<?> f) {
        if (f.isDone()) return true;
        if (SPIN_NANOS <= 0) return false;
        long end = System.nanoTime() + SPIN_NANOS;
        do {
            Thread.onSpinWait();
            if (f.isDone()) return true;
        } while (System.nanoTime() - end < 0);
        return f.isDone();
    }
}
