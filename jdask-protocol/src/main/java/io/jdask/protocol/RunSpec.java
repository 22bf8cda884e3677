package io.jdask.protocol;

/**
 * A task's run spec as both shells hold it: the client's serialized {@code {fn, args}} and the client that submitted
 * it. The scheduler never opens the bytes; its state keeps this object as an opaque payload and hands it back on the
 * task's {@code ComputeTask}, so the message can name the client whose classes the worker must fetch
 * ({@link SchedulerMsg.ComputeTask#clientId()}). The worker's state keeps it likewise until a task thread opens it
 * with that client's class loader.
 *
 * @param bytes the serialized run spec
 * @param clientId the client that submitted it (for a key submitted by several clients, the first)
 */
public record RunSpec(byte[] bytes, String clientId) {}
