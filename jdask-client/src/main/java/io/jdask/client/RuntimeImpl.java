package io.jdask.client;

import io.jdask.Client;
import io.jdask.Future;
import io.jdask.LocalCluster;
import io.jdask.SubmitOptions;
import io.jdask.protocol.ClientMsg;
import io.jdask.spi.DaskRuntime;
import java.time.Duration;
import java.util.List;

/** jdask's runtime, found by {@link java.util.ServiceLoader} through the public API's static factories. */
public final class RuntimeImpl implements DaskRuntime {

    /** Connects a client to a scheduler and registers it as the default for {@code Delayed.compute()}. */
    static ClientImpl open(String address, Duration timeout) {
        ClientImpl c = new ClientImpl(Session.connect(address, timeout), SubmitOptions.defaults(), false);
        Clients.opened(c);
        return c;
    }

    @Override
    public Client connect(String address, Duration timeout) {
        return open(address, timeout);
    }

    @Override
    public LocalCluster startLocalCluster(LocalCluster.Spec spec) {
        return LocalClusterImpl.start(spec);
    }

    @Override
    public Client connect(LocalCluster cluster) {
        return open(cluster.schedulerAddress(), Duration.ofSeconds(30));
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
