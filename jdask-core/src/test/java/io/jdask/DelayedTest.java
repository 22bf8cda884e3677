package io.jdask;

import static io.jdask.Dask.all;
import static io.jdask.Dask.delayed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jdask.graph.DataNode;
import io.jdask.graph.Task;
import io.jdask.graph.TaskRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DelayedTest {

    @Test
    void callBuildsATaskWithoutRunningIt() {
        Tutorial.CALLS.set(0);
        Delayed<Integer> x = delayed(Tutorial::counted).call(1);
        assertThat(Tutorial.CALLS).hasValue(0);
        assertThat(x.key()).matches("counted-[0-9a-f]{32}");
        assertThat(x.compute()).isEqualTo(1);
        assertThat(Tutorial.CALLS).hasValue(1);
    }

    @Test
    void delayedArgumentsBecomeDependencies() {
        Delayed<Integer> x = delayed(Tutorial::inc).call(1);
        Delayed<Integer> y = delayed(Tutorial::inc).call(2);
        Delayed<Integer> z = delayed(Tutorial::add).call(x, y);
        assertThat(z.graph().size()).isEqualTo(3);
        assertThat(z.graph().dependencies(z.key())).containsExactly(x.key(), y.key());
        assertThat(z.graph().dependents(x.key())).containsExactly(z.key());
        assertThat(z.node()).isInstanceOf(Task.class);
        assertThat(((Task) z.node()).arg(0)).isEqualTo(new TaskRef(x.key()));
        assertThat(z.compute()).isEqualTo(5);
        assertThat(z.toString()).isEqualTo("Delayed('" + z.key() + "')");
    }

    @Test
    void eachCallOfAnImpureFunctionIsItsOwnTask() {
        Delayed<Integer> a = delayed(Tutorial::inc).call(1);
        Delayed<Integer> b = delayed(Tutorial::inc).call(1);
        assertThat(a.key()).isNotEqualTo(b.key());
    }

    @Test
    void pureCallsWithEqualArgumentsShareOneKeyAndRunOnce() {
        Tutorial.CALLS.set(0);
        var counted = delayed(Tutorial::counted).pure();
        Delayed<Integer> a = counted.call(7);
        Delayed<Integer> b = counted.call(7);
        Delayed<Integer> c = counted.call(8);
        assertThat(a.key()).isEqualTo(b.key()).startsWith("counted-");
        assertThat(c.key()).isNotEqualTo(a.key());
        assertThat(Dask.compute(a, b, c)).containsExactly(7, 7, 8);
        assertThat(Tutorial.CALLS).hasValue(2);
        // Different functions with the same arguments never share a key.
        assertThat(delayed(Tutorial::inc).pure().call(7).key())
                .isNotEqualTo(delayed(Tutorial::dec).pure().call(7).key());
    }

    @Test
    void computeOfSeveralValuesSharesTheirDependencies() {
        Tutorial.CALLS.set(0);
        Delayed<Integer> shared = delayed(Tutorial::counted).call(10);
        Delayed<Integer> a = delayed(Tutorial::inc).call(shared);
        Delayed<Integer> b = delayed(Tutorial::dec).call(shared);
        List<Integer> out = Dask.compute(a, b, a);
        assertThat(out).containsExactly(11, 9, 11);
        assertThat(Tutorial.CALLS).hasValue(1);
    }

    @Test
    void nameAndKeyOptions() {
        assertThat(delayed(Tutorial::inc).name("load-a").call(1).key()).startsWith("load-a-");
        assertThat(delayed(Tutorial::inc).key("exactly-this").call(1).key()).isEqualTo("exactly-this");
        assertThat(delayed((Integer v) -> v + 1).call(1).key()).startsWith("lambda-");
        assertThatThrownBy(() -> delayed(Tutorial::inc).name(" ")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void optionsOnAReusedFunctionDoNotLeakIntoLaterCalls() {
        // delayed(f) reuses its spec for the same function object; options must still apply to one chain only.
        Fn1<Integer, Integer> inc = Tutorial::inc;
        assertThat(delayed(inc).name("first").pure().call(1).key()).startsWith("first-");
        Delayed<Integer> plain = delayed(inc).call(1);
        assertThat(plain.key()).startsWith("inc-");
        assertThat(delayed(inc).call(1).key())
                .as("impure again: a fresh key per call")
                .isNotEqualTo(plain.key());
        assertThat(delayed(Tutorial::dec).call(1).key())
                .as("another function, its own name")
                .startsWith("dec-");
        assertThat(delayed(inc).call(41).compute()).isEqualTo(42);
    }

    @Test
    void allCollectsManyValuesIntoOneArgument() {
        List<Delayed<Integer>> results = new ArrayList<>();
        for (int x : List.of(1, 2, 3, 4, 5, 6, 7, 8))
            results.add(delayed(Tutorial::inc).call(x));
        Delayed<Integer> total = delayed(Tutorial::sum).call(all(results));
        assertThat(total.graph().size()).isEqualTo(8 + 1 + 1);
        assertThat(total.compute()).isEqualTo(44);
    }

    @Test
    void delayedInsideListsMapsAndArraysIsFoundAtRunTime() {
        Delayed<Integer> one = delayed(Tutorial::inc).call(0);
        Delayed<Integer> two = delayed(Tutorial::inc).call(1);
        Delayed<Object> fromList = delayed((Object o) -> o).call(List.of(one, List.of(two, 5)));
        assertThat(fromList.compute()).isEqualTo(List.of(1, List.of(2, 5)));
        Delayed<Object> fromMap = delayed((Object o) -> o).call(Map.of("a", one));
        assertThat(fromMap.compute()).isEqualTo(Map.of("a", 1));
        Delayed<List<Object>> fromArray =
                delayed((Object o) -> List.of((Object[]) o)).call(new Object[] {one, two});
        assertThat(fromArray.compute()).isEqualTo(List.<Object>of(1, 2));
        assertThat(fromArray.graph().dependencies(fromArray.key())).containsExactlyInAnyOrder(one.key(), two.key());
    }

    @Test
    void delayedOfAValue() {
        Delayed<String> s = delayed("hello");
        assertThat(s.node()).isInstanceOf(DataNode.class);
        assertThat(s.key()).startsWith("string-");
        assertThat(s.then(String::length).compute()).isEqualTo(5);
        Delayed<List<Delayed<Integer>>> listOfRefs =
                delayed(List.of(delayed(Tutorial::inc).call(1)));
        assertThat((Object) listOfRefs.compute()).isEqualTo(List.of(2));
    }

    @Test
    void thenAndCombineAreDaskOperatorsOnDelayed() {
        Delayed<Integer> a = delayed(Tutorial::inc).call(1);
        Delayed<Integer> b = delayed(Tutorial::inc).call(2);
        Delayed<Integer> sum = a.combine(b, Integer::sum);
        assertThat(sum.compute()).isEqualTo(5);
        assertThat(sum.then(v -> v * 10).compute()).isEqualTo(50);
    }

    @Test
    void persistReturnsAValueBackedByTheResultUnderTheSameKey() {
        Tutorial.CALLS.set(0);
        Delayed<Integer> x = delayed(Tutorial::counted).call(3);
        Delayed<Integer> p = x.persist();
        assertThat(p.key()).isEqualTo(x.key());
        assertThat(p.node()).isInstanceOf(DataNode.class);
        assertThat(delayed(Tutorial::inc).call(p).compute()).isEqualTo(4);
        assertThat(p.compute()).isEqualTo(3);
        assertThat(Tutorial.CALLS).hasValue(1);
        assertThat(Dask.persist(x, x)).extracting(Delayed::key).containsExactly(x.key(), x.key());
    }

    @Test
    void aLongChainBuildsAndComputesWithoutStackOverflow() {
        Delayed<Integer> x = delayed(0);
        for (int i = 0; i < 200_000; i++) x = delayed(Tutorial::inc).call(x);
        assertThat(x.compute()).isEqualTo(200_000);
        assertThat(x.compute(Scheduler.SYNC)).isEqualTo(200_000);
    }

    @Test
    void anFnThatIsNoneOfTheArityInterfacesIsRejected() {
        Fn notCallable = new Fn() {};
        assertThatThrownBy(() -> new Task("k", notCallable))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("none of Fn0..Fn6");
    }

    @Test
    void wrongArgumentCountInAHandBuiltTaskIsRejected() {
        assertThatThrownBy(() -> new Task("add-1", (Fn2<Integer, Integer, Integer>) Tutorial::add, 1))
                .hasMessageContaining("takes 2 argument(s) but was given 1");
    }
}
