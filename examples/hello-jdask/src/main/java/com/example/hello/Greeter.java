package com.example.hello;

/** A service the program's jar provides (listed in {@code META-INF/services}); tasks find it with ServiceLoader. */
public interface Greeter {
    String greet(String who);
}
