package io.jdask.protocol;

import java.lang.reflect.Field;

/**
 * Keeps a user's JVM free of the JDK's four-line {@code sun.misc.Unsafe} warning, which Apache Fory (the serializer)
 * would set off at its first use on JDK 24 and later.
 *
 * <p>Where it comes from: on JDK 25+, Fory 1.6's own path needs {@code java.lang.invoke} opened to it
 * ({@code --add-opens=java.base/java.lang.invoke=ALL-UNNAMED}) and falls back to {@code sun.misc.Unsafe} without
 * that, when it builds its first instance (string internals); on JDK 24 it uses {@code sun.misc.Unsafe} throughout.
 * No Fory release changes this (1.6.1 and the main line keep the fallback), and a library cannot open a JDK package
 * or allow the access from inside a running JVM. JDK 21-23 print nothing by default.
 *
 * <p>What it does: when the JVM was started with neither flag, before Fory is first used, it marks the JDK's one-time
 * warning as given (a field of {@code sun.misc.Unsafe}, whose package the JDK opens to everyone) and prints one line
 * naming the flags instead. Marking it silences the JDK's warning for other libraries that touch
 * {@code sun.misc.Unsafe} later as well, which the line says. {@code -Djdask.unsafe-notice=jdk} leaves the JDK's
 * warning alone (and prints nothing of jdask's). Nothing is done when either flag is given: ./jdask and LocalCluster's
 * worker processes pass {@code --sun-misc-unsafe-memory-access=allow}.
 */
final class QuietStart {
    private QuietStart() {}

    /** What {@link #beforeFory} did, once per JVM: true when it replaced the JDK's warning by jdask's line. */
    private static final boolean REPLACED = replaceWarning();

    /** Runs once, before the first Fory instance of this JVM is built; later calls cost nothing. */
    static boolean beforeFory() {
        return REPLACED;
    }

    private static boolean replaceWarning() {
        int feature = Runtime.version().feature();
        if (!foryWouldWarn(
                feature,
                System.getProperty("sun.misc.unsafe.memory.access"),
                Object.class.getModule().isOpen("java.lang.invoke", QuietStart.class.getModule()),
                io.jdask.Settings.current().get(io.jdask.Settings.UNSAFE_NOTICE))) {
            return false;
        }
        try {
            Field warned = Class.forName("sun.misc.Unsafe").getDeclaredField("memoryAccessWarned");
            warned.setAccessible(true);
            if (warned.getBoolean(null)) return false; // the JDK has spoken already
            warned.setBoolean(null, true);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return false; // another JDK: its own warning stays
        }
        System.err.println(line(feature));
        return true;
    }

    /**
     * Whether Fory's first use would print the JDK's warning: JDK 24+, memory access not allowed on the command line,
     * and (on 25+) {@code java.lang.invoke} not open to jdask's module; unless the user asked for the JDK's own
     * warning ({@code notice} {@code jdk}).
     */
    static boolean foryWouldWarn(int feature, String memoryAccess, boolean invokeOpen, String notice) {
        if (feature < 24 || "jdk".equalsIgnoreCase(notice)) return false;
        if ("allow".equals(memoryAccess)) return false;
        return feature < 25 || !invokeOpen;
    }

    /** jdask's one line, naming the flag that keeps Fory off {@code sun.misc.Unsafe} or the one that allows it. */
    static String line(int feature) {
        String flags = feature >= 25
                ? "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED (so that it does without) or"
                        + " --sun-misc-unsafe-memory-access=allow"
                : "--sun-misc-unsafe-memory-access=allow";
        return "jdask: its serializer uses sun.misc.Unsafe on this JDK, whose warning about it is off for this JVM;"
                + " start java with " + flags + " to silence this line";
    }
}
