package io.jdask.scheduler;

import io.jdask.protocol.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A clock that moves only when a test says so; thread-safe. */
final class ManualClock implements Clock {
    private static final long EPOCH_NANOS = 1_800_000_000_000_000_000L;

    private final AtomicLong nanos = new AtomicLong();

    void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    @Override
    public long nanoTime() {
        return nanos.get();
    }

    @Override
    public long wallNanos() {
        return EPOCH_NANOS + nanos.get();
    }
}
