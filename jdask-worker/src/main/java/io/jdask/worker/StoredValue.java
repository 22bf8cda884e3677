package io.jdask.worker;

import io.jdask.protocol.Serialized;
import io.jdask.protocol.Serializer;
import java.util.Objects;

/**
 * One value in the worker's {@link DataStore}: the object, its serialized bytes, or both.
 *
 * <p>Design: a value computed here starts as an object plus the bytes the worker made once to
 * learn its size (kept, so peers and clients are served without serializing again). A value
 * that arrived from a peer or a client starts as bytes only and is deserialized on its first
 * local use, on the task thread of the task that needs it and with that task's class loader
 * (the classes may exist only in the submitting client's loader). A later use under another
 * loader deserializes again, so a task never receives an object whose classes its own loader
 * cannot see.
 *
 * <p>The serialized form is a {@link Serialized}, which for a {@code byte[]} value is that very array, not a
 * copy: a computed {@code byte[]} result and its bytes are one array, and so are a received one's bytes and the
 * value tasks get from them. Like Dask, which keeps the object itself, a task that modifies an input array
 * modifies the stored value (and what peers and clients are sent); tasks should treat their inputs as read-only.
 *
 * <p>Invariant: at least one of {@link #value} (with {@link #hasValue}) and {@link #bytes} is
 * set. Concurrency: all mutable fields are guarded by {@code this}; deserialization happens
 * under the lock, so two tasks needing the same fresh value deserialize it once.
 */
final class StoredValue {
    /** The object, meaningful only when {@link #hasValue}. Guarded by this. */
    private Object value;
    /** Whether {@link #value} holds the object (null is a valid value). Guarded by this. */
    private boolean hasValue;
    /**
     * The loader {@link #value} was deserialized with, or null if the object was produced in this
     * JVM (then it is the real object and fits every loader). Guarded by this.
     */
    private ClassLoader valueLoader;
    /** The serialized form, or null until first needed. Guarded by this. */
    private Serialized bytes;
    /** The value's class name, or null if it arrived as bytes and is still unknown. Guarded by this. */
    private String typeName;

    private StoredValue() {}

    /** A value a task produced here, with the bytes already made from it. */
    static StoredValue computed(Object value, Serialized bytes) {
        StoredValue v = new StoredValue();
        v.value = value;
        v.hasValue = true;
        v.bytes = Objects.requireNonNull(bytes, "bytes");
        v.typeName = value == null ? "null" : value.getClass().getName();
        return v;
    }

    /** A value that arrived serialized (from a peer or a client). */
    static StoredValue received(Serialized bytes) {
        StoredValue v = new StoredValue();
        v.bytes = Objects.requireNonNull(bytes, "bytes");
        return v;
    }

    /**
     * The object, deserialized with {@code loader} if it only exists as bytes so far.
     *
     * @throws io.jdask.protocol.SerializationException if the bytes do not deserialize
     */
    synchronized Object value(ClassLoader loader, Serializer serializer) {
        if (hasValue && (valueLoader == null || valueLoader == loader)) {
            return value;
        }
        Object v = serializer.deserialize(bytes, loader);
        value = v;
        hasValue = true;
        valueLoader = loader;
        typeName = v == null ? "null" : v.getClass().getName();
        return v;
    }

    /** The serialized form, made now if needed (may be slow for a big value). */
    synchronized Serialized bytes(Serializer serializer) {
        if (bytes == null) {
            bytes = serializer.serializeValue(value);
        }
        return bytes;
    }

    /** The serialized form if it exists already, else null. */
    synchronized Serialized bytesIfReady() {
        return bytes;
    }

    /** The size in bytes of the serialized form, or -1 if not made yet. */
    synchronized long nbytes() {
        return bytes == null ? -1 : bytes.nbytes();
    }

    /** The value's class name, or null if it was never opened here. */
    synchronized String typeName() {
        return typeName;
    }
}
