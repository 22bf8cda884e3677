#!/usr/bin/python3
"""Dask's side of jdask-bench's MillionBench: the same delayed graph (leaves, partial sums, a total) computed with
dask.distributed on LocalCluster(n_workers=2, threads_per_worker=1, processes=True), at a smaller N.

Run with Debian's Python, which has Dask 2022.12 (apt-get install python3-distributed):

    /usr/bin/python3 jdask-bench/dask/million_bench.py [--n 10000] [--partials 10] [--reps 1]

Dask needs about 40 minutes for the 1,000,000-leaf graph on 2 cores (about 425 tasks/s), so the default is 10,000
leaves in 10 partial sums of 1,000 (the same slice size as jdask's 1,000 x 1,000), which runs in about a minute.
The graph: leaves delayed(noop)(i) (Dask's default pure=False: a fresh key per call, as in jdask), partial sums
delayed(sum)(slice), and a total delayed(sum)(partials). Dask puts a list argument inside the task that reads it,
so its graph has n + partials + 1 tasks where jdask's, with a node per all(...), has n + 2 * partials + 2; rates are
per task of each library's own graph.

Figures (RESULT lines, as MillionBench's):
  build             making the Delayed objects                                                  s
  send              client.compute(total) until it returns (packing and sending the graph)      s
  submit            from compute() until the scheduler has the graph (polled: the total's key   s
                    is among the scheduler's tasks; checked every 5 ms from the scheduler's loop)
  wall              from compute() until the total's value is back                               s
  rate              tasks / wall                                                                 tasks/s
  client_bytes      RSS growth of this process from building the graph, per task                 B/task
  scheduler_bytes   RSS growth of this process from submitting it, per task                      B/task

Memory: a LocalCluster's scheduler runs in this process (the workers are processes of their own), so its memory
is a part of this process's resident set. It is measured first, on a process that has already run one tiny graph
(so that code paths run once are not counted): the cluster is scaled to 0 workers, so nothing runs or is forgotten
while the graph is held; RSS (VmRSS of /proc/self/status, after gc.collect()) is read before building, after
building and after the scheduler has the graph. RSS growth is an upper bound of the live memory: it includes the
transient peak of packing and unpacking the graph message, which Python's allocator keeps mapped. Then the workers
come back and the held graph computes (untimed). The timed repetitions follow.
"""
import argparse
import gc
import logging
import os
import statistics
import sys
import time

import dask
import distributed
from dask import delayed
from distributed import Client, LocalCluster


def noop(x):
    return x


def build(n, partials):
    """The leaves, the partial sums and the total (see the module note). Value: 0 + 1 + ... + (n - 1)."""
    sums = []
    for p in range(partials):
        lo, hi = p * n // partials, (p + 1) * n // partials
        sums.append(delayed(sum)([delayed(noop)(i) for i in range(lo, hi)]))
    return delayed(sum)(sums)


def expected(n):
    return n * (n - 1) // 2


def check(value, n):
    if value != expected(n):
        sys.exit(f"the total of {n} leaves is {value}, expected {expected(n)}")


def rss():
    """This process's resident set, in bytes."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def rss_after_gc():
    gc.collect()
    return rss()


def fmt(v):
    return f"{v:.0f}" if abs(v) >= 100 else f"{v:.4g}"


def line(figure, unit, values, extra):
    return (f"RESULT figure={figure} unit={unit} median={fmt(statistics.median(values))} min={fmt(min(values))} "
            f"max={fmt(max(values))} reps={len(values)} {extra}")


def has_key(key, dask_scheduler=None):
    return key in dask_scheduler.tasks


def await_graph(client, key):
    """Polls until the scheduler has the total's task, which update-graph adds with the rest of the graph."""
    while not client.run_on_scheduler(has_key, key):
        time.sleep(0.005)


