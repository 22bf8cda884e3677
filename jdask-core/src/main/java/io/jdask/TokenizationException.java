package io.jdask;

import java.io.Serial;

/**
 * A {@code pure()} task's function or argument has no stable token, and strict tokenization is on
 * ({@code -Djdask.tokenize.strict=true}). Without strict mode such a task silently gets a unique key instead,
 * as an impure task would. Fix it by passing values that tokenize (primitives, strings, enums, records,
 * collections and arrays of those), by implementing {@link Tokenizable}, or by dropping {@code pure()}.
 */
public class TokenizationException extends IllegalArgumentException {
    @Serial
    private static final long serialVersionUID = 1L;

    public TokenizationException(String message) {
        super(message);
    }
}
