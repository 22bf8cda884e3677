package io.jdask.bench;

/**
 * Task functions of {@link StealBench}, run on the worker processes (which load this class from the bench jar).
 * Stateless.
 */
final class StealWorkloads {
    private StealWorkloads() {}

    /** The small value every task of a case takes as input. */
    static long small(long x) {
        return x;
    }

    /**
     * Sleeps {@code millis} (the input is only there to tie the task to the worker holding it) and returns the
     * worker's process id, so the caller can count the tasks per worker.
     */
    static long sleepThenPid(long input, long millis, long index) throws InterruptedException {
        Thread.sleep(millis);
        return ProcessHandle.current().pid();
    }

    /** An input of {@code n} bytes. */
    static byte[] bytes(int n) {
        return new byte[n];
    }

    /** Its input's length (a small result that says the input is there). */
    static long sizeOf(byte[] input) {
        return input.length;
    }

    /** As {@link #sleepThenPid}, on a byte array. */
    static long sleepOnBytes(byte[] input, long millis, long index) throws InterruptedException {
        Thread.sleep(millis);
        return ProcessHandle.current().pid();
    }
}
