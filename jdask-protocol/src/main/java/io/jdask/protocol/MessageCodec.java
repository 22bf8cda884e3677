package io.jdask.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.fory.Fory;
import org.apache.fory.ThreadSafeFory;
import org.apache.fory.config.Config;
import org.apache.fory.config.Language;
import org.apache.fory.context.ReadContext;
import org.apache.fory.context.WriteContext;
import org.apache.fory.memory.MemoryBuffer;
import org.apache.fory.serializer.BufferObject;

/**
 * Encodes the records of one sealed message hierarchy to frame bodies and back.
 *
 * <h2>Design</h2>
 * Apache Fory does the encoding, in its strict mode: every class it may see is registered
 * with a numeric id, so a frame carries small ids instead of class names and a peer cannot
 * make us instantiate a class outside the schema. The registered set is discovered, not
 * listed: the sealed root's permitted subtypes, recursively, plus every record, enum and
 * sealed interface reachable from their components' (generic) types. Ids are assigned in
 * class-name order, so two JVMs with the same classes agree on them, and the
 * {@link #fingerprint()} hashes names, ids and component types so that two JVMs that do not
 * agree find out during the handshake.
 *
 * <h2>Big payloads without extra copies</h2>
 * Primitive arrays larger than {@link #OUT_OF_BAND_THRESHOLD} (typically a {@code byte[]}
 * carrying a serialized task result) are taken out of band: Fory writes a placeholder and
 * hands us the array, and the frame encoder copies it exactly once, straight into the
 * (direct) buffer that goes to the socket. Without this, Fory would copy the array into its
 * growing buffer (several times while doubling) and Netty once more into a direct buffer.
 *
 * <p>{@link Serialized} values (user values between clients and workers) go further. Their bytes are a buffer
 * object of our own ({@link ArrayBufferObject}); one of at least {@link #CHUNK_BYTES} is not copied at encoding
 * at all: the frame's pieces include slices of the array itself ({@link #encodeFrame}), and the channel copies
 * each slice into a pooled direct buffer as it writes it (Java cannot hand heap memory to a socket, so that copy
 * is the one left). On receipt, {@link FrameDecoder} has put each out-of-band buffer in an array of its own, and
 * the {@code Serialized} is built around that array ({@link SerializedSerializer}): Fory's own array serializers
 * would copy it into a fresh array. A 100 MB {@code byte[]} thus costs one user-space copy on each side, plus the
 * receiving array.
 *
 * <h2>Body layout</h2>
 * {@code int inbandLength, inband bytes, int bufferCount, (int length, bytes) * bufferCount},
 * big-endian. On TCP the frame is this body behind an {@code int} length prefix.
 *
 * <h2>Concurrency</h2>
 * Immutable after construction and thread-safe: Fory instances come from a pool, so
 * encoding runs on the sending thread and decoding on an I/O thread concurrently.
 */
final class MessageCodec<T> {
    static {
        QuietStart.beforeFory();
    }

    /** Arrays at least this big travel out of band (copied once into the frame). */
    static final int OUT_OF_BAND_THRESHOLD = 16 * 1024;

    /** Frames bigger than this are built from pooled pieces of this size (see encodeChunked). */
    static final int CHUNK_BYTES = 1 << 20;

    /** Fory's own ids are small; ours start here. */
    private static final int FIRST_ID = 200;

    /** The codec for {@link Message}, built on first use (building Fory takes a moment). */
    static MessageCodec<Message> messages() {
        return MessagesHolder.INSTANCE;
    }

    private static final class MessagesHolder {
        static final MessageCodec<Message> INSTANCE = forSealedRoot(Message.class);
    }

    private final Class<T> root;
    /** Registration order: the class at index i has Fory id FIRST_ID + i; sorted by name. */
    private final List<Class<?>> types;

    private final long fingerprint;
    /** The Fory pool in use: the interpreted one until {@link #CODEGEN_AFTER} messages, then the generating one. */
    private volatile ThreadSafeFory fory;
    /**
     * Messages encoded or decoded so far (each message of a {@link Batch} counts), counted until the switch to
     * generated serializers; racy, as a hint is enough.
     */
    private int messages;
    /** Messages after which generated serializers are switched on; 0 switches at once. */
    private final int codegenAfter;

