package io.jdask.cli.netns;

import io.jdask.deploy.SshCluster;
import java.nio.file.Path;

/**
 * A client JVM for {@link SshClusterTest}'s kill test: starts an {@link SshCluster} of just a scheduler on the host
 * given, prints {@code ready}, and waits to be killed.
 *
 * <p>Arguments: host, identity file, known_hosts file, remote directory.
 */
public final class SshClusterChild {
    private SshClusterChild() {}

    public static void main(String[] args) throws InterruptedException {
        SshCluster cluster = SshCluster.builder()
                .hosts(args[0])
                .user("root")
                .identityFile(Path.of(args[1]))
                .knownHostsFile(Path.of(args[2]))
                .remoteDirectory(args[3])
                .nworkers(0)
                .javaOptions("-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")
                .build();
        System.out.println("ready " + cluster.schedulerAddress());
        Thread.currentThread().join(); // until killed: what happens then is the test's subject
    }
}
