package io.jdask.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jdask.Fn1;
import io.jdask.Tokenizable;
import io.jdask.TokenizationException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class TokensTest {
    record Point(int x, String label) {}

    static final class Opaque {}

    static final class Custom implements Tokenizable {
        final int id;

        Custom(int id) {
            this.id = id;
        }

        @Override
        public Object daskToken() {
            return id;
        }
    }

    static int inc(int x) {
        return x + 1;
    }

    @Test
    void uniqueTokensDoNotRepeat() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 100_000; i++) assertThat(seen.add(Tokens.unique())).isTrue();
        assertThat(Tokens.uniqueKey("inc")).matches("inc-[0-9a-f]{32}");
        // Names beyond Latin-1 take another path to the same shape.
        assertThat(Tokens.uniqueKey("größe")).matches("größe-[0-9a-f]{32}");
        String wide = Tokens.uniqueKey("計算");
        assertThat(wide).matches("計算-[0-9a-f]{32}").isNotEqualTo(Tokens.uniqueKey("計算"));
        assertThat(wide.substring(3, 19))
                .as("same JVM prefix on both paths")
                .isEqualTo(Tokens.uniqueKey("inc").substring(4, 20));
    }

    @Test
    void equalValuesGiveEqualTokens() {
        assertThat(Tokens.deterministic(1, "a", List.of(1, 2))).isEqualTo(Tokens.deterministic(1, "a", List.of(1, 2)));
        assertThat(Tokens.deterministic(new Point(1, "p"))).isEqualTo(Tokens.deterministic(new Point(1, "p")));
        assertThat(Tokens.deterministic(new int[] {1, 2})).isEqualTo(Tokens.deterministic(new int[] {1, 2}));
        assertThat(Tokens.deterministic(new Custom(4))).isEqualTo(Tokens.deterministic(new Custom(4)));
    }

    @Test
    void mapsAndSetsIgnoreIterationOrder() {
        Map<String, Integer> a = new LinkedHashMap<>();
        a.put("x", 1);
        a.put("y", 2);
        Map<String, Integer> b = new TreeMap<>(Map.of("y", 2, "x", 1));
        assertThat(Tokens.deterministic(a)).isEqualTo(Tokens.deterministic(b));
        assertThat(Tokens.deterministic(Set.of(1, 2, 3)))
                .isEqualTo(Tokens.deterministic(new java.util.TreeSet<>(Set.of(3, 2, 1))));
    }

    @Test
    void differentValuesOrTypesGiveDifferentTokens() {
        assertThat(Tokens.deterministic(1)).isNotEqualTo(Tokens.deterministic(2));
        assertThat(Tokens.deterministic(1)).isNotEqualTo(Tokens.deterministic(1L));
        assertThat(Tokens.deterministic("1")).isNotEqualTo(Tokens.deterministic(1));
        assertThat(Tokens.deterministic(List.of("ab", "c"))).isNotEqualTo(Tokens.deterministic(List.of("a", "bc")));
        assertThat(Tokens.deterministic(new Point(1, "p"))).isNotEqualTo(Tokens.deterministic(new Point(2, "p")));
        assertThat(Tokens.deterministic(new Custom(4))).isNotEqualTo(Tokens.deterministic(new Custom(5)));
    }

    @Test
    void functionsTokenizeByMethodAndCaptures() {
        Fn1<Integer, Integer> ref1 = TokensTest::inc;
        Fn1<Integer, Integer> ref2 = TokensTest::inc;
        assertThat(Tokens.deterministic(ref1)).isEqualTo(Tokens.deterministic(ref2));
        assertThat(Functions.name(ref1)).isEqualTo("inc");
        int offset = 10;
        Fn1<Integer, Integer> capturing = x -> x + offset;
        int other = 11;
        Fn1<Integer, Integer> capturingOther = x -> x + other;
        assertThat(Functions.name(capturing)).isEqualTo("lambda");
        assertThat(Tokens.deterministic(capturing)).isNotEqualTo(Tokens.deterministic(capturingOther));
    }

    @Test
    void anUntokenizableArgumentGivesNoTokenOrThrowsInStrictMode() {
        assertThat(Tokens.deterministic(1, new Opaque())).isNull();
        System.setProperty("jdask.tokenize.strict", "true");
        try {
            assertThatThrownBy(() -> Tokens.deterministic(List.of(new Opaque())))
                    .isInstanceOf(TokenizationException.class)
                    .hasMessageContaining(Opaque.class.getName())
                    .hasMessageContaining("Tokenizable");
        } finally {
            System.clearProperty("jdask.tokenize.strict");
        }
    }

    @Test
    void anUntokenizableArgumentMakesAPureCallImpure() {
        var f = io.jdask.Dask.delayed((Object o) -> 1).pure();
        Opaque opaque = new Opaque();
        assertThat(f.call(opaque).key()).isNotEqualTo(f.call(opaque).key());
        assertThat(f.call(3).key()).isEqualTo(f.call(3).key());
    }
}
