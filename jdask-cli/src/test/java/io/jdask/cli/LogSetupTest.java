package io.jdask.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.ConsoleAppender;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The in-code logging set-up that replaced the jar's logback.xml. */
class LogSetupTest {

    @Test
    void logbackFindsItAsAService() {
        assertThat(ServiceLoader.load(Configurator.class).stream()
                        .map(p -> (Object) p.type())
                        .toList())
                .contains((Object) LogSetup.class);
    }

    @Test
    void configuresOneStderrAppenderAndQuietLibraries() {
        LoggerContext context = new LoggerContext();
        LogSetup setup = new LogSetup();
        setup.setContext(context);
        Thread t = Thread.currentThread();
        ClassLoader previous = t.getContextClassLoader();
        t.setContextClassLoader(new URLClassLoader(new URL[0], null)); // sees no logback.xml of anyone's
        String level = System.getProperty(LogSetup.LEVEL_PROPERTY);
        System.setProperty(LogSetup.LEVEL_PROPERTY, "debug");
        try {
            assertThat(setup.configure(context)).isEqualTo(Configurator.ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
        } finally {
            t.setContextClassLoader(previous);
            if (level == null) System.clearProperty(LogSetup.LEVEL_PROPERTY);
            else System.setProperty(LogSetup.LEVEL_PROPERTY, level);
        }
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        assertThat(root.getLevel()).isEqualTo(Level.DEBUG);
        assertThat(root.getAppender("STDERR")).isInstanceOfSatisfying(ConsoleAppender.class, a -> {
            assertThat(a.getTarget()).isEqualTo("System.err");
            assertThat(a.isStarted()).isTrue();
        });
        assertThat(context.getLogger("io.netty.channel").getEffectiveLevel()).isEqualTo(Level.WARN);
        assertThat(context.getLogger("org.apache.fory.Fory").getEffectiveLevel())
                .isEqualTo(Level.WARN);
        assertThat(context.getLogger("io.jdask.worker.WorkerServer").getEffectiveLevel())
                .isEqualTo(Level.DEBUG);
    }

    @Test
    void rootLevelDefaultsToInfo() {
        assertThat(LogSetup.rootLevel(null)).isEqualTo(Level.INFO);
        assertThat(LogSetup.rootLevel(" ")).isEqualTo(Level.INFO);
        assertThat(LogSetup.rootLevel("nonsense")).isEqualTo(Level.INFO);
        assertThat(LogSetup.rootLevel(" WARN ")).isEqualTo(Level.WARN);
    }

    @Test
    void aUsersLogbackXmlWins(@TempDir Path dir) throws IOException {
        URLClassLoader none = new URLClassLoader(new URL[] {dir.toUri().toURL()}, null);
        assertThat(LogSetup.userConfiguration(none)).isFalse();
        Files.writeString(dir.resolve("logback.xml"), "<configuration/>");
        URLClassLoader withXml = new URLClassLoader(new URL[] {dir.toUri().toURL()}, null);
        assertThat(LogSetup.userConfiguration(withXml)).isTrue();

        LoggerContext context = new LoggerContext();
        LogSetup setup = new LogSetup();
        setup.setContext(context);
        Thread t = Thread.currentThread();
        ClassLoader previous = t.getContextClassLoader();
        t.setContextClassLoader(withXml);
        try {
            assertThat(setup.configure(context)).isEqualTo(Configurator.ExecutionStatus.INVOKE_NEXT_IF_ANY);
        } finally {
            t.setContextClassLoader(previous);
        }
        assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDERR"))
                .isNull();
    }
}
