package io.jdask.protocol;

import java.util.List;
import java.util.Map;

/**
 * The data plane: values moving between workers, and between a client and workers, without passing through the
 * scheduler. Values are serialized bytes (large arrays travel out of band, copied once).
 */
public sealed interface DataMsg extends Message {

    /** Asks a worker for the values of {@code keys}. */
    record GetData(long requestId, List<String> keys) implements DataMsg {}

    /** The values a worker has; keys it does not hold are in {@code missing}; {@code busy} means retry later. */
    record DataReply(long requestId, Map<String, byte[]> values, List<String> missing, boolean busy)
            implements DataMsg {}

    /** Stores values on a worker (a client's scatter). */
    record PutData(long requestId, Map<String, byte[]> values) implements DataMsg {}

    /** The worker stored the values; their sizes. */
    record PutDataAck(long requestId, Map<String, Long> nbytes, String error) implements DataMsg {}
}
