#!/usr/bin/env bash
# The soak of issue 13 (item 6): one LocalCluster worker process (256 MB) runs 1,000,000 short tasks with distinct keys,
# 10,000 at a time (client.map, gather, release); its heap after full GC and its bookkeeping sizes (WorkerTask and
# StoredValue objects alive, all objects alive), the scheduler's task count and this JVM's heap (scheduler and client)
# after the first 10,000 tasks, after 50,000 and at the end, and their ratios. jdask only: there is no Dask side.
#
#   jdask-bench/run-soak-bench.sh                          full run (a few minutes at ~5,000 tasks/s)
#   jdask-bench/run-soak-bench.sh --n 20000 --mid 0        extra arguments go to SoakBench (--n, --batch, --first,
#                                                          --mid, --every, --worker-memory, --threads-per-worker)
#
# 1. builds jdask-bench/target/benchmarks.jar with a JDK 21+ (the one `./jdask java-home` prints);
# 2. runs io.jdask.bench.SoakBench from it (its worker process runs from the same jar);
# 3. prints one table: figure, unit, the value at each point, end/first and end/mid.
# Raw results stay in jdask-bench/target/soak-bench/ (jdask.txt, table.txt).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
OUT="$HERE/target/soak-bench"

JAVA_FLAGS=("-Xmx${CLIENT_HEAP:-1g}")
# shellcheck source=bench-env.sh
source "$HERE/bench-env.sh"

build_jar
mkdir -p "$OUT"
echo "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) before the run" | tee "$OUT/machine.txt"
echo "== jdask (SoakBench)"
"$JAVA" "${JAVA_FLAGS[@]}" -cp "$JAR" io.jdask.bench.SoakBench "$@" | tee "$OUT/jdask.txt"
echo "== load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/machine.txt"

awk '
  $1 == "RESULT" {
    delete f
    for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
    fig = f["figure"]
    if (fig ~ /_ratio_mid$/) { sub(/_ratio_mid$/, "", fig); rmid[fig] = f["median"]; next }
    if (fig ~ /_ratio$/) { sub(/_ratio$/, "", fig); r[fig] = f["median"]; next }
    if (!(fig in unit)) order[++k] = fig
    unit[fig] = f["unit"]; v[fig, f["point"]] = f["median"]; n = f["n"]; first = f["first"]; mid = f["mid"]
  }
  END {
    printf "\nSoak: %s tasks; points after %s (first), %s (mid, 0 = none) and %s (end).\n", n, first, mid, n
    fmt = "%-18s %-8s %14s %14s %14s %10s %10s\n"
    printf "\n" fmt, "figure", "unit", "first", "mid", "end", "end/first", "end/mid"
    for (i = 1; i <= k; i++) {
      s = order[i]
      printf fmt, s, unit[s], v[s, "first"], ((s, "mid") in v ? v[s, "mid"] : "-"), v[s, "end"], r[s], \
        (s in rmid ? rmid[s] : "-")
    }
    printf "\nThe criterion of issue 13 item 6: the same heap and the same bookkeeping sizes at the end as after the\n"
    printf "first 10,000 tasks (ratios about 1; counts that do not grow with the tasks run). The worker keeps a bounded\n"
    printf "log of its last 100,000 transitions (about 4 per task, Dask keeps the same), full from about 25,000 tasks\n"
    printf "on: end/mid compares two points where it is full.\n"
  }
' "$OUT/jdask.txt" | tee "$OUT/table.txt"
