package io.jdask.worker;

import io.jdask.protocol.Comm;
import io.jdask.protocol.CommClosedException;
import io.jdask.protocol.DataMsg;
import io.jdask.protocol.Serialized;
import io.jdask.protocol.Serializer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a worker's values to peers and clients ({@code GetData}). A request is answered right on the I/O thread
 * that read it when every value's bytes are ready, else on a serving thread: serializing a computed value may take
 * long, and an I/O thread must not. Reads only the concurrent {@link DataStore}; never touches the worker's state.
 */
final class DataServer {
    private static final Logger LOG = LoggerFactory.getLogger(DataServer.class);

    private final DataStore store;
    private final Serializer serializer;
    private final Executor serving;
    /** The worker's name, for logs (known once the worker has registered). */
    private final Supplier<String> name;

    DataServer(DataStore store, Serializer serializer, Executor serving, Supplier<String> name) {
        this.store = store;
        this.serializer = serializer;
        this.serving = serving;
        this.name = name;
    }

    /** Answers a GetData: the values held here, and the keys that are not. I/O thread. */
    void getData(Comm comm, DataMsg.GetData g) {
        Map<String, StoredValue> found = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        boolean ready = true;
        for (String key : g.keys()) {
            StoredValue v = store.get(key);
            if (v == null) {
                missing.add(key);
            } else {
                found.put(key, v);
                ready &= v.bytesIfReady() != null;
            }
        }
        if (ready) {
            reply(comm, g.requestId(), found, missing);
        } else {
            try {
                serving.execute(() -> reply(comm, g.requestId(), found, missing));
            } catch (RejectedExecutionException ignored) {
                // closing
            }
        }
    }

    private void reply(Comm comm, long requestId, Map<String, StoredValue> found, List<String> missing) {
        Map<String, Serialized> values = new LinkedHashMap<>();
        for (var e : found.entrySet()) {
            try {
                values.put(e.getKey(), e.getValue().bytes(serializer));
            } catch (RuntimeException ex) {
                LOG.warn(
                        "worker {}: cannot serialize {} for {}: {}",
                        name.get(),
                        e.getKey(),
                        comm.remoteAddress(),
                        ex.toString());
                missing.add(e.getKey());
            }
        }
        try {
            comm.send(new DataMsg.DataReply(requestId, values, missing));
        } catch (CommClosedException e) {
            LOG.debug("requester {} left before its reply", comm.remoteAddress());
        }
    }
}
