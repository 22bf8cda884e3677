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
 * <p>Spilled: {@link #spill} writes the bytes to a file and lets go of both the object and the bytes; from then on
 * every use reads the file again and keeps nothing (the worker only spills what it has no room for, so it does not
 * take the value back into memory; what a task or a reply made from it goes with them). A file that cannot be read
 * fails the one use with an {@link java.io.UncheckedIOException} naming the key and the file.
 *
 * <p>Invariant: exactly one of these holds: {@link #spilled} is set; at least one of {@link #value} (with {@link
 * #hasValue}) and {@link #bytes} is set. Concurrency: all mutable fields are guarded by {@code this}; deserialization happens
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
    /** The file holding the bytes once spilled, else null. Guarded by this. */
    private SpillFiles.Spilled spilled;
    /** Set once the worker dropped the value: a spill after that would leave a file nobody deletes. */
    private boolean discarded;

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
        if (spilled != null) {
            return serializer.deserialize(spilled.read(), loader);
        }
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
        if (spilled != null) {
            return spilled.read();
        }
        if (bytes == null) {
            bytes = serializer.serializeValue(value);
        }
        return bytes;
    }

    /** The serialized form if it is in memory already, else null (also when spilled). */
    synchronized Serialized bytesIfReady() {
        return bytes;
    }

    /** The size in bytes of the serialized form, or -1 if not made yet. */
    synchronized long nbytes() {
        if (spilled != null) return spilled.nbytes();
        return bytes == null ? -1 : bytes.nbytes();
    }

    /** Whether the value is on disk only. */
    synchronized boolean isSpilled() {
        return spilled != null;
    }

    /**
     * Writes the value's bytes (made now if needed) to a file and lets go of the object and the bytes.
     *
     * @return false if there was nothing to do (already spilled, or dropped)
     * @throws java.io.IOException if the file cannot be written; the value then stays in memory as it was
     */
    synchronized boolean spill(String key, SpillFiles files, Serializer serializer) throws java.io.IOException {
        if (spilled != null || discarded) return false;
        Serialized b = bytes(serializer);
        spilled = files.write(key, b);
        bytes = null;
        value = null;
        hasValue = false;
        valueLoader = null;
        return true;
    }

    /** The worker dropped the value: its file, if any, goes. A task that still holds this value fails to read it. */
    synchronized void discard() {
        discarded = true;
        if (spilled != null) spilled.delete();
    }

    /** The value's class name, or null if it was never opened here. */
    synchronized String typeName() {
        return typeName;
    }
}
