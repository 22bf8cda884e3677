package io.jdask.client;

import io.jdask.Client;
import io.jdask.LocalCluster;

/**
 * A small program run in a fresh JVM by {@link QuietStartTest}: a LocalCluster with one worker process, given a JVM
 * option, and one task whose argument and result are records.
 */
public final class QuietProgram {
    private QuietProgram() {}

    record Point(int x, int y) {}

    static String describe(Point p) {
        return "flag=" + System.getProperty("acme.flag") + " sum=" + (p.x() + p.y());
    }

    public static void main(String[] args) throws Exception {
        try (LocalCluster cluster = LocalCluster.builder()
                        .workers(1)
                        .memoryLimit("128MB")
                        .dashboardPort(-1)
                        .workerJvmOptions("-Dacme.flag=on")
                        .build();
                Client client = Client.connect(cluster)) {
            System.out.println(
                    client.submit(QuietProgram::describe, new Point(2, 3)).result());
        }
    }
}
