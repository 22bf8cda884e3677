package io.jdask.protocol;

import java.util.concurrent.atomic.AtomicInteger;

/** The Comm contract over {@code inproc://}. */
final class InprocCommTest extends CommContractTest {
    private static final AtomicInteger NAMES = new AtomicInteger();

    @Override
    Transport newTransport(CommOptions options) {
        return Transport.inproc(options);
    }

    @Override
    String anyListenAddress() {
        return "inproc://";
    }

    @Override
    String addressWithoutListener() {
        return "inproc://nobody-" + NAMES.incrementAndGet();
    }
}
