package io.jdask.scheduler.state;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The state machine stays pure: no network, no threads or executors, no clock, no files, no randomness. The
 * vocabulary it shares with the worker's state machine ({@code io.jdask.protocol.state}) is held to the same rules.
 */
@AnalyzeClasses(
        packages = {"io.jdask.scheduler.state", "io.jdask.protocol.state"},
        importOptions = ImportOption.DoNotIncludeTests.class)
class PurityArchTest {
    private static final String STATE = "io.jdask.scheduler.state..";
    private static final String SHARED = "io.jdask.protocol.state..";

    @ArchTest
    static final ArchRule noNetty = noClasses()
            .that()
            .resideInAnyPackage(STATE, SHARED)
            .should()
            .dependOnClassesThat()
            .resideInAPackage("io.netty..");

    @ArchTest
    static final ArchRule noConcurrency = noClasses()
            .that()
            .resideInAnyPackage(STATE, SHARED)
            .should()
            .dependOnClassesThat()
            .resideInAPackage("java.util.concurrent..")
            .orShould()
            .dependOnClassesThat()
            .areAssignableTo(Thread.class)
            .orShould()
            .dependOnClassesThat()
            .areAssignableTo(Runnable.class)
            .because("one thread owns the state; the shell does the threading");

    @ArchTest
    static final ArchRule noClock = noClasses()
            .that()
            .resideInAnyPackage(STATE, SHARED)
            .should()
            .callMethod(System.class, "nanoTime")
            .orShould()
            .callMethod(System.class, "currentTimeMillis")
            .orShould()
            .dependOnClassesThat()
            .resideInAPackage("java.time..")
            .because("time comes on the events, so a replay is deterministic");

    @ArchTest
    static final ArchRule noRandomness = noClasses()
            .that()
            .resideInAnyPackage(STATE, SHARED)
            .should()
            .callMethod(Math.class, "random")
            .orShould()
            .dependOnClassesThat()
            .areAssignableTo(java.security.SecureRandom.class);

    @ArchTest
    static final ArchRule noFiles = noClasses()
            .that()
            .resideInAnyPackage(STATE, SHARED)
            .should()
            .dependOnClassesThat(JavaClass.Predicates.resideInAPackage("java.io")
                    .and(DescribedPredicate.not(JavaClass.Predicates.equivalentTo(java.io.Serializable.class))))
            .orShould()
            .dependOnClassesThat()
            .resideInAPackage("java.nio.file..");
}
