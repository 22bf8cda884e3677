package io.jdask.spi;

import io.jdask.Fn;
import io.jdask.Future;
import java.util.List;

/** Implemented by jdask's client next to {@link io.jdask.Client}: where the generated overloads submit to. */
public interface ClientRuntime {

    /** Submits one call; {@code args} is a fresh array the implementation may keep. */
    <R> Future<R> submitCall(Fn fn, Object[] args);

    /** Submits one call per argument array, in one batch. */
    <R> List<Future<R>> mapCall(Fn fn, List<Object[]> calls);
}
