package io.jdask.worker;

import java.util.BitSet;

/*
 * Design note. The task executor is a cached pool (a seceded task keeps its thread while another takes its slot),
 * so pool thread numbers grow over a worker's life and say nothing about rows in a picture. The task stream wants
 * one row per concurrently busy thread instead: a task takes the lowest free slot number while its function runs
 * and gives it back afterwards, so with nthreads threads the slots are 0 .. nthreads-1 (more only while tasks
 * secede). Guarded by this object's monitor: two uncontended lock operations per task.
 */
/** Small integer labels for busy task threads, lowest free first. Thread-safe. */
final class ThreadSlots {
    /** Set bits are slots in use. Guarded by {@code this}. */
    private final BitSet used = new BitSet();

    /** Takes the lowest free slot. */
    synchronized int acquire() {
        int i = used.nextClearBit(0);
        used.set(i);
        return i;
    }

    /** Gives a slot back; a slot not taken is ignored. */
    synchronized void release(int slot) {
        if (slot >= 0) {
            used.clear(slot);
        }
    }

    synchronized int inUse() {
        return used.cardinality();
    }
}
