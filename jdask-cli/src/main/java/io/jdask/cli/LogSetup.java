package io.jdask.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/*
 * Design note. Why logging is configured in code and not by a logback.xml in the jar.
 *
 * Every worker JVM of a LocalCluster configures logging before it can register, and logback's XML configuration
 * (Joran: an XML parser, a model, reflection over every element) was the largest single part of a worker's start:
 * measured on a 2-core machine, 1.5-1.7 s of a JVM's first logger call with the XML file against 0.35-0.65 s without
 * it, under the same load. This class sets up the same thing (one console appender on stderr, Netty and Fory at
 * WARN, the root level from the system property jdask.log.level, INFO by default) with a few constructor calls.
 *
 * Logback finds it through ServiceLoader (META-INF/services) and runs it before its own XML lookup. A user's own
 * configuration still wins: if logback.configurationFile is set, or a logback-test.xml or logback.xml is on the class
 * path (jdask's jars no longer carry one), this does nothing and lets logback read that file as usual.
 */
/** The default logging set-up of the jdask command and its worker processes; see the note above. */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_LOW_PRIORITY)
public final class LogSetup extends ContextAwareBase implements Configurator {
    /** The system property that sets the root level (the setting {@code jdask.log.level}); INFO when absent. */
    public static final String LEVEL_PROPERTY = "jdask.log.level";

    static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{20} - %msg%n";

    /** For ServiceLoader. */
    public LogSetup() {}

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (userConfiguration(Thread.currentThread().getContextClassLoader())) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(rootLevel(configuredLevel()));
        root.addAppender(stderr);
        context.getLogger("io.netty").setLevel(Level.WARN);
        context.getLogger("org.apache.fory").setLevel(Level.WARN);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /**
     * The {@code jdask.log.level} setting (settings file, {@code JDASK_LOG_LEVEL}, this property). A bad value there
     * must not break logging itself: it is reported, and the level stays INFO.
     */
    private static String configuredLevel() {
        try {
            return io.jdask.Settings.current().get(io.jdask.Settings.LOG_LEVEL);
        } catch (IllegalArgumentException e) {
            System.err.println("jdask: " + e.getMessage());
            return null;
        }
    }

    /** The root level for the property's value: the named level, or INFO when it is absent or unknown. */
    static Level rootLevel(String value) {
        return value == null || value.isBlank() ? Level.INFO : Level.toLevel(value.trim(), Level.INFO);
    }

    /** True when logback would find a configuration file of the user's. */
    static boolean userConfiguration(ClassLoader loader) {
        if (System.getProperty("logback.configurationFile") != null) return true;
        ClassLoader l = loader != null ? loader : LogSetup.class.getClassLoader();
        return l.getResource("logback-test.xml") != null || l.getResource("logback.xml") != null;
    }
}
