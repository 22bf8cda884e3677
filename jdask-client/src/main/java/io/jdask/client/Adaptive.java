package io.jdask.client;

import io.jdask.Cluster;
import io.jdask.protocol.SchedulerMsg;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The adaptive loop of one cluster ({@code cluster.adapt(min, max)}), as Dask's {@code Adaptive}: a daemon thread that
 * every {@code jdask.adaptive.interval} (1 s) asks the scheduler how many workers the known work calls for to finish within
 * {@code jdask.adaptive.target-duration} (5 s) ({@code SchedulerState.adaptiveTarget}) and, through {@link AdaptivePolicy}, scales the
 * cluster up or retires the idle workers the scheduler named (their data moves first). It talks to the scheduler
 * through a client of its own, not registered as the default. {@code scale(n)} and {@code close()} of the cluster end
 * it ({@link #end}); a new {@code adapt} replaces it.
 */
final class Adaptive {
    private static final Logger LOG = LoggerFactory.getLogger(Adaptive.class);

    /** The running loops, by cluster (identity). Guarded by itself. */
    private static final Map<Cluster, Adaptive> RUNNING = new IdentityHashMap<>();

    private final Cluster cluster;
    private final AdaptivePolicy policy;
    private final Duration interval;
    private final Duration targetDuration;
    private final Thread thread;
    private volatile boolean stopped;

    private Adaptive(Cluster cluster, int minimum, int maximum, Duration interval, Duration targetDuration) {
        this.cluster = cluster;
        this.policy = new AdaptivePolicy(minimum, maximum);
        this.interval = interval;
        this.targetDuration = targetDuration;
        this.thread = new Thread(this::run, "jdask-adaptive");
        this.thread.setDaemon(true);
    }

    /** Starts (or restarts with new bounds) the loop of {@code cluster}. */
    static void start(Cluster cluster, int minimum, int maximum) {
        io.jdask.Settings settings = io.jdask.Settings.current();
        start(
                cluster,
                minimum,
                maximum,
                settings.get(io.jdask.Settings.ADAPTIVE_INTERVAL),
                settings.get(io.jdask.Settings.ADAPTIVE_TARGET_DURATION));
    }

    /** As {@link #start(Cluster, int, int)} with another interval and target duration (tests). */
    static void start(Cluster cluster, int minimum, int maximum, Duration interval, Duration targetDuration) {
        // checks the bounds before anything stops
        Adaptive a = new Adaptive(cluster, minimum, maximum, interval, targetDuration);
        end(cluster);
        synchronized (RUNNING) {
            RUNNING.put(cluster, a);
        }
        a.thread.start();
    }

    /** Ends the loop of {@code cluster}, if any, and waits for it; a no-op on the loop's own thread (its scaling). */
    static void end(Cluster cluster) {
        Adaptive a;
        synchronized (RUNNING) {
            a = RUNNING.get(cluster);
            if (a == null || Thread.currentThread() == a.thread) return;
            RUNNING.remove(cluster);
        }
        a.stopped = true;
        a.thread.interrupt();
        try {
            a.thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        try (ClientImpl client = RuntimeImpl.privateClient(cluster)) {
            while (!stopped) {
                try {
                    step(client);
                } catch (RuntimeException e) {
                    if (stopped || Thread.currentThread().isInterrupted()) break;
                    LOG.warn("adaptive scaling: {}; trying again in {} ms", e.getMessage(), interval.toMillis());
                }
                Thread.sleep(interval.toMillis());
            }
        } catch (InterruptedException e) {
            // ended
        } catch (RuntimeException e) {
            if (!stopped) LOG.error("adaptive scaling stopped: {}", e.toString());
        } finally {
            synchronized (RUNNING) {
                RUNNING.remove(cluster, this);
            }
        }
    }

    private void step(ClientImpl client) {
        SchedulerMsg.AdaptiveTargetReply t = client.adaptiveTarget(targetDuration);
        int current = cluster.workerAddresses().size();
        AdaptivePolicy.Step step = policy.decide(current, t.workers(), t.toClose());
        if (stopped) return;
        if (step.scaleTo() >= 0) {
            LOG.info("adaptive scaling: {} -> {} workers", current, step.scaleTo());
            if (cluster instanceof LocalClusterImpl local) local.resize(step.scaleTo());
            else cluster.scale(step.scaleTo());
        } else if (!step.retire().isEmpty()) {
            LOG.info("adaptive scaling: retiring idle workers {}", step.retire());
            if (cluster instanceof LocalClusterImpl local) local.retireAddresses(step.retire());
            else client.retireWorkers(step.retire());
        }
    }
}
