package io.jdask.worker;

import io.jdask.Fn1;
import io.jdask.graph.Task;
import io.jdask.protocol.Batch;
import io.jdask.protocol.CodecWarmup;
import io.jdask.protocol.DataMsg;
import io.jdask.protocol.Message;
import io.jdask.protocol.SchedulerMsg;
import io.jdask.protocol.Serialized;
import io.jdask.protocol.Serializer;
import io.jdask.protocol.WorkerMsg;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a worker's task path on synthetic inputs while the worker has nothing else to do, so that the JIT has
 * compiled it before the first real tasks arrive (issue 17: a fresh worker's first task used to cost 0.5-0.9 s and
 * its first thousand ran interpreted). One round is what a task costs the worker, less the sockets and the state
 * machine: a {@code ComputeTask} batch through the message codec, its run spec decoded ({@link FnDecoder}), the
 * function called ({@link Task#call}), the result serialized, a {@code TaskFinished} batch through the codec, and a
 * {@code GetData}/{@code DataReply} pair through it as the data server sees them.
 *
 * <p>Nothing leaves the process and nothing touches the worker's state, store or threads: the warm-up is invisible
 * to the scheduler. It stops after {@code rounds}, or as soon as {@code stop} says so (the worker got real work or is
 * closing), so it takes CPU only from an idle worker. A round that computes a wrong value ends the warm-up (it would
 * be a bug in the path it exercises) and is logged.
 *
 * <p>Every round trips messages through the codec in both directions, so a scheduler's JVM warms the same way:
 * LocalCluster runs it in the user's JVM while the worker processes start ({@link #startThread}).
 */
public final class IdleWarmup implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(IdleWarmup.class);

    private final Serializer serializer;
    private final FnDecoder decoder;
    private final int rounds;
    private final BooleanSupplier stop;
    private volatile int done;
    /** Completes with the number of rounds run when the warm-up ends, however it ends. */
    private final CompletableFuture<Integer> finished = new CompletableFuture<>();

    IdleWarmup(Serializer serializer, FnDecoder decoder, int rounds, BooleanSupplier stop) {
        if (rounds < 0) throw new IllegalArgumentException("rounds must be >= 0, got " + rounds);
        this.serializer = serializer;
        this.decoder = decoder;
        this.rounds = rounds;
        this.stop = stop;
    }

    /**
     * Runs a warm-up of at most {@code rounds} on a new daemon thread named {@code threadName}, with the shared
     * {@link Serializer}.
     *
     * @param stop polled before every round; true ends the warm-up
     * @return completes with the number of rounds run, once the warm-up has ended
     */
    public static CompletableFuture<Integer> startThread(String threadName, int rounds, BooleanSupplier stop) {
        Serializer serializer = Serializer.shared();
        IdleWarmup warmup = new IdleWarmup(serializer, new FnDecoder(serializer), rounds, stop);
        Thread t = new Thread(warmup, threadName);
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
        return warmup.finished().copy();
    }

    /** The function of the synthetic tasks: a method reference, as users' task functions usually are. */
    static long next(long x) {
        return x + 1;
    }

    /** Completes with the number of rounds that ran once the warm-up has ended (it never completes exceptionally). */
    CompletableFuture<Integer> finished() {
        return finished;
    }

    @Override
    public void run() {
        long t0 = System.nanoTime();
        ClassLoader loader = IdleWarmup.class.getClassLoader();
        try {
            for (int i = 0; i < rounds && !stop.getAsBoolean(); i++) {
                round(i, loader);
                done = i + 1;
            }
            LOG.debug("idle warm-up: {} rounds in {} ms", done, (System.nanoTime() - t0) / 1_000_000);
        } catch (Exception | StackOverflowError e) {
            LOG.warn("idle warm-up stopped after {} rounds: {}", done, e.toString());
        } finally {
            finished.complete(done);
        }
    }

    /** One synthetic task, start to finish; throws if anything comes back wrong. */
    void round(long i, ClassLoader loader) throws Exception {
        String key = "warmup-" + i;
        Fn1<Long, Long> fn = IdleWarmup::next;
        byte[] spec = serializer.serialize(new Object[] {fn, new Object[] {i}});
        Message compute = CodecWarmup.roundTrip(new Batch(List.of(new SchedulerMsg.ComputeTask(
                key, i, spec, "warmup", new long[] {0, i}, Map.of(), Map.of(), Map.of(), "warmup-" + i))));
        SchedulerMsg.ComputeTask received =
                (SchedulerMsg.ComputeTask) ((Batch) compute).messages().get(0);
        FnDecoder.Call call = decoder.call(received.runSpec(), loader, key);
        Object result = Task.call(call.fn(), call.args());
        if (!(result instanceof Long v) || v != i + 1) {
            throw new IllegalStateException("warm-up task " + key + " computed " + result + ", not " + (i + 1));
        }
        Serialized bytes = serializer.serializeValue(result);
        CodecWarmup.roundTrip(new Batch(List.of(new WorkerMsg.TaskFinished(
                key, i, bytes.nbytes(), Long.class.getName(), i, i + 1, 0, bytes.toBytes(), key))));
        CodecWarmup.roundTrip(new DataMsg.GetData(i, List.of(key)));
        DataMsg.DataReply reply =
                (DataMsg.DataReply) CodecWarmup.roundTrip(new DataMsg.DataReply(i, Map.of(key, bytes), List.of()));
        Object back = serializer.deserialize(reply.values().get(key), loader);
        if (!result.equals(back)) {
            throw new IllegalStateException("warm-up value " + result + " came back as " + back);
        }
    }
}
