/**
 * How jdask processes talk: message records, their codec, serialization of user values, and
 * {@link io.jdask.protocol.Comm} connections over TCP (Netty) or within the JVM.
 *
 * <h2>Map</h2>
 * <ul>
 *   <li>{@link io.jdask.protocol.Message}: the sealed message hierarchy; add a message by
 *       declaring a record and listing it in {@code permits}. Encoded by {@code MessageCodec}
 *       (Apache Fory, registered classes, big arrays out of band).
 *   <li>{@link io.jdask.protocol.Serializer}: user objects (functions, arguments, results,
 *       exceptions) to {@code byte[]} and back, resolving classes through a given loader.
 *       Messages carry those bytes as {@code byte[]} components.
 *   <li>{@link io.jdask.protocol.Transport} opens {@link io.jdask.protocol.Comm}s:
 *       {@code TcpTransport}/{@code NettyComm} and {@code InprocTransport}/{@code InprocComm}.
 * </ul>
 *
 * <h2>Wire format</h2>
 * Every TCP frame is {@code int length} + body. The first frame each way is the
 * {@link io.jdask.protocol.Handshake} (fixed layout: magic, version, schema fingerprint,
 * role, name); every later frame is one encoded message. Frames above the configured maximum,
 * malformed frames and failed handshakes close that one connection with a single log line.
 *
 * <h2>Threads</h2>
 * {@code send} runs on the caller's thread (encoding included) and never blocks; inbound
 * messages are delivered on the connection's I/O thread, in order. Writes are batched per
 * event-loop turn, never held by a timer.
 */
package io.jdask.protocol;
