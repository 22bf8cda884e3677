package io.jdask.protocol;

/** How a {@link CoordOp} ended. */
public enum CoordOutcome {
    /** Done; the reply carries the value or number if the operation returns one. */
    OK,
    /** The wait reached its timeout (a non-waiting try that failed also says TIMEOUT). */
    TIMEOUT,
    /** Refused; the reply's {@code error} says why (e.g. releasing a lock this handle does not hold). */
    FAILED
}
