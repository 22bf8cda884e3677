package io.jdask.client;

import io.jdask.Dask;
import io.jdask.Delayed;
import io.jdask.Fn;
import io.jdask.SubmitOptions;
import io.jdask.graph.Args;
import io.jdask.graph.Node;
import io.jdask.graph.Task;
import io.jdask.graph.TaskRef;
import io.jdask.protocol.ClientMsg;
import io.jdask.protocol.Serializer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Design note. A notebook's first compute ran the client's whole compute path cold: the classes of lazy graphs, keys
 * and tokens, of a submission and its run specs, and the serializer's code for a lambda, an argument array and a
 * task reference, generated on first use, then the same on the way back for the result. In a notebook the cell that
 * starts the cluster is not the one the user times, and it waits seconds for worker processes anyway: that is when
 * this runs, in a background thread of low priority, once per JVM, right after the first client connected.
 *
 * It stays below the task layer: it builds a small lazy graph of jdask's own functions, turns it into the task specs
 * of an update (Submission, Shipping), opens each run spec as a worker does and calls its function locally, and
 * serializes and reads back a result. Nothing is sent: no task reaches the scheduler, the task stream or a worker,
 * and a test that counts tasks sees none.
 *
 * Off by default: -Djdask.client.warmup=true turns it on. Measured with NotebookBench on the loaded 2-core machine
 * (2026-12-07, one run each way), it did not make the first compute faster (inc_add 8.0 s with it, 5.0 s without,
 * within that machine's noise), and on 2 cores its thread competes with the worker processes starting.
 */
/** Warms the client's compute path in the background after the first connection; see the note above. */
final class WarmUp {
    private static final Logger LOG = LoggerFactory.getLogger(WarmUp.class);

    /** The system property that turns the warm-up on when {@code true}. */
    static final String PROPERTY = "jdask.client.warmup";

    /** Whether a warm-up was started in this JVM (one is enough: what it warms is shared by every client). */
    private static final AtomicBoolean STARTED = new AtomicBoolean();

    private WarmUp() {}

    /** Starts the warm-up in a daemon thread if the property turns it on and none started before. */
    static void startOnce(Session session) {
        if (!"true".equalsIgnoreCase(System.getProperty(PROPERTY, "false"))) return;
        if (!STARTED.compareAndSet(false, true)) return;
        Thread t = new Thread(
                () -> {
                    long start = System.nanoTime();
                    try {
                        int value = run(session);
                        LOG.debug(
                                "client warm-up computed {} in {} ms", value, (System.nanoTime() - start) / 1_000_000);
                    } catch (RuntimeException | LinkageError e) {
                        // Only a missed speed-up: the user's first compute warms the same code.
                        LOG.debug("client warm-up failed: {}", e.toString());
                    }
                },
                "jdask-client-warm-up");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
    }

    /**
     * Runs seed 003's graph, {@code add(inc(1), inc(2))}, through the client's compute path without sending it: the
     * specs of an update, each run spec opened and its function called as a worker would, the result serialized and
     * read back. Returns the value of the graph (5).
     */
    static int run(Session session) {
        Serializer serializer = session.serializer;
        Delayed<Integer> x = Dask.delayed(WarmUp::inc).call(1);
        Delayed<Integer> y = Dask.delayed(WarmUp::inc).call(2);
        Delayed<Integer> z = Dask.delayed(WarmUp::add).call(x, y);
        Submission sub = new Submission(session, SubmitOptions.defaults());
        sub.addDelayed(z);
        List<ClientMsg.GraphTask> specs = sub.specs();
        new ClientMsg.UpdateGraph(specs, List.of(z.key())); // the message's classes, as a compute makes it
        ClassLoader loader = WarmUp.class.getClassLoader();
        Map<String, Object> values = new HashMap<>();
        for (ClientMsg.GraphTask spec : specs) {
            Object[] call = (Object[]) serializer.deserialize(spec.runSpec(), loader);
            Object[] args = ((Object[]) call[1]).clone();
            for (int i = 0; i < args.length; i++) {
                args[i] = Args.rewrite(args[i], o -> o instanceof TaskRef r ? values.get(r.key()) : Args.KEEP);
            }
            Object result;
            try {
                result = Task.call((Fn) call[0], args);
            } catch (Exception e) {
                throw new IllegalStateException("warm-up task " + spec.key() + " failed", e);
            }
            values.put(spec.key(), serializer.deserialize(serializer.serialize(result), loader));
        }
        for (Node n : z.graph().nodes().values()) {
            if (!values.containsKey(n.key()))
                throw new IllegalStateException("warm-up task " + n.key() + " did not run");
        }
        return (Integer) values.get(z.key());
    }

    private static int inc(int v) {
        return v + 1;
    }

    private static int add(int a, int b) {
        return a + b;
    }
}