def once(client, a):
    gc.collect()
    start = time.perf_counter()
    total = build(a.n, a.partials)
    built = time.perf_counter()
    f = client.compute(total)
    sent = time.perf_counter()
    await_graph(client, total.key)
    submitted = time.perf_counter()
    value = f.result()
    done = time.perf_counter()
    del f
    check(value, a.n)
    return built - start, sent - built, submitted - built, done - built


def scale(client, cluster, n):
    cluster.scale(n)
    deadline = time.time() + 60
    while len(client.scheduler_info()["workers"]) != n:
        if time.time() > deadline:
            sys.exit(f"the cluster did not reach {n} workers in 60 s")
        time.sleep(0.05)


def memory(client, cluster, a, tasks, extra):
    scale(client, cluster, 0)
    base = rss_after_gc()
    total = build(a.n, a.partials)
    built = rss_after_gc()
    f = client.compute(total)
    await_graph(client, total.key)
    held = rss_after_gc()
    print(f"# memory (RSS of the client+scheduler process, no workers): base {base / 1e6:.1f} MB, graph built "
          f"{built / 1e6:.1f} MB, submitted and held {held / 1e6:.1f} MB", flush=True)
    print(line("client_bytes", "B/task", [(built - base) / tasks], extra + " method=rss-growth"), flush=True)
    print(line("scheduler_bytes", "B/task", [(held - built) / tasks], extra + " method=rss-growth"), flush=True)
    start = time.perf_counter()
    scale(client, cluster, a.workers)
    check(f.result(), a.n)
    print(f"# the held graph computed on {a.workers} new workers in {time.perf_counter() - start:.3f} s "
          f"(untimed), value checked", flush=True)
    del f, total


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=10_000, help="leaves")
    p.add_argument("--partials", type=int, default=10, help="partial sums (n / partials leaves each)")
    p.add_argument("--reps", type=int, default=1, help="timed repetitions; medians are printed")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads-per-worker", type=int, default=1)
    p.add_argument("--no-memory", action="store_true", help="skip the memory measurement")
    a = p.parse_args()
    if not 1 <= a.partials <= a.n or a.reps < 1:
        sys.exit("need 1 <= --partials <= --n and --reps >= 1")
    logging.getLogger("distributed").setLevel(logging.ERROR)

    tasks = len(build(a.n, a.partials).__dask_graph__())
    extra = f"n={a.n} partials={a.partials} tasks={tasks}"
    print(f"# dask {dask.__version__}, distributed {distributed.__version__}, python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores, LocalCluster n_workers={a.workers} threads_per_worker={a.threads_per_worker} "
          f"processes=True; {extra}; {a.reps} timed repetitions (median, min, max)", flush=True)
    start = time.perf_counter()
    # No dashboard, as in cluster_bench.py.
    with LocalCluster(n_workers=a.workers, threads_per_worker=a.threads_per_worker, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        print(f"# first start in this process (cold imports): {time.perf_counter() - start:.3f} s", flush=True)
        check(client.compute(build(100, 2)).result(), 100)  # code paths run once, before any figure
        if not a.no_memory:
            memory(client, cluster, a, tasks, extra)
        reps = []
        for r in range(a.reps):
            reps.append(once(client, a))
            b, s, sub, w = reps[-1]
            print(f"# repetition {r + 1}: build {b:.3f} s, send {s:.3f} s, submit {sub:.3f} s, wall {w:.3f} s, "
                  f"{tasks / w:.0f} tasks/s", flush=True)
        first = lambda i: f" first={fmt(reps[0][i])}"
        print(line("build", "s", [r[0] for r in reps], extra + first(0)), flush=True)
        print(line("send", "s", [r[1] for r in reps], extra + first(1)), flush=True)
        print(line("submit", "s", [r[2] for r in reps], extra + first(2)), flush=True)
        print(line("wall", "s", [r[3] for r in reps], extra + first(3)), flush=True)
        print(line("rate", "tasks/s", [tasks / r[3] for r in reps], extra + f" first={fmt(tasks / reps[0][3])}"),
              flush=True)


if __name__ == "__main__":
    main()
