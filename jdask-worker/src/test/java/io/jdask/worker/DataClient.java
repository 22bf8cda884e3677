package io.jdask.worker;

import io.jdask.protocol.Comm;
import io.jdask.protocol.CommHandler;
import io.jdask.protocol.CommOptions;
import io.jdask.protocol.DataMsg;
import io.jdask.protocol.Message;
import io.jdask.protocol.Transport;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** A client's side of the data plane in tests: GetData and PutData against one worker. */
final class DataClient implements AutoCloseable {
    private final Transport transport;
    private final Comm comm;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, CompletableFuture<Message>> pending = new ConcurrentHashMap<>();

    DataClient(String worker) {
        transport = Transport.tcp(CommOptions.builder()
                .role("client")
                .name("test-client")
                .ioThreads(1)
                .build());
        comm = transport.connect(worker, Duration.ofSeconds(10)).join();
        comm.setHandler(new CommHandler() {
            @Override
            public void onMessage(Comm c, Message m) {
                long id = switch (m) {
                    case DataMsg.DataReply r -> r.requestId();
                    case DataMsg.PutDataAck a -> a.requestId();
                    default -> -1;
                };
                CompletableFuture<Message> f = pending.remove(id);
                if (f != null) {
                    f.complete(m);
                }
            }
        });
    }

    DataMsg.DataReply get(String... keys) {
        long id = ids.incrementAndGet();
        return (DataMsg.DataReply) request(id, new DataMsg.GetData(id, List.of(keys)));
    }

    DataMsg.PutDataAck put(Map<String, io.jdask.protocol.Serialized> values) {
        long id = ids.incrementAndGet();
        return (DataMsg.PutDataAck) request(id, new DataMsg.PutData(id, values));
    }

    private Message request(long id, Message m) {
        CompletableFuture<Message> f = new CompletableFuture<>();
        pending.put(id, f);
        comm.send(m);
        return f.orTimeout(30, TimeUnit.SECONDS).join();
    }

    @Override
    public void close() {
        comm.close();
        transport.close();
    }
}
