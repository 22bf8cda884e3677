package io.jdask.graph;

import io.jdask.Fn;
import io.jdask.Ref;
import io.jdask.Tokenizable;
import io.jdask.TokenizationException;
import java.lang.reflect.Array;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Tokens: the part of a key after the function name.
 *
 * <p><b>Unique tokens</b> must be cheap (building a graph makes millions a second) and unique across every JVM
 * sharing a cluster. Each JVM draws a random 64-bit prefix once; each token adds a counter scrambled by a
 * bijective mixer, so two tokens of one JVM never collide, and tokens of two JVMs collide with probability about
 * 2<sup>-64</sup> per pair, like Dask's uuid4 tokens.
 *
 * <p><b>Deterministic tokens</b> ({@code pure()}) hash a normalized form of the function's identity and the
 * arguments with MD5, as Dask does. Normalization dispatches on type: primitives and their boxes, strings, enums,
 * classes, records (component by component), lists, sets and maps (sets and maps order-insensitive), arrays,
 * {@link Ref}s (by key), functions (by method and captures) and {@link Tokenizable}. Anything else has no stable
 * token: the call answers {@code null} and the caller falls back to a unique token, or, in strict mode
 * ({@code -Djdask.tokenize.strict=true}), throws a {@link TokenizationException} naming the class.
 */
public final class Tokens {
    private Tokens() {}

    private static final long PREFIX = new SecureRandom().nextLong();
    private static final AtomicLong COUNTER = new AtomicLong();
    private static final HexFormat HEX = HexFormat.of();
    /** Added before mixing so the first counters do not map to runs of zeros (the mixer fixes 0). */
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private static final int MAX_DEPTH = 64;

    /** Whether untokenizable arguments of pure tasks throw instead of silently making the task impure. */
    public static boolean strict() {
        return io.jdask.Settings.current().get(io.jdask.Settings.TOKENIZE_STRICT);
    }

    /** A fresh token, unique in this JVM and (with overwhelming probability) across JVMs: 32 hex digits. */
    public static String unique() {
        return token(COUNTER.getAndIncrement());
    }

    /** {@code name + "-" + unique()}, built in one pass. */
    public static String uniqueKey(String name) {
        long n = COUNTER.getAndIncrement();
        int len = name.length();
        // Built as Latin-1 bytes: the String then stores one byte per character, and no char[] is made on the way
        // (this runs once per delayed call). A name with other characters is simply concatenated.
        byte[] out = new byte[len + 33];
        for (int i = 0; i < len; i++) {
            char c = name.charAt(i);
            if (c > 0xFF) return name + '-' + token(n);
            out[i] = (byte) c;
        }
        out[len] = '-';
        writeToken(n, out, len + 1);
        return new String(out, StandardCharsets.ISO_8859_1);
    }

    /** The token of counter value {@code n}. */
    private static String token(long n) {
        byte[] out = new byte[32];
        writeToken(n, out, 0);
        return new String(out, StandardCharsets.ISO_8859_1);
    }

    /** Writes the token of counter value {@code n} at {@code at}: 32 hex digits, JVM prefix then mixed counter. */
    private static void writeToken(long n, byte[] out, int at) {
        hex(PREFIX, out, at);
        hex(mix(n + GOLDEN), out, at + 16);
    }

    /**
     * A deterministic token for the given parts, or {@code null} if one of them has no stable token (in strict
     * mode a {@link TokenizationException} instead).
     */
    public static String deterministic(Object... parts) {
        MessageDigest md = md5();
        for (Object part : parts) {
            String problem = feed(md, part, 0);
            if (problem != null) {
                if (strict()) {
                    throw new TokenizationException("cannot make a deterministic key: " + problem
                            + ". Pass values that tokenize (primitives, strings, enums, records, collections), "
                            + "implement io.jdask.Tokenizable, or drop pure().");
                }
                return null;
            }
        }
        return HEX.formatHex(md.digest());
    }