    /** Compiles generated serializers in the background (false in tests: on first use). */
    private final boolean asyncCompilation;
    /** Set once the switch to generated serializers has started (or at construction when codegenAfter is 0). */
    private final AtomicBoolean generating = new AtomicBoolean();
    /** Set once {@link #fory} generates serializers. */
    private volatile boolean generated;

    /**
     * Messages (encoded plus decoded, each of a batch counting) after which a codec switches from Fory's field-by-field serializers to generated
     * ones. Generating them (Janino, then loading and JIT-compiling the result) cost a fresh JVM more than anything
     * but the JIT itself: with it off, the CPU of a cold 10,000-task burst over the three JVMs of a LocalCluster fell
     * from about 580 to 350-430 us per task. Warm, the generated ones save about 5 us of CPU per task, which repays
     * their cost after some hundreds of thousands of tasks: so a process switches once its traffic shows it is
     * going to run long. The two kinds write the same bytes (Fory's asynchronous compilation relies on that too), so
     * peers need not switch together.
     */
    static final int CODEGEN_AFTER = 50_000;

    private MessageCodec(Class<T> root, List<Class<?>> types, int codegenAfter, boolean asyncCompilation) {
        this.root = root;
        this.types = List.copyOf(types);
        this.fingerprint = computeFingerprint(this.types);
        this.codegenAfter = codegenAfter;
        this.asyncCompilation = asyncCompilation;
        this.fory = build(codegenAfter == 0);
        if (codegenAfter == 0) {
            generating.set(true);
            generated = true;
        }
    }

    private ThreadSafeFory build(boolean codegen) {
        ThreadSafeFory f = Fory.builder()
                .withLanguage(Language.JAVA)
                .withCodegen(codegen)
                // Generated serializers compile in the background; until one is ready its class is served by the
                // interpreted one, so the first message of a new type does not wait for a compiler (~100 ms each).
                .withAsyncCompilation(asyncCompilation)
                .requireClassRegistration(true)
                .withRefTracking(false)
                .withClassLoader(root.getClassLoader())
                .withName("jdask-messages-" + root.getSimpleName() + (codegen ? "-codegen" : ""))
                .buildThreadSafeForyPool(Math.max(4, Runtime.getRuntime().availableProcessors() * 2));
        for (int i = 0; i < types.size(); i++) {
            f.register(types.get(i), FIRST_ID + i);
        }
        if (types.contains(Serialized.class)) {
            f.registerSerializer(Serialized.class, r -> new SerializedSerializer(r.getConfig()));
        }
        return f;
    }

    /**
     * Counts the messages of a frame; the one that reaches {@link #codegenAfter} builds the generating pool on a thread
     * of its own.
     */
    private void count(Object message) {
        if (generating.get()) {
            return;
        }
        messages += message instanceof Batch b ? b.messages().size() : 1;
        if (messages >= codegenAfter && generating.compareAndSet(false, true)) {
            Thread t = new Thread(
                    () -> {
                        fory = build(true);
                        generated = true;
                    },
                    "jdask-codec-codegen");
            t.setDaemon(true);
            t.start();
        }
    }

    /**
     * Takes {@code n} messages back off the count: a warm-up's messages ({@link CodecWarmup}) say nothing about how
     * long the process will run, and must not bring on the generated serializers during the first real burst.
     */
    void uncount(int n) {
        if (!generating.get()) {
            messages -= n;
        }
    }

    /** Whether this codec has switched to generated serializers (for tests). */
    boolean generatesSerializers() {
        return generated;
    }

    /**
     * A codec for {@code root}, a sealed interface whose permitted subtypes are records or
     * further sealed interfaces.
     */
    static <T> MessageCodec<T> forSealedRoot(Class<T> root) {
        return forSealedRoot(root, CODEGEN_AFTER, true);
    }

