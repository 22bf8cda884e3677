#!/usr/bin/env bash
# Work stealing, jdask and Dask in one run: StealBench on a LocalCluster of 2 worker processes x 1 thread, jdask with
# stealing, jdask without it (-Djdask.scheduler.work-stealing=false), alternated, then Dask's steal_bench.py.
#
#   jdask-bench/run-steal-bench.sh                    builds the jar, runs all three, prints the table (about 4 minutes)
#   ROUNDS=2 jdask-bench/run-steal-bench.sh           jdask on/off pairs to alternate (default 1)
#   jdask-bench/run-steal-bench.sh --reps 3           extra arguments go to StealBench and steal_bench.py
#   DASK_SKIP=1 jdask-bench/run-steal-bench.sh        jdask only
# Raw results stay in jdask-bench/target/steal-bench/.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
OUT="$HERE/target/steal-bench"
DASK_PY="${DASK_PYTHON:-/usr/bin/python3}"

# shellcheck source=bench-env.sh
source "$HERE/bench-env.sh"

build_jar
rm -rf "$OUT" && mkdir -p "$OUT"
echo "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) before the run" | tee "$OUT/machine.txt"
"$JAVA" "${JAVA_FLAGS[@]}" -cp "$JAR" io.jdask.bench.StealBench --print-sweep > "$OUT/sweep-ms.txt"

for ((r = 1; r <= ${ROUNDS:-1}; r++)); do
  echo "== jdask, work stealing on (round $r)"
  "$JAVA" "${JAVA_FLAGS[@]}" -cp "$JAR" io.jdask.bench.StealBench "$@" | tee -a "$OUT/jdask-on.txt"
  echo "== jdask, work stealing off (round $r)"
  "$JAVA" "${JAVA_FLAGS[@]}" -Djdask.scheduler.work-stealing=false -cp "$JAR" io.jdask.bench.StealBench "$@" \
    | tee -a "$OUT/jdask-off.txt"
done

if [[ -z "${DASK_SKIP:-}" ]]; then
  if [[ -x "$DASK_PY" ]] && "$DASK_PY" -c 'import distributed, numpy' 2>/dev/null; then
    echo "== Dask ($DASK_PY)"
    "$DASK_PY" "$HERE/dask/steal_bench.py" --sweep-file "$OUT/sweep-ms.txt" "$@" | tee "$OUT/dask.txt"
  else
    echo "== Dask's distributed is not installed for $DASK_PY: only jdask's figures follow. To compare, install it:"
    echo "     sudo apt-get update && sudo apt-get install -y python3-distributed python3-numpy"
  fi
fi
echo "== load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/machine.txt"
touch "$OUT/jdask-on.txt" "$OUT/jdask-off.txt" "$OUT/dask.txt"

# One row per figure: the median of each run's median (rounds of jdask), Dask's median.
awk '
  $1 == "RESULT" {
    delete f
    for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
    who = FILENAME ~ /jdask-on/ ? "on" : FILENAME ~ /jdask-off/ ? "off" : "dask"
    vals[who, f["figure"]] = vals[who, f["figure"]] (vals[who, f["figure"]] == "" ? "" : " ") f["median"]
    unit[f["figure"]] = f["unit"]
  }
  function med(s,   a, n, i, j, t) {
    if (s == "") return "-"
    n = split(s, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  END {
    fmt = "%-12s %-5s %14s %14s %10s   %s\n"
    printf "\n" fmt, "figure", "unit", "jdask steal", "jdask no steal", "Dask", "runs (jdask on | off)"
    n = split("steal40 sweep sweep_ratio skewed", figs, " ")
    for (k = 1; k <= n; k++) {
      s = figs[k]
      printf fmt, s, unit[s], med(vals["on", s]), med(vals["off", s]), med(vals["dask", s]), vals["on", s] " | " vals["off", s]
    }
    printf "\nIdeal: steal40 and skewed 2.0 s; sweep_ratio 1.0 (makespan over max(total/2, longest task)).\n"
  }
' "$OUT/jdask-on.txt" "$OUT/jdask-off.txt" "$OUT/dask.txt" | tee "$OUT/table.txt"
