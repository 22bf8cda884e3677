package io.jdask.protocol;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * How a worker asks a client for a resource (a properties file, a {@code META-INF/services} entry) over the channel
 * that carries classes: {@link WorkerMsg.FetchClass} with the resource's name behind a leading {@code /}, which no
 * class name has; the answer's bytes hold every copy the client's loaders have ({@code getResources} order), framed
 * by {@link #pack}. Null bytes mean the client has none.
 */
public final class ClientResources {
    private ClientResources() {}

    private static final String PREFIX = "/";

    /** The name to put in a {@link WorkerMsg.FetchClass} for resource {@code name} ({@code a/b/c.properties}). */
    public static String request(String name) {
        return PREFIX + name;
    }

    /** Whether a requested name is a resource's rather than a class's. */
    public static boolean isResource(String requested) {
        return requested.startsWith(PREFIX);
    }

    /** The resource's name in a request that {@link #isResource}. */
    public static String name(String requested) {
        return requested.substring(PREFIX.length());
    }

    /** The copies of a resource as one array: their count, then each one's length and bytes. */
    public static byte[] pack(List<byte[]> copies) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(copies.size());
            for (byte[] c : copies) {
                out.writeInt(c.length);
                out.write(c);
            }
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory failed", e);
        }
        return bytes.toByteArray();
    }

    /**
     * The copies {@link #pack} put in {@code packed}.
     *
     * @throws IllegalArgumentException if the bytes are not such a packing
     */
    public static List<byte[]> unpack(byte[] packed) {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(packed))) {
            int n = in.readInt();
            if (n < 0 || n > packed.length) throw new IllegalArgumentException("bad resource count " + n);
            List<byte[]> copies = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                int len = in.readInt();
                if (len < 0 || len > packed.length) throw new IllegalArgumentException("bad resource length " + len);
                copies.add(in.readNBytes(len));
            }
            return copies;
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated resource answer of " + packed.length + " bytes", e);
        }
    }
}