    /**
     * As {@link #forSealedRoot(Class)}, switching to generated serializers after {@code codegenAfter} messages (0: from
     * the start), compiled in the background or, without {@code asyncCompilation}, on first use (tests).
     */
    static <T> MessageCodec<T> forSealedRoot(Class<T> root, int codegenAfter, boolean asyncCompilation) {
        if (!root.isSealed()) {
            throw new IllegalArgumentException(root.getName()
                    + " is not sealed; a message root must be a sealed interface listing its records in 'permits'");
        }
        Set<Class<?>> found = new LinkedHashSet<>();
        collect(root, found, root);
        List<Class<?>> sorted = new ArrayList<>(found);
        sorted.removeIf(c -> !c.isRecord() && !c.isEnum()); // sealed interfaces were only walked
        sorted.sort(Comparator.comparing(Class::getName));
        return new MessageCodec<>(root, sorted, codegenAfter, asyncCompilation);
    }

    Class<T> root() {
        return root;
    }

    /** The registered classes in id order (for tests and diagnostics). */
    List<Class<?>> types() {
        return types;
    }

    /** A hash of the message schema; two peers can talk only if theirs are equal. */
    long fingerprint() {
        return fingerprint;
    }

    /**
     * Encodes {@code message} into one complete TCP frame (length prefix included): buffers from {@code alloc},
     * to be written in order (the caller owns them: it writes or releases each). Runs on the caller's thread.
     * Usually one buffer. A frame carrying a {@link Serialized} of at least {@link #CHUNK_BYTES} also has slices of
     * that value's array among its pieces: the array must not change until they are written (see
     * {@link Serialized}); otherwise the frame no longer refers to the message, so the caller may modify its
     * arrays.
     */
    ByteBuf[] encodeFrame(T message, ByteBufAllocator alloc) {
        Encoded e = encode(message);
        int bodyLength = e.bodyLength();
        for (BufferObject b : e.outOfBand) {
            if (b instanceof ArrayBufferObject && b.totalBytes() >= CHUNK_BYTES) {
                return encodeFromHeap(e, bodyLength, alloc);
            }
        }
        if (bodyLength > CHUNK_BYTES) {
            return new ByteBuf[] {encodeChunked(e, bodyLength, alloc)};
        }
        ByteBuf frame = alloc.directBuffer(4 + bodyLength);
        boolean ok = false;
        try {
            frame.writeInt(bodyLength);
            frame.writeInt(e.inband.length).writeBytes(e.inband);
            frame.writeInt(e.outOfBand.size());
            for (BufferObject b : e.outOfBand) {
                int n = b.totalBytes();
                frame.writeInt(n);
                ByteBuffer target = frame.nioBuffer(frame.writerIndex(), n);
                b.writeTo(MemoryBuffer.fromByteBuffer(target));
                frame.writerIndex(frame.writerIndex() + n);
            }
            ok = true;
            return new ByteBuf[] {frame};
        } finally {
            if (!ok) {
                frame.release();
            }
        }
    }

    /**
     * A frame with a big {@link Serialized} in it: direct pieces for the headers and the other buffers, and for the
     * big value's bytes heap slices of its own array, at most {@link #CHUNK_BYTES} each. Separate pieces rather than
     * one composite: the channel copies a heap buffer into a direct one before writing it, and would copy a
     * composite with heap parts whole (100 MB of fresh direct memory), while a slice at a time takes a pooled piece.
     */
    private static ByteBuf[] encodeFromHeap(Encoded e, int bodyLength, ByteBufAllocator alloc) {
        List<ByteBuf> pieces = new ArrayList<>();
        boolean ok = false;
        try {
            ByteBuf head = alloc.directBuffer(12 + e.inband.length);
            pieces.add(head);
            head.writeInt(bodyLength)
                    .writeInt(e.inband.length)
                    .writeBytes(e.inband)
                    .writeInt(e.outOfBand.size());
            for (BufferObject b : e.outOfBand) {
                int n = b.totalBytes();
                pieces.add(alloc.directBuffer(4).writeInt(n));
                if (b instanceof ArrayBufferObject a && n >= CHUNK_BYTES) {
                    for (int offset = 0; offset < n; offset += CHUNK_BYTES) {
                        pieces.add(Unpooled.wrappedBuffer(a.array, offset, Math.min(CHUNK_BYTES, n - offset)));
                    }
                } else {
                    copyInPieces(b, alloc, pieces::add);
                }
            }
            long total = 0;
            for (ByteBuf p : pieces) {
                total += p.readableBytes();
            }
            if (total != 4L + bodyLength) {
                throw new IllegalStateException("frame pieces hold " + total + " bytes, expected " + (4L + bodyLength));
            }
            ok = true;
            return pieces.toArray(ByteBuf[]::new);
        } finally {
            if (!ok) {
                pieces.forEach(ByteBuf::release);
            }
        }
    }

