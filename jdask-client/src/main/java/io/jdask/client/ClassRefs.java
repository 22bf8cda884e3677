package io.jdask.client;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The classes a class file names: its constant pool's class entries, and the classes in its descriptors and
 * signatures (a method's parameter types appear only there). Enough to find the other classes of a notebook cell that
 * a class needs when it is loaded, verified or run, without loading anything.
 *
 * <p>The constant pool layout is the one of the Java Virtual Machine Specification, section 4.4; the rest of the
 * class file is not read. A file that is not a class file, or a newer one with a constant kind unknown here, gives
 * what was read before the problem (never an exception): the caller only loses classes it would otherwise push, and
 * those are fetched instead.
 */
final class ClassRefs {
    private ClassRefs() {}

    private static final int CLASS_FILE_MAGIC = 0xCAFEBABE;

    /** The binary names ({@code a.b.C$D}) of the classes {@code classFile} refers to, in the order first seen. */
    static Set<String> names(byte[] classFile) {
        Set<String> out = new LinkedHashSet<>();
        List<String> utf8 = new ArrayList<>();
        List<Integer> classEntries = new ArrayList<>();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(classFile))) {
            if (in.readInt() != CLASS_FILE_MAGIC) return out;
            in.readUnsignedShort(); // minor version
            in.readUnsignedShort(); // major version
            int count = in.readUnsignedShort();
            String[] strings = new String[count];
            for (int i = 1; i < count; i++) {
                int tag = in.readUnsignedByte();
                switch (tag) {
                    case 1 -> { // Utf8
                        strings[i] = in.readUTF();
                        utf8.add(strings[i]);
                    }
                    case 7 -> classEntries.add(in.readUnsignedShort()); // Class
                    case 8, 16, 19, 20 -> in.skipBytes(2); // String, MethodType, Module, Package
                    case 15 -> in.skipBytes(3); // MethodHandle
                    case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipBytes(4); // Integer, Float, refs, NameAndType, Dynamic
                    case 5, 6 -> { // Long, Double: two slots
                        in.skipBytes(8);
                        i++;
                    }
                    default -> {
                        count = i; // unknown kind: stop here, keep what was read
                    }
                }
            }
            for (int index : classEntries) {
                String name = index < strings.length ? strings[index] : null;
                if (name == null) continue;
                if (name.startsWith("[")) {
                    descriptorClasses(name, out);
                } else {
                    out.add(name.replace('/', '.'));
                }
            }
        } catch (IOException | RuntimeException e) {
            // A truncated or odd file: keep what was read.
        }
        for (String s : utf8) {
            if (s.startsWith("(") || s.startsWith("L") || s.startsWith("[") || s.startsWith("<")) {
                descriptorClasses(s, out);
            }
        }
        return out;
    }

    /** Adds the class names of a descriptor or signature: each {@code Lname;}, {@code Lname<...>;} or {@code Lname.}. */
    private static void descriptorClasses(String descriptor, Set<String> out) {
        int i = descriptor.indexOf('L');
        while (i >= 0 && i < descriptor.length()) {
            boolean atTypeStart = i == 0 || "([;<>:)*+-^".indexOf(descriptor.charAt(i - 1)) >= 0;
            int end = i + 1;
            while (end < descriptor.length() && ";<.".indexOf(descriptor.charAt(end)) < 0) end++;
            if (atTypeStart && end < descriptor.length() && end > i + 1) {
                String name = descriptor.substring(i + 1, end);
                if (plausible(name)) out.add(name.replace('/', '.'));
            }
            i = descriptor.indexOf('L', i + 1);
        }
    }

    /** A name made of Java identifier characters and slashes (rules out text that only looks like a descriptor). */
    private static boolean plausible(String name) {
        for (int k = 0; k < name.length(); k++) {
            char ch = name.charAt(k);
            if (ch != '/' && !Character.isJavaIdentifierPart(ch)) return false;
        }
        return true;
    }
}
