package io.jdask.worker;

import io.jdask.protocol.Batch;
import io.jdask.protocol.ClientMsg;
import io.jdask.protocol.Comm;
import io.jdask.protocol.CommClosedException;
import io.jdask.protocol.CommHandler;
import io.jdask.protocol.DataMsg;
import io.jdask.protocol.Message;
import io.jdask.protocol.Ping;
import io.jdask.protocol.Pong;
import io.jdask.protocol.SchedulerMsg;
import io.jdask.protocol.Serialized;
import io.jdask.protocol.Serializer;
import io.jdask.protocol.WorkerMsg;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The handler of the connections peers and clients open to a worker's listening address: values out ({@code
 * GetData}), scattered values in ({@code PutData}, handed to the loop, which stores them and tells the state) and
 * actor calls ({@link ActorHost}).
 *
 * <p>A GetData is answered right on the I/O thread that read it when every value's bytes are ready, else on a serving
 * thread: serializing a computed value may take long, and an I/O thread must not. Reads only the concurrent {@link
 * DataStore}; never touches the worker's state.
 */
final class DataServer implements CommHandler {
    private static final Logger LOG = LoggerFactory.getLogger(DataServer.class);

    private final DataStore store;
    private final Serializer serializer;
    private final Executor serving;
    private final ActorHost actors;
    /** Takes a scatter to the loop. */
    private final BiConsumer<Comm, DataMsg.PutData> scatters;
    /** The worker's name, for logs (known once the worker has registered). */
    private final Supplier<String> name;

    DataServer(
            DataStore store,
            Serializer serializer,
            Executor serving,
            ActorHost actors,
            BiConsumer<Comm, DataMsg.PutData> scatters,
            Supplier<String> name) {
        this.store = store;
        this.serializer = serializer;
        this.serving = serving;
        this.actors = actors;
        this.scatters = scatters;
        this.name = name;
    }

    @Override
    public void onMessage(Comm c, Message message) {
        switch (message) {
            case DataMsg d -> onDataMessage(c, d);
            case Ping p -> Misplaced.answer(c, p);
            case Pong p -> Misplaced.ignore(name.get(), c, p, "this worker sends no Ping");
            case Batch b -> Misplaced.ignore(name.get(), c, b, "connections unpack batches");
            case SchedulerMsg m -> Misplaced.ignore(name.get(), c, m, "scheduler messages come on its own connection");
            case WorkerMsg m -> Misplaced.ignore(name.get(), c, m, "worker messages are for the scheduler");
            case ClientMsg m -> Misplaced.ignore(name.get(), c, m, "client messages are for the scheduler");
        }
    }

    private void onDataMessage(Comm c, DataMsg message) {
        switch (message) {
            case DataMsg.GetData g -> getData(c, g);
            case DataMsg.PutData p -> scatters.accept(c, p);
            case DataMsg.ActorCall a -> actors.call(c, a);
            case DataMsg.DataReply r -> Misplaced.ignore(name.get(), c, r, "a reply, but this worker asked nothing");
            case DataMsg.PutDataAck a -> Misplaced.ignore(name.get(), c, a, "a reply, but this worker asked nothing");
            case DataMsg.ActorReply r -> Misplaced.ignore(name.get(), c, r, "a reply, but this worker asked nothing");
        }
    }

    /** Answers a GetData: the values held here, and the keys that are not. I/O thread. */
    private void getData(Comm comm, DataMsg.GetData g) {
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
