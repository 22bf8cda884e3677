package com.example.hello;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The greeter of {@code META-INF/services/com.example.hello.Greeter}: its wording comes from greeting.properties. */
public class PoliteGreeter implements Greeter {
    private final String template;

    public PoliteGreeter() {
        Properties p = new Properties();
        try (InputStream in = PoliteGreeter.class.getResourceAsStream("/com/example/hello/greeting.properties")) {
            if (in == null) throw new IllegalStateException("greeting.properties is not on the class path");
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        template = p.getProperty("template");
    }

    @Override
    public String greet(String who) {
        return template.replace("{who}", who);
    }
}
