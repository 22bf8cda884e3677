package io.jdask.codegen;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The checked-in generated API is exactly what {@link ApiGenerator} writes now. */
class GeneratedSourcesTest {
    @Test
    void checkedInSourcesMatchTheGenerator() throws Exception {
        Path core = Path.of("").toAbsolutePath();
        for (var e : ApiGenerator.generate().entrySet()) {
            Path file = core.resolve(e.getKey());
            assertThat(file)
                    .as("generated file %s exists (run ./jdask regen-api)", e.getKey())
                    .exists();
            assertThat(Files.readString(file))
                    .as("%s is stale: run ./jdask regen-api and commit the result", e.getKey())
                    .isEqualTo(e.getValue());
        }
    }

    @Test
    void everyArityHasAllValueAndRefCombinations() {
        String six = ApiGenerator.generate().get("src/main/java/io/jdask/DelayedFunction6.java");
        assertThat(six.split("public Delayed<R> call\\(", -1)).hasSize(1 + 64);
        assertThat(six).contains("call(Ref<? extends A> a, B b, Ref<? extends C> c, D d, E e, Ref<? extends F> f)");
    }
}
