package io.jdask.client;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Tasks with side effects visible across tasks of one JVM (in-JVM workers share these statics): fail once, record
 * that a task ran, meet another task.
 */
public final class Flaky {
    private Flaky() {}

    private static final Set<String> FAILED = ConcurrentHashMap.newKeySet();
    private static final Set<String> RECORDED = ConcurrentHashMap.newKeySet();
    private static final ConcurrentHashMap<String, CountDownLatch> MEETINGS = new ConcurrentHashMap<>();

    public static int failOnce(String id) {
        if (FAILED.add(id)) throw new IllegalStateException("first attempt of " + id + " fails");
        return 1;
    }

    public static int recordLater(String id) throws InterruptedException {
        Thread.sleep(300);
        RECORDED.add(id);
        return 1;
    }

    static boolean recorded(String id) {
        return RECORDED.contains(id);
    }

    public static boolean meet(String id, int parties) throws InterruptedException {
        CountDownLatch latch = MEETINGS.computeIfAbsent(id, k -> new CountDownLatch(parties));
        latch.countDown();
        return latch.await(15, TimeUnit.SECONDS);
    }
}
