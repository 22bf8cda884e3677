#!/usr/bin/python3
"""Dask's side of the delayed benchmarks: the three graph shapes of jdask-bench's Graphs.java, built with
dask.delayed and computed with the "threads" and "sync" schedulers.

Run with Debian's Python, which has Dask 2022.12 (apt-get install python3-dask python3-distributed):

    /usr/bin/python3 jdask-bench/dask/delayed_bench.py [--reps 5] [--fanout-n 20000] [--chain-n 5000] [--tree-n 20000]

Shapes (the same functions as the Java side, all no-ops in cost):
  fanout  n noop(i) tasks, then one sum over the list            calls: n + 1
  chain   inc(0), then n - 1 incs each of the previous             calls: n
  tree    n noop(i) leaves, pairwise add levels (odd: carry up)    calls: 2n - 1

For each shape it times building the graph (the delayed(...)(...) calls) and dask.compute on each scheduler,
repeats that --reps times and prints the medians as per-call rates, one line per shape:

    RESULT shape=fanout n=20000 calls=20001 build_per_s=31000 threads_per_s=18000 sync_per_s=30000

Lines starting with '#' are comments. N is smaller than jdask's 100,000 so that the run finishes in a minute or
so: Dask computes about 10-20 thousand tasks a second here, and building a chain is quadratic in its length
(each delayed call merges its inputs' HighLevelGraph layers, which for a chain hold every earlier task), so the
chain's build rate falls in proportion to n and is only comparable at the n printed.
"""
import argparse
import gc
import statistics
import sys
import time

import dask
from dask import delayed


def noop(x):
    return x


def inc(x):
    return x + 1


def add(a, b):
    return a + b


def fanout(n):
    leaves = [delayed(noop)(i) for i in range(n)]
    return delayed(sum)(leaves)


def chain(n):
    x = delayed(inc)(0)
    for _ in range(1, n):
        x = delayed(inc)(x)
    return x


def tree(n):
    level = [delayed(noop)(i) for i in range(n)]
    while len(level) > 1:
        nxt = [delayed(add)(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2 == 1:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def triangle(n):
    return n * (n - 1) // 2


# name -> (builder, calls made for n, expected value for n)
SHAPES = {
    "fanout": (fanout, lambda n: n + 1, triangle),
    "chain": (chain, lambda n: n, lambda n: n),
    "tree": (tree, lambda n: 2 * n - 1, triangle),
}


def timed(f):
    gc.collect()
    start = time.perf_counter()
    value = f()
    return time.perf_counter() - start, value


def measure(shape, n, reps):
    build, calls_of, expected_of = SHAPES[shape]
    calls, expected = calls_of(n), expected_of(n)
    builds, threads, syncs = [], [], []
    for _ in range(reps):
        seconds, graph = timed(lambda: build(n))
        builds.append(seconds)
        for scheduler, times in (("threads", threads), ("sync", syncs)):
            seconds, (value,) = timed(lambda: dask.compute(graph, scheduler=scheduler))
            if value != expected:
                sys.exit(f"{shape}({n}) computed {value} on {scheduler}, expected {expected}")
            times.append(seconds)
        del graph
    rate = lambda times: calls / statistics.median(times)
    print(f"RESULT shape={shape} n={n} calls={calls} build_per_s={rate(builds):.0f} "
          f"threads_per_s={rate(threads):.0f} sync_per_s={rate(syncs):.0f}", flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--reps", type=int, default=5, help="repetitions per figure; medians are printed")
    p.add_argument("--fanout-n", type=int, default=20_000)
    p.add_argument("--chain-n", type=int, default=5_000)
    p.add_argument("--tree-n", type=int, default=20_000)
    a = p.parse_args()
    print(f"# dask {dask.__version__}, python {sys.version.split()[0]}, median of {a.reps} repetitions, "
          f"threads scheduler with its default pool (one thread per core)", flush=True)
    measure("fanout", a.fanout_n, a.reps)
    measure("chain", a.chain_n, a.reps)
    measure("tree", a.tree_n, a.reps)


if __name__ == "__main__":
    main()
