package io.jdask.graph;

import io.jdask.Fn;

/** A task function taking any number of arguments, for jdask's own built-in tasks such as collecting a list. */
@FunctionalInterface
public interface VarFn extends Fn {
    Object applyAll(Object[] args) throws Exception;
}
