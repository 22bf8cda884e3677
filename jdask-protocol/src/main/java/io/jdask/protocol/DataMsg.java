package io.jdask.protocol;

import java.util.List;
import java.util.Map;

/**
 * The data plane: values moving between workers, and between a client and workers, without passing through the
 * scheduler. Values travel as {@link Serialized} (a {@code byte[]} value is sent from its own array and received into
 * the array the receiver keeps); other serialized bytes as {@code byte[]} (large arrays out of band, copied once).
 */
public sealed interface DataMsg extends Message {

    /** Asks a worker for the values of {@code keys}. */
    record GetData(long requestId, List<String> keys) implements DataMsg {}

    /** The values a worker has; keys it does not hold are in {@code missing}. */
    record DataReply(long requestId, Map<String, Serialized> values, List<String> missing) implements DataMsg {}

    /** Stores values on a worker (a client's scatter). */
    record PutData(long requestId, Map<String, Serialized> values) implements DataMsg {}

    /** The worker stored the values; their sizes. */
    record PutDataAck(long requestId, Map<String, Long> nbytes, String error) implements DataMsg {}

    /**
     * Calls a method of the actor {@code actorKey} held by the receiving worker; {@code method} is the serialized
     * {@code Fn} (the actor is its first parameter; identical bytes for the same method reference, so the worker
     * caches what they decode to) and {@code args} the serialized {@code Object[]} of the other arguments, or null. Answered by {@link ActorReply}.
     * {@code classes}: the client's classes pushed ahead of this call (a notebook cell's, see
     * {@link ClientMsg.PushClasses}), carried by the call itself because they also go to the worker through the
     * scheduler, which may deliver them after the call; empty for nearly every call.
     */
    record ActorCall(long requestId, String actorKey, byte[] method, byte[] args, List<ClientMsg.ClassFile> classes)
            implements DataMsg {}

    /**
     * The result of an {@link ActorCall}: {@code value} on success; else {@code exception} (serialized, may be null)
     * with its type and message; {@code lost} when the worker holds no such actor.
     */
    record ActorReply(
            long requestId, byte[] value, byte[] exception, String exceptionType, String message, boolean lost)
            implements DataMsg {}
}
