package io.jdask.scheduler;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;

/*
 * Design note. The scheduler loop's inbox: many producers (Netty I/O threads, callers of close()), one
 * consumer (the loop thread). A ConcurrentLinkedQueue is a lock-free MPSC-capable queue from the JDK; we
 * only add parking so an idle loop costs nothing.
 *
 * No lost wake-up: the consumer announces `sleeping = true` and then re-checks the queue before parking;
 * a producer enqueues and then reads `sleeping`. Both are volatile accesses (the queue's link is a
 * volatile write), so at least one side sees the other's write: either the consumer finds the item, or
 * the producer sees `sleeping` and unparks. A spare unpark only makes the next park return at once,
 * which the consumer's loop tolerates.
 */
/** Multi-producer, single-consumer queue whose consumer parks while it is empty. */
final class Inbox<T> {
  private final ConcurrentLinkedQueue<T> queue = new ConcurrentLinkedQueue<>();
  /** True while the consumer is about to park or parked; written only by the consumer. */
  private volatile boolean sleeping;
  /** The consuming thread; set once before the first take. */
  private volatile Thread consumer;

  /** Called once by the consumer thread before it first polls. */
  void bindConsumer(Thread t) {
    consumer = t;
  }

  /** Adds an item; any thread, never blocks. */
  void offer(T item) {
    queue.offer(item);
    if (sleeping) {
      Thread c = consumer;
      if (c != null) {
        LockSupport.unpark(c);
      }
    }
  }

  /** The next item, or null if none; consumer only. */
  T poll() {
    return queue.poll();
  }

  /**
   * The next item, waiting up to {@code timeoutNanos}; null on timeout (or a spurious wake-up). Consumer
   * only.
   */
  T poll(long timeoutNanos) {
    T item = queue.poll();
    if (item != null || timeoutNanos <= 0) {
      return item;
    }
    sleeping = true;
    try {
      item = queue.poll();
      if (item == null) {
        LockSupport.parkNanos(this, timeoutNanos);
        item = queue.poll();
      }
    } finally {
      sleeping = false;
    }
    return item;
  }
}