    /**
     * A big frame as a composite of pooled direct pieces of at most {@link #CHUNK_BYTES}: one fresh 100 MB direct
     * buffer would cost more than the copy itself (the memory is new to the process, so every page of it faults in,
     * and it is freed again after the write), while pooled pieces are memory the allocator already holds. The socket
     * write gathers the pieces.
     */
    private static ByteBuf encodeChunked(Encoded e, int bodyLength, ByteBufAllocator alloc) {
        CompositeByteBuf frame = alloc.compositeDirectBuffer(Integer.MAX_VALUE);
        boolean ok = false;
        try {
            ByteBuf head = alloc.directBuffer(12 + e.inband.length);
            head.writeInt(bodyLength)
                    .writeInt(e.inband.length)
                    .writeBytes(e.inband)
                    .writeInt(e.outOfBand.size());
            frame.addComponent(true, head);
            for (BufferObject b : e.outOfBand) {
                int n = b.totalBytes();
                frame.addComponent(true, alloc.directBuffer(4).writeInt(n));
                // a component's length is fixed when it is added: pieces come filled
                copyInPieces(b, alloc, piece -> frame.addComponent(true, piece));
            }
            if (frame.readableBytes() != 4 + bodyLength) {
                throw new IllegalStateException(
                        "chunked frame has " + frame.readableBytes() + " bytes, expected " + (4 + bodyLength));
            }
            ok = true;
            return frame;
        } finally {
            if (!ok) {
                frame.release();
            }
        }
    }

    /** Copies {@code b} into pooled direct pieces of at most {@link #CHUNK_BYTES}, handing each to {@code sink}. */
    private static void copyInPieces(
            BufferObject b, ByteBufAllocator alloc, java.util.function.Consumer<ByteBuf> sink) {
        int n = b.totalBytes();
        MemoryBuffer source = b.toBuffer();
        for (int offset = 0; offset < n; offset += CHUNK_BYTES) {
            int length = Math.min(CHUNK_BYTES, n - offset);
            ByteBuf piece = alloc.directBuffer(length);
            try {
                source.get(offset, piece.nioBuffer(0, length), length);
                piece.writerIndex(length);
            } catch (RuntimeException ex) {
                piece.release();
                throw ex;
            }
            sink.accept(piece);
        }
    }

    /** Encodes {@code message} into a frame body on the heap (for the in-process transport). */
    byte[] encodeBody(T message) {
        Encoded e = encode(message);
        ByteBuffer body = ByteBuffer.allocate(e.bodyLength());
        body.putInt(e.inband.length).put(e.inband).putInt(e.outOfBand.size());
        for (BufferObject b : e.outOfBand) {
            int n = b.totalBytes();
            body.putInt(n);
            b.writeTo(MemoryBuffer.fromByteArray(body.array(), body.position(), n));
            body.position(body.position() + n);
        }
        return body.array();
    }

    /**
     * Decodes a frame as {@link FrameDecoder} received it; the message may keep the frame's out-of-band arrays (as
     * the bytes of a {@link Serialized}). A frame that is not a valid {@code T} throws {@link ProtocolException}.
     */
    T decode(FrameDecoder.ReceivedFrame frame) {
        List<MemoryBuffer> buffers = new ArrayList<>(frame.buffers().length);
        for (byte[] b : frame.buffers()) {
            buffers.add(MemoryBuffer.fromByteArray(b));
        }
        return decodeParts(MemoryBuffer.fromByteArray(frame.inband()), buffers, frame.bodyLength());
    }

