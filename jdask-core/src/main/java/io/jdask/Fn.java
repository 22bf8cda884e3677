package io.jdask;

import java.io.Serializable;

/**
 * The common supertype of jdask's task functions {@link Fn0} ... {@link Fn6}.
 *
 * <p>Task functions are {@link Serializable} so that a lambda or method reference written by the user can be
 * shipped to a worker process, and their {@code apply} methods may throw any exception: a task that throws
 * fails its computation with a {@link TaskFailedException} naming the task, never the worker that ran it.
 *
 * <p>Prefer method references ({@code Tutorial::inc}): they name their task keys ({@code inc-3f2a...}) and
 * serialize as a class and a method name. A lambda works too; its keys read {@code lambda-...}, and every value
 * it captures travels with it, so a capture must be serializable.
 */
public interface Fn extends Serializable {}
