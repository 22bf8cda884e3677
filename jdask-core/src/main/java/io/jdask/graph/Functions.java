package io.jdask.graph;

import io.jdask.Fn;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;

/**
 * Names and identities of task functions.
 *
 * <p>A serializable lambda or method reference can be asked for its {@link SerializedLambda}, which says which
 * method it calls: {@code Tutorial::inc} is {@code Tutorial.inc(I)I}. That gives the key prefix ({@code inc}),
 * the label in pictures and the dashboard, and the identity hashed into {@code pure()} tokens. Lambda bodies are
 * compiled to methods named {@code lambda$...}; those are named {@code lambda}, as Dask names Python lambdas.
 *
 * <p>Asking costs a reflective call, so the per-class facts are cached in a {@link ClassValue}: a lambda's class
 * is shared by every evaluation of the same lambda expression. Only captured values differ between instances;
 * they are read per instance, and only when a token is needed.
 */
public final class Functions {
    private Functions() {}

    /** What is known of a function class. {@code identity} is null when the class cannot be identified stably. */
    private record Meta(String name, String identity, boolean capturing, Method writeReplace) {}

    /** Filled from the first instance seen: a lambda class says what it calls only through an instance. */
    private static final class Holder {
        volatile Meta meta;
    }

    private static final ClassValue<Holder> META = new ClassValue<>() {
        @Override
        protected Holder computeValue(Class<?> type) {
            return new Holder();
        }
    };

    private static Meta meta(Fn fn) {
        Holder holder = META.get(fn.getClass());
        Meta meta = holder.meta;
        if (meta == null) holder.meta = meta = inspect(fn);
        return meta;
    }

    /** The short name of {@code fn} for keys and labels: {@code inc}, {@code lambda}, or a class's simple name. */
    public static String name(Fn fn) {
        if (fn instanceof Builtins b) return b.functionName();
        return meta(fn).name();
    }

    /**
     * The parts that identify {@code fn} for a deterministic token: its implementing method, and for a lambda the
     * values it captured. Returns null when {@code fn} cannot be identified stably.
     */
    public static List<Object> identity(Fn fn) {
        if (fn instanceof Builtins b) return List.of("io.jdask.builtin." + b.name());
        Meta meta = meta(fn);
        if (meta.identity() == null) return null;
        List<Object> parts = new ArrayList<>(2);
        parts.add(meta.identity());
        if (meta.capturing()) {
            SerializedLambda sl = serializedLambda(meta.writeReplace(), fn);
            if (sl == null) return null;
            for (int i = 0; i < sl.getCapturedArgCount(); i++) parts.add(sl.getCapturedArg(i));
        }
        return parts;
    }

    private static Meta inspect(Fn fn) {
        Class<?> type = fn.getClass();
        if (type.isSynthetic() || type.isHidden()) {
            try {
                Method writeReplace = type.getDeclaredMethod("writeReplace");
                writeReplace.setAccessible(true);
                if (writeReplace.invoke(fn) instanceof SerializedLambda sl) return fromLambda(sl, writeReplace);
            } catch (ReflectiveOperationException | RuntimeException notSerializableLambda) {
                // A lambda whose target type is not Serializable; it cannot be identified or shipped.
            }
            return new Meta("lambda", null, false, null);
        }
        // A named class implementing Fn: its name identifies it when it has no instance state.
        String simple = type.getSimpleName();
        String name = simple.isEmpty() ? "fn" : decapitalize(simple);
        boolean stateless = java.util.Arrays.stream(type.getDeclaredFields())
                .allMatch(f -> java.lang.reflect.Modifier.isStatic(f.getModifiers()));
        return new Meta(name, stateless && !type.isAnonymousClass() ? type.getName() : null, false, null);
    }

    private static Meta fromLambda(SerializedLambda sl, Method writeReplace) {
        String method = sl.getImplMethodName();
        String implClass = sl.getImplClass().replace('/', '.');
        String name;
        if (method.startsWith("lambda$")) {
            name = "lambda";
        } else if (method.equals("<init>")) {
            int dot = implClass.lastIndexOf('.');
            name = decapitalize(implClass.substring(dot + 1).replace('$', '.'));
        } else {
            name = method;
        }
        String identity = implClass + "." + method + sl.getImplMethodSignature();
        return new Meta(name, identity, sl.getCapturedArgCount() > 0, writeReplace);
    }

    private static SerializedLambda serializedLambda(Method writeReplace, Object fn) {
        try {
            return writeReplace.invoke(fn) instanceof SerializedLambda sl ? sl : null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    private static String decapitalize(String s) {
        if (s.isEmpty() || Character.isLowerCase(s.charAt(0))) return s;
        return Character.toLowerCase(s.charAt(0)) + s.substring(1);
    }
}