    /** Decodes a frame body; a body that is not a valid {@code T} throws {@link ProtocolException}. */
    T decode(byte[] body, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, body.length);
        MemoryBuffer inband;
        List<MemoryBuffer> buffers;
        try {
            ByteBuffer b = ByteBuffer.wrap(body, offset, length);
            int inbandLength = checkedLength(b.getInt(), b, "in-band section");
            inband = MemoryBuffer.fromByteArray(body, b.position(), inbandLength);
            b.position(b.position() + inbandLength);
            int count = b.getInt();
            if (count < 0 || count > b.remaining() / 4) {
                throw new ProtocolException("bad out-of-band buffer count " + count);
            }
            buffers = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                int n = checkedLength(b.getInt(), b, "out-of-band buffer " + i);
                buffers.add(MemoryBuffer.fromByteArray(body, b.position(), n));
                b.position(b.position() + n);
            }
            if (b.hasRemaining()) {
                throw new ProtocolException(b.remaining() + " trailing bytes after the last buffer");
            }
        } catch (ProtocolException e) {
            throw new ProtocolException(
                    "malformed " + root.getSimpleName() + " frame of " + length + " bytes: " + e.getMessage());
        } catch (RuntimeException e) {
            throw new ProtocolException(
                    "malformed " + root.getSimpleName() + " frame of " + length + " bytes: " + e, e);
        }
        return decodeParts(inband, buffers, length);
    }

    private T decodeParts(MemoryBuffer inband, List<MemoryBuffer> buffers, int length) {
        Object decoded;
        try {
            decoded = fory.deserialize(inband, buffers);
        } catch (RuntimeException | StackOverflowError e) {
            throw new ProtocolException(
                    "malformed " + root.getSimpleName() + " frame of " + length + " bytes: " + e, e);
        }
        if (!root.isInstance(decoded)) {
            throw new ProtocolException("frame decoded to "
                    + (decoded == null ? "null" : decoded.getClass().getName()) + ", not a " + root.getName());
        }
        count(decoded);
        return root.cast(decoded);
    }

    private static int checkedLength(int n, ByteBuffer b, String what) {
        if (n < 0 || n > b.remaining()) {
            throw new ProtocolException(what + " claims " + n + " bytes but only " + b.remaining() + " remain");
        }
        return n;
    }

    private Encoded encode(T message) {
        Objects.requireNonNull(message, "message");
        List<BufferObject> outOfBand = new ArrayList<>(0);
        byte[] inband;
        try {
            inband = fory.serialize(message, b -> {
                if (b.totalBytes() >= OUT_OF_BAND_THRESHOLD) {
                    outOfBand.add(b);
                    return false;
                }
                return true;
            });
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    "cannot encode " + message.getClass().getName()
                            + " as a " + root.getSimpleName() + ": " + e.getMessage()
                            + " (message components must be of the types listed in the Message javadoc)",
                    e);
        }
        count(message);
        return new Encoded(inband, outOfBand);
    }

    private record Encoded(byte[] inband, List<BufferObject> outOfBand) {
        int bodyLength() {
            long n = 4L + inband.length + 4;
            for (BufferObject b : outOfBand) {
                n += 4L + b.totalBytes();
            }
            if (n > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("message too large to frame: " + n + " bytes");
            }
            return (int) n;
        }
    }

    /**
     * Writes a {@link Serialized} as its format byte and its bytes as a buffer object (in band if small, else out
     * of band, as for any array), and reads it back around the received array itself when that array is exactly
     * the buffer: {@link FrameDecoder} gives each out-of-band buffer an array of its own, which nothing else refers
     * to. In band, or from a body decoded whole ({@link #decode(byte[], int, int)}), the bytes are copied out.
     */
    private static final class SerializedSerializer extends org.apache.fory.serializer.Serializer<Serialized> {
        SerializedSerializer(Config config) {
            super(config, Serialized.class);
        }

        @Override
        public void write(WriteContext context, Serialized value) {
            context.getBuffer().writeByte(value.format());
            context.writeBufferObject(new ArrayBufferObject(value.bytes()));
        }

        @Override
        public Serialized read(ReadContext context) {
            byte format = context.getBuffer().readByte();
            MemoryBuffer b = context.readBufferObject();
            byte[] heap = b.getHeapMemory();
            int n = b.remaining();
            if (heap != null && heap.length == n && b._unsafeHeapReaderIndex() == 0) {
                return new Serialized(format, heap);
            }
            byte[] copy = new byte[n];
            b.readBytes(copy);
            return new Serialized(format, copy);
        }
    }

    /** A whole {@code byte[]} as a Fory buffer object; {@link #encodeFrame} sends a big one from the array. */
    static final class ArrayBufferObject implements BufferObject {
        final byte[] array;

        ArrayBufferObject(byte[] array) {
            this.array = array;
        }

        @Override
        public int totalBytes() {
            return array.length;
        }

        @Override
        public void writeTo(MemoryBuffer buffer) {
            buffer.writeBytes(array);
        }

        @Override
        public MemoryBuffer toBuffer() {
            return MemoryBuffer.fromByteArray(array);
        }
    }

    // ---- schema discovery -------------------------------------------------------------------

    /**
     * JDK types a message component may have. Deliberately short: anything else from the JDK
     * (threads, streams, Object) is not data, and Fory would refuse or mangle it at run time.
     */
    private static final Set<Class<?>> JDK_VALUE_TYPES = Set.of(
            String.class,
            Boolean.class,
            Byte.class,
            Short.class,
            Character.class,
            Integer.class,
            Long.class,
            Float.class,
            Double.class,
            java.math.BigInteger.class,
            java.math.BigDecimal.class,
            java.util.UUID.class,
            java.time.Instant.class,
            java.time.Duration.class,
            java.util.List.class,
            java.util.Set.class,
            java.util.Map.class,
            java.util.Collection.class,
            java.util.Optional.class);

    private static void collect(Class<?> c, Set<Class<?>> out, Class<?> root) {
        if (c.isArray()) {
            collect(c.getComponentType(), out, root);
        } else if (c.isPrimitive() || JDK_VALUE_TYPES.contains(c)) {
            // Plain JDK data types are known to Fory already.
        } else if (c.isEnum()) {
            out.add(c);
        } else if (c.isRecord()) {
            if (out.add(c)) {
                for (RecordComponent rc : c.getRecordComponents()) {
                    collectType(rc.getGenericType(), out, root);
                }
            }
        } else if (c.isSealed()) {
            if (out.add(c)) {
                for (Class<?> p : c.getPermittedSubclasses()) {
                    collect(p, out, root);
                }
            }
        } else {
            throw new IllegalArgumentException("message schema of " + root.getName() + " reaches "
                    + c.getName() + ", which is neither a record, an enum nor a sealed interface;"
                    + " carry user objects as byte[] serialized with io.jdask.protocol.Serializer");
        }
    }

    private static void collectType(Type t, Set<Class<?>> out, Class<?> root) {
        switch (t) {
            case Class<?> c -> collect(c, out, root);
            case ParameterizedType p -> {
                collectType(p.getRawType(), out, root);
                for (Type a : p.getActualTypeArguments()) {
                    collectType(a, out, root);
                }
            }
            case GenericArrayType g -> collectType(g.getGenericComponentType(), out, root);
            case WildcardType w -> {
                for (Type u : w.getUpperBounds()) {
                    collectType(u, out, root);
                }
            }
            case TypeVariable<?> v -> {
                for (Type u : v.getBounds()) {
                    collectType(u, out, root);
                }
            }
            default -> throw new IllegalArgumentException("unsupported type in message schema: " + t);
        }
    }

    private static long computeFingerprint(List<Class<?>> types) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < types.size(); i++) {
            Class<?> c = types.get(i);
            s.append(FIRST_ID + i).append(' ').append(c.getName());
            if (c.isRecord()) {
                for (RecordComponent rc : c.getRecordComponents()) {
                    s.append(' ')
                            .append(rc.getName())
                            .append(':')
                            .append(rc.getGenericType().getTypeName());
                }
            } else if (c.isEnum()) {
                s.append(' ').append(Arrays.toString(c.getEnumConstants()));
            }
            if (c == Serialized.class) {
                // Written by SerializedSerializer, not from its components: change this when its layout changes.
                s.append(" layout:format-byte,buffer-object");
            }
            s.append('\n');
        }
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.toString().getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(d).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("SHA-256 is required on every JVM", e);
        }
    }
}
