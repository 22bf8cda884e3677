package io.jdask.worker;

import io.jdask.Fn;
import io.jdask.protocol.Serializer;

/**
 * Decodes the user functions a worker receives as bytes: a task's run spec ({@code {Fn, Object[] args}}) and an actor
 * call's method. Decoding runs with the submitting client's class loader, on the thread that is about to call the
 * function (never on the event loop: it may wait for classes from the client).
 */
final class FnDecoder {
    /** A task's function and its arguments, {@link io.jdask.graph.TaskRef}s not yet replaced by values. */
    record Call(Fn fn, Object[] args) {}

    private final Serializer serializer;

    FnDecoder(Serializer serializer) {
        this.serializer = serializer;
    }

    /**
     * Decodes a task's run spec.
     *
     * @throws IllegalArgumentException if the bytes are not {@code {Fn, Object[] args}}
     */
    Call call(byte[] runSpec, ClassLoader loader, String key) {
        Object decoded = serializer.deserialize(runSpec, loader);
        if (!(decoded instanceof Object[] pair)
                || pair.length != 2
                || !(pair[0] instanceof Fn fn)
                || !(pair[1] instanceof Object[] args)) {
            throw new IllegalArgumentException(
                    "the run spec of task " + key + " is not {Fn, Object[] args} but " + describe(decoded));
        }
        return new Call(fn, args);
    }

    /**
     * Decodes a lone function (an actor's method reference).
     *
     * @param what names the call in the error message, e.g. "an actor call to 'counter-1'"
     * @throws IllegalArgumentException if the bytes are not an {@link Fn}
     */
    Fn fn(byte[] bytes, ClassLoader loader, String what) {
        Object decoded = serializer.deserialize(bytes, loader);
        if (!(decoded instanceof Fn fn)) {
            throw new IllegalArgumentException(
                    what + " carried " + describe(decoded) + " instead of a method reference");
        }
        return fn;
    }

    private static String describe(Object o) {
        return o == null ? "null" : o.getClass().getName();
    }
}
