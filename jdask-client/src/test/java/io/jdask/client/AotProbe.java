package io.jdask.client;

/** A main class for {@link ClassDataArchivesTest} to run in JVMs that record and use an AOT cache. */
public final class AotProbe {
    private AotProbe() {}

    public static void main(String[] args) {
        // Load a few JDK classes beyond the bare minimum, so that the recorded configuration is not empty.
        var m = new java.util.concurrent.ConcurrentHashMap<String, Integer>();
        m.put("probe", 42);
        System.out.println("probe " + m.get("probe"));
    }
}
