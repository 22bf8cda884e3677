package io.jdask;

/** What {@code client.gather} does with a future whose task failed. */
public enum Errors {
    /** Throw the first failure (the default). */
    RAISE,
    /** Leave failed or cancelled futures out of the result list. */
    SKIP
}
