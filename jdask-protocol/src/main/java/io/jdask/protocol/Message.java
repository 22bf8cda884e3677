package io.jdask.protocol;

/**
 * A message exchanged between jdask peers (scheduler, workers, clients) over a {@link Comm}.
 *
 * <p>Adding a message type means two things: declare a {@code record} implementing this
 * interface (or one of its sealed sub-interfaces), and list it in the {@code permits} clause
 * below. Nothing else: the codec discovers the whole sealed hierarchy, every record and enum
 * reachable from its components, registers them with compact numeric ids, and folds the
 * schema into a fingerprint that the handshake compares, so two builds that disagree on the
 * message set refuse to talk instead of misreading each other.
 *
 * <p>Record components may be {@code String}, primitives and their boxes, {@code byte[]}
 * (user payloads travel as serialized bytes, see {@link Serializer}), other primitive arrays,
 * {@code List}, {@code Set}, {@code Map}, {@code Optional}, {@code UUID}, {@code Instant}, {@code Duration},
 * {@code BigInteger}/{@code BigDecimal}, enums, nested records and sealed interfaces whose
 * permitted types are records; any of them may be {@code null}.
 *
 * <p>Sealed, so a receiver's {@code switch} over messages is exhaustive and a forgotten
 * message type is a compile error.
 */
public sealed interface Message permits Ping, Pong, Batch, ClientMsg, WorkerMsg, SchedulerMsg, DataMsg {}