    /** Feeds the normalized form of {@code o} to {@code md}; returns a description of the problem, or null. */
    private static String feed(MessageDigest md, Object o, int depth) {
        if (depth > MAX_DEPTH) return "argument nested deeper than " + MAX_DEPTH + " levels (a cycle?)";
        switch (o) {
            case null -> tag(md, 'N');
            case String s -> {
                tag(md, 'S');
                bytes(md, s.getBytes(StandardCharsets.UTF_8));
            }
            case Integer i -> text(md, 'I', i.toString());
            case Long l -> text(md, 'L', l.toString());
            case Double d -> text(md, 'D', Long.toHexString(Double.doubleToLongBits(d)));
            case Float f -> text(md, 'F', Integer.toHexString(Float.floatToIntBits(f)));
            case Boolean b -> text(md, 'Z', b.toString());
            case Character c -> text(md, 'C', c.toString());
            case Short s -> text(md, 'H', s.toString());
            case Byte b -> text(md, 'B', b.toString());
            case java.math.BigInteger b -> text(md, 'G', b.toString());
            case java.math.BigDecimal b -> text(md, 'M', b.toString());
            case Enum<?> e -> text(md, 'E', e.getDeclaringClass().getName() + "." + e.name());
            case Class<?> c -> text(md, 'K', c.getName());
            case TaskRef r -> text(md, 'R', r.key());
            case Ref<?> r -> text(md, 'R', r.key());
            case Tokenizable t -> {
                tag(md, 'T');
                text(md, 'K', o.getClass().getName());
                return feed(md, t.daskToken(), depth + 1);
            }
            case Fn fn -> {
                List<Object> identity = Functions.identity(fn);
                if (identity == null) return "function " + fn.getClass().getName() + " has no stable identity";
                tag(md, 'f');
                for (Object part : identity) {
                    String problem = feed(md, part, depth + 1);
                    if (problem != null) return problem + " (captured by a lambda)";
                }
            }
            case Record r -> {
                tag(md, 'r');
                text(md, 'K', r.getClass().getName());
                for (RecordComponent c : r.getClass().getRecordComponents()) {
                    Object value;
                    try {
                        var accessor = c.getAccessor();
                        accessor.setAccessible(true);
                        value = accessor.invoke(r);
                    } catch (ReflectiveOperationException | RuntimeException e) {
                        return "record component " + r.getClass().getName() + "." + c.getName() + " is unreadable";
                    }
                    String problem = feed(md, value, depth + 1);
                    if (problem != null) return problem;
                }
            }
            case List<?> list -> {
                tag(md, 'l');
                text(md, 'n', Integer.toString(list.size()));
                for (Object e : list) {
                    String problem = feed(md, e, depth + 1);
                    if (problem != null) return problem;
                }
            }
            case Set<?> set -> {
                return unordered(md, 's', set, depth);
            }
            case Map<?, ?> map -> {
                List<Object> entries = new ArrayList<>(map.size());
                for (var e : map.entrySet()) entries.add(List.of(wrapNull(e.getKey()), wrapNull(e.getValue())));
                return unordered(md, 'm', entries, depth);
            }
            case java.util.Optional<?> opt -> {
                tag(md, 'o');
                return feed(md, opt.orElse(null), depth + 1);
            }
            case java.time.temporal.TemporalAccessor t
            when t.getClass().getName().startsWith("java.time.") ->
                text(md, 't', t.getClass().getName() + "=" + t);
            case java.time.Duration d -> text(md, 'd', d.toString());
            case java.util.UUID u -> text(md, 'u', u.toString());
            default -> {
                Class<?> type = o.getClass();
                if (!type.isArray()) return "no stable token for " + type.getName();
                tag(md, 'A');
                text(md, 'K', type.getComponentType().getName());
                int n = Array.getLength(o);
                text(md, 'n', Integer.toString(n));
                if (o instanceof byte[] b) {
                    md.update(b);
                } else {
                    for (int i = 0; i < n; i++) {
                        String problem = feed(md, Array.get(o, i), depth + 1);
                        if (problem != null) return problem;
                    }
                }
            }
        }
        return null;
    }

    private static Object wrapNull(Object o) {
        return o == null ? NullToken.NULL : o;
    }

    private enum NullToken {
        NULL
    }

    /** Sets and maps: hash each element alone, then feed the sorted element hashes. */
    private static String unordered(MessageDigest md, char tag, Collection<?> items, int depth) {
        List<String> hashes = new ArrayList<>(items.size());
        for (Object item : items) {
            MessageDigest sub = md5();
            String problem = feed(sub, item, depth + 1);
            if (problem != null) return problem;
            hashes.add(HEX.formatHex(sub.digest()));
        }
        hashes.sort(null);
        tag(md, tag);
        text(md, 'n', Integer.toString(hashes.size()));
        for (String h : hashes) text(md, 'h', h);
        return null;
    }

    private static void tag(MessageDigest md, char c) {
        md.update((byte) c);
    }

    private static void text(MessageDigest md, char tag, String s) {
        tag(md, tag);
        bytes(md, s.getBytes(StandardCharsets.UTF_8));
    }

    private static void bytes(MessageDigest md, byte[] b) {
        int n = b.length;
        md.update(new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
        md.update(b);
    }

    private static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no MD5", e);
        }
    }

    /** Stafford's variant 13 of the 64-bit finalizer: a bijection, so distinct counters give distinct tokens. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    private static final byte[] DIGITS = "0123456789abcdef".getBytes(StandardCharsets.ISO_8859_1);

    private static void hex(long v, byte[] out, int at) {
        for (int i = 15; i >= 0; i--) {
            out[at + i] = DIGITS[(int) (v & 0xf)];
            v >>>= 4;
        }
    }
}
