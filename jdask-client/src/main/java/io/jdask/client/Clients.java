package io.jdask.client;

import io.jdask.ComputeOptions;
import io.jdask.Delayed;
import io.jdask.Future;
import io.jdask.TaskFailedException;
import io.jdask.spi.ClusterBackend;
import io.jdask.spi.ClusterBackendProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The clients open in this JVM. The newest one is the default: {@code delayed(...).compute()} runs on its cluster
 * (as Dask uses the most recently created client), through the {@link ClusterBackend} registered with
 * {@link java.util.ServiceLoader}.
 */
public final class Clients implements ClusterBackendProvider {
    private static final CopyOnWriteArrayList<ClientImpl> OPEN = new CopyOnWriteArrayList<>();

    static void opened(ClientImpl c) {
        OPEN.add(c);
    }

    static void closed(ClientImpl c) {
        OPEN.remove(c);
    }

    /** The newest open client, if any. */
    static Optional<ClientImpl> current() {
        for (int i = OPEN.size() - 1; i >= 0; i--) {
            ClientImpl c;
            try {
                c = OPEN.get(i);
            } catch (IndexOutOfBoundsException raced) {
                continue;
            }
            if (c.session().isOpen()) return Optional.of(c);
        }
        return Optional.empty();
    }

    @Override
    public Optional<ClusterBackend> active() {
        return current().map(Backend::new);
    }

    /** Runs {@code Delayed.compute()} and {@code persist()} on a client's cluster. */
    private record Backend(ClientImpl client) implements ClusterBackend {
        @Override
        public List<Object> compute(List<? extends Delayed<?>> outputs, ComputeOptions options) {
            ClientImpl c = options.retries() > 0 ? (ClientImpl) client.with(o -> o.retries(options.retries())) : client;
            List<Future<Object>> futures = c.compute(new ArrayList<Delayed<?>>(outputs)
                    .stream().map(d -> (Delayed<Object>) d).toList());
            try {
                List<Object> out = new ArrayList<>(futures.size());
                for (Future<Object> f : futures) {
                    try {
                        out.add(f.result());
                    } catch (TaskFailedException e) {
                        throw e;
                    } catch (RuntimeException e) {
                        if (e instanceof java.util.concurrent.CancellationException
                                || e instanceof io.jdask.DataLostException) {
                            throw e;
                        }
                        String blamed = f.key();
                        if (f instanceof FutureImpl<?> fi && fi.keyState().failure() != null) {
                            blamed = fi.keyState().failure().blamedKey();
                        }
                        throw new TaskFailedException(blamed, e, f.traceback());
                    }
                }
                return out;
            } finally {
                for (Future<Object> f : futures) f.release();
            }
        }

        @Override
        public List<Delayed<?>> persist(List<? extends Delayed<?>> outputs, ComputeOptions options) {
            return new ArrayList<>(client.persist(new ArrayList<Delayed<?>>(outputs)
                    .stream().map(d -> (Delayed<Object>) d).toList()));
        }
    }
}
