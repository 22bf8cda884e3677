package io.jdask.protocol;

import java.util.List;

/**
 * Several messages in one frame: what a thread sent to one connection while its {@link SendBatch} held that
 * connection's flush. It exists on the wire only: the sending {@link Comm} builds it when the batch lets the
 * connection go, and the receiving one hands its messages to the handler one by one, in order, so no handler ever
 * sees a {@code Batch}.
 *
 * <p>Why: a frame costs more than the bytes of a small message (a direct buffer and an entry in the channel's
 * outbound buffer on the sender; a copy, a decode call and a Fory stream header on the receiver), and under a stream
 * of short tasks the scheduler and workers exchange thousands of small messages a second. Dask's {@code BatchedSend}
 * likewise sends lists of messages; unlike it, nothing waits for a batch to fill: it holds only what one loop turn
 * (or a hold the loop chose, see {@link SendBatch#close(java.util.function.Predicate)}) sent anyway.
 *
 * @param messages at least two, none a {@code Batch}
 */
public record Batch(List<Message> messages) implements Message {}
