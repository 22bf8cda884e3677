package io.jdask.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** When jdask replaces the JDK's sun.misc.Unsafe warning by its own line (the decision; the JVM test is in client). */
class QuietStartTest {
    @Test
    void jdk21To23NeverWarnAndAFlagOrTheUsersChoiceKeepsJdaskOut() {
        assertThat(QuietStart.foryWouldWarn(21, null, false, "jdask")).isFalse();
        assertThat(QuietStart.foryWouldWarn(23, null, false, "jdask")).isFalse();
        assertThat(QuietStart.foryWouldWarn(25, "allow", false, "jdask")).isFalse();
        assertThat(QuietStart.foryWouldWarn(25, null, true, "jdask"))
                .as("java.lang.invoke open")
                .isFalse();
        assertThat(QuietStart.foryWouldWarn(25, null, false, "jdk")).isFalse();
    }

    @Test
    void jdk24WarnsUnlessAllowedAnd25UnlessInvokeIsOpen() {
        assertThat(QuietStart.foryWouldWarn(24, null, true, "jdask")).isTrue();
        assertThat(QuietStart.foryWouldWarn(24, "warn", false, "jdask")).isTrue();
        assertThat(QuietStart.foryWouldWarn(25, null, false, "jdask")).isTrue();
        assertThat(QuietStart.foryWouldWarn(26, "debug", false, "jdask")).isTrue();
    }

    @Test
    void theLineIsOneLineNamingTheFlags() {
        assertThat(QuietStart.line(25))
                .doesNotContain("\n")
                .doesNotStartWith("WARNING")
                .contains("--add-opens=java.base/java.lang.invoke=ALL-UNNAMED")
                .contains("--sun-misc-unsafe-memory-access=allow");
        assertThat(QuietStart.line(24)).doesNotContain("--add-opens").contains("--sun-misc-unsafe-memory-access=allow");
    }
}
