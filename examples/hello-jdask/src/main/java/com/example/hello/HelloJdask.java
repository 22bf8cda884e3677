package com.example.hello;

import io.jdask.Client;
import io.jdask.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * A program that uses a jdask cluster whose workers do not have its jar: its classes, its {@code META-INF/services}
 * entry and its properties file reach them from this program.
 *
 * <pre>
 *   java -cp hello-jdask-1.0.jar:DEPENDENCIES com.example.hello.HelloJdask tcp://127.0.0.1:8786
 * </pre>
 */
public class HelloJdask {
    /** One piece of work: the task's argument, a record of this program. */
    record Job(int id, String who) {}

    /** What a task returns: also a record of this program. */
    record Greeting(int id, String text) {}

    /** Runs on a worker: finds the greeter through ServiceLoader, which reads this jar's META-INF/services. */
    static Greeting greet(Job job) {
        List<String> texts = new ArrayList<>();
        for (Greeter g : ServiceLoader.load(Greeter.class)) texts.add(g.greet(job.who()));
        if (texts.isEmpty()) throw new IllegalStateException("no Greeter found through ServiceLoader on the worker");
        return new Greeting(job.id(), String.join(" / ", texts));
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: HelloJdask tcp://SCHEDULER:PORT");
            System.exit(2);
        }
        try (Client client = Client.connect(args[0])) {
            List<Future<Greeting>> futures = new ArrayList<>();
            String[] names = {"Ada", "Grace", "Barbara"};
            for (int i = 0; i < names.length; i++) futures.add(client.submit(HelloJdask::greet, new Job(i, names[i])));
            for (Future<Greeting> f : futures) {
                Greeting g = f.result();
                System.out.println("greeting " + g.id() + ": " + g.text());
            }
            System.out.println("hello-jdask: " + futures.size() + " greetings from " + client.nthreads().size()
                    + " worker(s)");
        }
    }
}
