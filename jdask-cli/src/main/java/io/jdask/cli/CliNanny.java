package io.jdask.cli;

import io.jdask.Security;
import io.jdask.client.NannyReports;
import io.jdask.worker.WorkerMain;
import io.jdask.worker.WorkerNanny;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.IntFunction;

/**
 * {@code jdask worker ... --nworkers N}: this process is the nanny of N worker processes ({@link WorkerNanny} each, the
 * class LocalCluster's workers have too). A worker that dies is started again (so {@code client.restart()}, which asks
 * every worker to close, gets them all back); a retired one stays stopped; one that lost its scheduler is restarted
 * only while the scheduler still accepts connections. This process ends when every worker has stopped for good, and
 * when it is told to end (SIGTERM, Ctrl-C) it stops its workers first, so none is left behind.
 */
final class CliNanny {
    private final String scheduler;
    private final int nworkers;
    private final IntFunction<List<String>> arguments;
    private final List<String> javaOptions;
    /** The cluster's credentials, or null without TLS. */
    private final Path security;
    /** The line to the scheduler for the accounts of deaths; opened at the first one. Guarded by this. */
    private NannyReports reports;

    CliNanny(
            String scheduler,
            int nworkers,
            IntFunction<List<String>> arguments,
            List<String> javaOptions,
            Path security) {
        this.scheduler = scheduler;
        this.security = security;
        this.nworkers = nworkers;
        this.arguments = arguments;
        this.javaOptions = javaOptions;
    }

    int run() throws InterruptedException {
        CountDownLatch allStopped = new CountDownLatch(nworkers);
        List<WorkerNanny> nannies = new ArrayList<>();
        for (int i = 0; i < nworkers; i++) {
            int index = i;
            WorkerNanny n = new WorkerNanny(
                            "worker-" + i,
                            () -> new WorkerNanny.Started(spawn(arguments.apply(index)), () -> {}),
                            (pid, exit, asked, restarting) -> {
                                if (!asked) report(pid, exit.describe());
                                if (!asked && !restarting) {
                                    System.err.println("jdask worker: worker " + index + " (pid " + pid + ") stopped"
                                            + " for good after " + exit.describe());
                                }
                                if (!restarting) allStopped.countDown();
                            },
                            System.err)
                    .restartAfterSchedulerLossIf(this::schedulerReachable);
            nannies.add(n);
        }
        Thread hook = new Thread(() -> stopAll(nannies), "jdask-nanny-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            for (WorkerNanny n : nannies) n.start();
        } catch (RuntimeException e) {
            System.err.println("jdask worker: " + e.getMessage());
            stopAll(nannies);
            return 1;
        }
        allStopped.await();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs
        }
        return 0;
    }

    private void stopAll(List<WorkerNanny> nannies) {
        for (WorkerNanny n : nannies) n.stop(false);
        for (WorkerNanny n : nannies) n.stop(true);
        synchronized (this) {
            if (reports != null) reports.close();
            reports = null;
        }
    }

    /**
     * Tells the scheduler why a worker process died (it logs it, and with a worker-exit grace puts it on the
     * KilledWorker errors of the tasks that died with it). Best effort: a scheduler that cannot be reached is noted.
     */
    private synchronized void report(long pid, String cause) {
        try {
            if (reports == null) {
                reports = NannyReports.connect(
                        scheduler, security == null ? null : Security.load(security), Duration.ofSeconds(5));
            }
            reports.workerExited(pid, cause);
        } catch (RuntimeException e) {
            System.err.println("jdask worker: could not tell the scheduler why worker process " + pid + " died ("
                    + cause + "): " + e.getMessage());
            if (reports != null) reports.close();
            reports = null;
        }
    }

    /** Whether the scheduler's port still accepts a TCP connection (for TLS too: only the socket is tried). */
    private boolean schedulerReachable() {
        try {
            URI uri = URI.create(scheduler);
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 2000);
                return true;
            }
        } catch (IOException | IllegalArgumentException e) {
            return false;
        }
    }

    private Process spawn(List<String> workerArguments) {
        List<String> cmd = new ArrayList<>();
        cmd.add(WorkerNanny.javaCommand());
        cmd.addAll(javaOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(WorkerMain.class.getName());
        cmd.addAll(workerArguments);
        try {
            return new ProcessBuilder(cmd)
                    .redirectOutput(ProcessBuilder.Redirect.INHERIT)
                    .redirectError(ProcessBuilder.Redirect.PIPE) // passed on by the nanny's ErrorTail
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start a worker process (" + cmd.get(0) + "): " + e.getMessage(), e);
        }
    }
}
