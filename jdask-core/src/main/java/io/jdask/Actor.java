package io.jdask;

/**
 * A handle on one object living on one worker ({@code client.submitActor(Counter::new).result()}). Calls go from
 * the caller straight to that worker, not through the scheduler, and run there one at a time in arrival order.
 * A handle can be passed into tasks. Holding the handle keeps the actor alive; if its worker dies, calls fail with
 * {@link ActorLostException}.
 *
 * {@snippet :
 * Actor<Counter> counter = client.submitActor(Counter::new).result();
 * ActorFuture<Integer> one = counter.call(Counter::increment);
 * int n = counter.call(Counter::getCount).result();
 * }
 */
public interface Actor<T> extends java.io.Serializable {
    /** The actor's key (the key of the task that created it). */
    String key();

    /** The address of the worker holding the actor. */
    String worker();

    /** Calls a method of the actor, e.g. {@code counter.call(Counter::increment)}; returns at once. */
    <R> ActorFuture<R> call(Fn1<? super T, ? extends R> method);

    /** Calls a method with one argument, e.g. {@code counter.call(Counter::add, 5)}. */
    <A, R> ActorFuture<R> call(Fn2<? super T, ? super A, ? extends R> method, A a);

    /** Calls a method with two arguments. */
    <A, B, R> ActorFuture<R> call(Fn3<? super T, ? super A, ? super B, ? extends R> method, A a, B b);

    /** Calls a method with three arguments. */
    <A, B, C, R> ActorFuture<R> call(
            Fn4<? super T, ? super A, ? super B, ? super C, ? extends R> method, A a, B b, C c);

    /** Calls a method with four arguments. */
    <A, B, C, D, R> ActorFuture<R> call(
            Fn5<? super T, ? super A, ? super B, ? super C, ? super D, ? extends R> method, A a, B b, C c, D d);

    /**
     * Calls a method with five arguments (the most a task function takes: {@link Fn6} has the actor and five). A method
     * that needs more takes a record of them.
     */
    <A, B, C, D, E, R> ActorFuture<R> call(
            Fn6<? super T, ? super A, ? super B, ? super C, ? super D, ? super E, ? extends R> method,
            A a,
            B b,
            C c,
            D d,
            E e);
}
