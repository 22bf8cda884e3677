package io.jdask;

/**
 * Lets a type supply its own token for {@code pure()} task keys, as Dask's {@code __dask_tokenize__} does.
 * Two values with equal tokens must be interchangeable as task arguments.
 */
public interface Tokenizable {

    /**
     * A value standing for this object in a token: a string, number, or list/record of such values. It must be
     * the same in every JVM for equal objects (so not an identity hash code).
     */
    Object daskToken();
}
