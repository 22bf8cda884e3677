package io.jdask.client;

import io.jdask.Client;
import io.jdask.Future;
import io.jdask.LocalCluster;
import io.jdask.Security;
import io.jdask.SubmitOptions;
import io.jdask.protocol.ClientMsg;
import io.jdask.protocol.CredentialsMaker;
import io.jdask.spi.DaskRuntime;
import java.time.Duration;
import java.util.List;

/** jdask's runtime, found by {@link java.util.ServiceLoader} through the public API's static factories. */
public final class RuntimeImpl implements DaskRuntime {

    /** Connects a client to a scheduler and registers it as the default for {@code Delayed.compute()}. */
    static ClientImpl open(String address, Security security, Duration timeout) {
        return opened(Session.connect(address, security, timeout));
    }

    /** A client over a connected session, registered as the default for {@code Delayed.compute()}. */
    private static ClientImpl opened(Session session) {
        ClientImpl c = new ClientImpl(session, SubmitOptions.defaults(), false);
        Clients.opened(c);
        return c;
    }

    @Override
    public Client connect(String address, Duration timeout) {
        Security security = null;
        if (address.startsWith("tls://")) {
            security = Security.fromEnvironment()
                    .orElseThrow(() -> new IllegalArgumentException("the scheduler at " + address + " uses TLS:"
                            + " connect with the cluster's credentials, Client.connect(address,"
                            + " Security.load(path)), or set " + Security.ENVIRONMENT_VARIABLE + "=FILE"));
        }
        return open(address, security, timeout);
    }

    @Override
    public Client connect(String address, Security security, Duration timeout) {
        return open(address, security, timeout);
    }

    @Override
    public Security temporarySecurity() {
        CredentialsMaker.Pem pem = CredentialsMaker.newCluster(Duration.ofDays(7));
        return Security.of(pem.caCertificate(), pem.certificate(), pem.privateKey(), "temporary");
    }

    @Override
    public LocalCluster startLocalCluster(LocalCluster.Spec spec) {
        return LocalClusterImpl.start(spec);
    }

    /**
     * Whether a {@link LocalCluster}'s client talks to its scheduler, which runs in this JVM, without a socket
     * ({@code SchedulerServer.connectLocal}). On by default; {@code -Djdask.client.direct=false} makes it use TCP
     * loopback like any other client (for comparisons and as a way out).
     */
    static boolean directToLocalScheduler() {
        return io.jdask.Settings.current().get(io.jdask.Settings.CLIENT_DIRECT);
    }

    @Override
    public Client connect(LocalCluster cluster) {
        Duration timeout = Duration.ofSeconds(30);
        if (cluster instanceof LocalClusterImpl local && directToLocalScheduler()) {
            return opened(Session.connectLocal(
                    local::connectLocal,
                    local.schedulerAddress(),
                    cluster.spec().security(),
                    timeout));
        }
        return open(cluster.schedulerAddress(), cluster.spec().security(), timeout);
    }

    @Override
    public void adapt(io.jdask.Cluster cluster, int minimum, int maximum) {
        Adaptive.start(cluster, minimum, maximum);
    }

    @Override
    public void endAdapt(io.jdask.Cluster cluster) {
        Adaptive.end(cluster);
    }

    /** A client of {@code cluster} for jdask's own use (the adaptive loop): not the default of this JVM. */
    static ClientImpl privateClient(io.jdask.Cluster cluster) {
        Duration timeout = Duration.ofSeconds(30);
        Session session;
        if (cluster instanceof LocalClusterImpl local && directToLocalScheduler()) {
            session = Session.connectLocal(
                    local::connectLocal, local.schedulerAddress(), local.spec().security(), timeout);
        } else {
            session = Session.connect(cluster.schedulerAddress(), cluster.security(), timeout);
        }
        return new ClientImpl(session, SubmitOptions.defaults(), false);
    }

    @Override
    public Client taskClient() {
        return TaskClients.current();
    }

    @Override
    public void secede() {
        TaskClients.secede();
    }

    @Override
    public void rejoin() {
        TaskClients.rejoin();
    }

    @Override
    public void fireAndForget(Future<?> future) {
        if (!(future instanceof FutureImpl<?> f)) {
            throw new IllegalArgumentException(future + " is not a future of a jdask client");
        }
        f.session().send(new ClientMsg.FireAndForget(List.of(f.key())));
    }
}
