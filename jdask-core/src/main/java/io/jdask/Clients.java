package io.jdask;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/** Helpers behind {@link Client}'s static factories. */
final class Clients {
    private Clients() {}

    /**
     * A client whose {@code close()} also closes the cluster it was started with. Implemented as a thin proxy so
     * the wrapped client keeps every interface it implements (the runtime's internal ones included).
     */
    static Client closingCluster(Client client, LocalCluster cluster) {
        Class<?>[] interfaces = client.getClass().getInterfaces();
        InvocationHandler handler = new InvocationHandler() {
            @Override
            public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
                try {
                    return method.invoke(client, args);
                } catch (java.lang.reflect.InvocationTargetException e) {
                    throw e.getCause();
                } finally {
                    if (method.getName().equals("close") && method.getParameterCount() == 0) cluster.close();
                }
            }
        };
        return (Client)
                Proxy.newProxyInstance(client.getClass().getClassLoader(), allInterfaces(client.getClass()), handler);
    }

    private static Class<?>[] allInterfaces(Class<?> type) {
        java.util.LinkedHashSet<Class<?>> all = new java.util.LinkedHashSet<>();
        for (Class<?> c = type; c != null; c = c.getSuperclass()) java.util.Collections.addAll(all, c.getInterfaces());
        return all.toArray(new Class<?>[0]);
    }
}
