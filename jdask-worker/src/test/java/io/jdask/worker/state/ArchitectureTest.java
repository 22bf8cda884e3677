package io.jdask.worker.state;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The pure state package stays pure: no network, threads, clocks or files; so does the vocabulary it shares with
 * the scheduler's state machine ({@code io.jdask.protocol.state}).
 */
@AnalyzeClasses(
        packages = {"io.jdask.worker.state", "io.jdask.protocol.state"},
        importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
    @ArchTest
    static final ArchRule noNetty = noClasses()
            .that()
            .resideInAnyPackage("io.jdask.worker.state..", "io.jdask.protocol.state..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("io.netty..")
            .because("the state machine must not do I/O; the shell does");

    @ArchTest
    static final ArchRule noThreadsOrExecutors = noClasses()
            .that()
            .resideInAnyPackage("io.jdask.worker.state..", "io.jdask.protocol.state..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("java.util.concurrent..")
            .orShould()
            .dependOnClassesThat()
            .areAssignableTo(Thread.class)
            .orShould()
            .dependOnClassesThat()
            .areAssignableTo(Runnable.class)
            .because("one thread owns the state; concurrency belongs to the shell");

    @ArchTest
    static final ArchRule noClock = noClasses()
            .that()
            .resideInAnyPackage("io.jdask.worker.state..", "io.jdask.protocol.state..")
            .should()
            .callMethod(System.class, "nanoTime")
            .orShould()
            .callMethod(System.class, "currentTimeMillis")
            .orShould()
            .dependOnClassesThat()
            .resideInAPackage("java.time..")
            .because("time arrives on events so runs can be replayed");

    @ArchTest
    static final ArchRule noFiles = noClasses()
            .that()
            .resideInAnyPackage("io.jdask.worker.state..", "io.jdask.protocol.state..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("java.io..", "java.nio.file..", "java.net..")
            .because("the state machine must not do I/O; the shell does");
}
