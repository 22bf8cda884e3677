package io.jdask.cli;

import io.jdask.worker.WorkerMain;
import io.jdask.worker.WorkerNanny;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
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

    CliNanny(String scheduler, int nworkers, IntFunction<List<String>> arguments, List<String> javaOptions) {
        this.scheduler = scheduler;
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

    private static void stopAll(List<WorkerNanny> nannies) {
        for (WorkerNanny n : nannies) n.stop(false);
        for (WorkerNanny n : nannies) n.stop(true);
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
        cmd.add(ProcessHandle.current()
                .info()
                .command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
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
