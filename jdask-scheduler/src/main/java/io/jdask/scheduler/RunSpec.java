package io.jdask.scheduler;

/**
 * The opaque run spec the shell puts into a {@link io.jdask.scheduler.state.TaskSpec}: the client's serialized
 * function and arguments, and which client submitted them. The state hands it back untouched in
 * {@link io.jdask.scheduler.state.SchedulerInstruction.ComputeTask}, so the shell can name the client whose
 * classes the worker must fetch ({@link io.jdask.protocol.SchedulerMsg.ComputeTask#clientId()}).
 *
 * @param bytes the serialized run spec, never opened by the scheduler
 * @param clientId the client that submitted this spec (for a key submitted by several clients, the first)
 */
record RunSpec(byte[] bytes, String clientId) {}
