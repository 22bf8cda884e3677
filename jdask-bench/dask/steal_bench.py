#!/usr/bin/python3
"""Dask's side of StealBench (jdask-bench): work stealing on LocalCluster(n_workers=2, threads_per_worker=1,
processes=True), the same three cases.

    /usr/bin/python3 jdask-bench/dask/steal_bench.py --sweep-file DURATIONS [--reps 5] [--warmup 1]

  steal40   a small value computed on one worker, then 40 tasks of 100 ms taking it; s (ideal 2.0)
  sweep     tasks taking a small value and sleeping the durations of --sweep-file (ms, one per line, as
            `StealBench --print-sweep` writes them); s, and the ratio to the ideal makespan (max(total/2, longest))
  skewed    ten quick runs of a function, then 40 runs of it sleeping 100 ms on a 32 MB input held by one
            worker; s (ideal 2.0)

Prints `RESULT figure=... unit=... median=... min=... max=... reps=...` lines like StealBench; '#' lines are comments.
"""
import argparse
import logging
import os
import statistics
import sys
import time
from collections import Counter

import numpy as np
from distributed import Client, LocalCluster


def small(x):
    return x


def sleep_then_pid(value, millis, index):
    time.sleep(millis / 1000)
    return os.getpid()


def make_bytes(n):
    return np.zeros(n, dtype=np.uint8)


def size_of(a):
    return len(a)


def median_line(figure, unit, values, extra):
    fmt = lambda v: f"{v:.0f}" if abs(v) >= 100 else f"{v:.4g}"
    return (f"RESULT figure={figure} unit={unit} median={fmt(statistics.median(values))} min={fmt(min(values))} "
            f"max={fmt(max(values))} reps={len(values)} {extra}")


def timed(client, name, input_future, durations):
    start = time.perf_counter()
    fs = [client.submit(sleep_then_pid, input_future, ms, i, pure=False) for i, ms in enumerate(durations)]
    pids = client.gather(fs)
    seconds = time.perf_counter() - start
    print(f"# {name} {seconds:.3f} s, tasks per worker pid {dict(Counter(pids))}", flush=True)
    return seconds


def steal40(client):
    s = client.submit(small, 7, pure=False)
    s.result()
    return timed(client, "steal40", s, [100] * 40)


def sweep(client, durations):
    s = client.submit(small, 11, pure=False)
    s.result()
    return timed(client, "sweep", s, durations)


def skewed(client):
    tiny = client.submit(make_bytes, 1, pure=False)
    for i in range(10):
        client.submit(sleep_then_pid, tiny, 0, i, pure=False).result()
    big = client.submit(make_bytes, 32 << 20, pure=False)
    client.submit(size_of, big, pure=False).result()
    return timed(client, "skewed", big, [100] * 40)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--sweep-file", required=True)
    a = p.parse_args()
    with open(a.sweep_file) as f:
        durations = [int(line) for line in f if line.strip()]
    ideal = max(sum(durations) / 2, max(durations)) / 1000
    logging.getLogger("distributed").setLevel(logging.ERROR)
    print(f"# steal_bench.py: Dask's LocalCluster 2 worker processes x 1 thread, load average {os.getloadavg()}")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        def reps(fn):
            for _ in range(a.warmup):
                fn()
            return [fn() for _ in range(a.reps)]
        s40 = reps(lambda: steal40(client))
        sw = reps(lambda: sweep(client, durations))
        sk = reps(lambda: skewed(client))
    print(median_line("steal40", "s", s40, "ideal=2.0"))
    print(median_line("sweep_ratio", "x", [v / ideal for v in sw], f"n={len(durations)} ideal_s={ideal:.3f}"))
    print(median_line("sweep", "s", sw, f"n={len(durations)}"))
    print(median_line("skewed", "s", sk, "ideal=2.0"))


if __name__ == "__main__":
    sys.exit(main())
