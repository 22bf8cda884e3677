"""Dask's side of SigstopBench: time from SIGSTOP of one worker process to the last result.

LocalCluster of 2 worker processes x 1 thread; 20 tasks of 100 ms; once both workers run one, the first worker
process (not its nanny) gets SIGSTOP; the figure is the time until every result is in. --ttl sets
distributed.scheduler.worker-ttl (Dask's default: 5 minutes; Dask 2022.12 also never removes a worker before
10 heartbeat intervals, 5 s on a small cluster, and checks once per TTL).

    /usr/bin/python3 jdask-bench/dask/sigstop_bench.py [--ttl 30s] [--reps 3]
"""
import argparse
import os
import signal
import statistics
import time

import dask
from distributed import Client, LocalCluster, wait


def slow(x):
    time.sleep(0.1)
    return x


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ttl", default=None, help="worker TTL, e.g. 5s; default: Dask's own")
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    if args.ttl:
        dask.config.set({"distributed.scheduler.worker-ttl": args.ttl})
    ttl = dask.config.get("distributed.scheduler.worker-ttl")
    results = []
    # A cluster per repetition: in Dask 2022.12 the woken worker hears it is unknown and shuts down, and its nanny
    # does not start another, so the cluster stays at one worker.
    for rep in range(args.reps):
        with LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster, Client(cluster) as client:
            client.wait_for_workers(2, timeout=120)
            pids = client.run(os.getpid)
            futures = client.map(slow, [rep * 100 + i for i in range(20)], pure=False)
            deadline = time.time() + 60
            while sum(len(v) for v in client.processing().values()) < 2 or any(
                not v for v in client.processing().values()
            ):
                if time.time() > deadline:
                    raise SystemExit("tasks did not start on both workers")
                time.sleep(0.02)
            stopped = next(iter(pids.values()))
            t0 = time.perf_counter()
            os.kill(stopped, signal.SIGSTOP)
            try:
                wait(futures)
                s = time.perf_counter() - t0
            finally:
                os.kill(stopped, signal.SIGCONT)
            results.append(s)
            print(f"rep {rep}: {s:.2f} s from SIGSTOP to the last result", flush=True)
    print(f"sigstop_to_last_result_s {statistics.median(results):.2f} (ttl {ttl}, {args.reps} reps)")


if __name__ == "__main__":
    main()
