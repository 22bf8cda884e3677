#!/usr/bin/env bash
# The delayed-API benchmarks, jdask and Dask in one run: "building and computing 100,000 no-op tasks".
#
#   jdask-bench/run-delayed-bench.sh                 full run (about 4 minutes on 2 cores)
#   jdask-bench/run-delayed-bench.sh -wi 1 -i 3      arguments go to JMH (here: a quick, rough run)
#   JMH_SKIP=1 jdask-bench/run-delayed-bench.sh       Dask only      DASK_SKIP=1 ...   jdask only
#   JMH_SKIP=1 DASK_SKIP=1 jdask-bench/run-delayed-bench.sh           reprints the last table
#   DASK_ARGS="--reps 5 --tree-n 50000" jdask-bench/run-delayed-bench.sh
#
# 1. builds jdask-bench/target/benchmarks.jar with a JDK 21+ (the one `./jdask java-home` prints);
# 2. runs the JMH benchmark DelayedBenchmark: build, and compute on THREADS and SYNC, for each shape (@Param shape);
# 3. runs jdask-bench/dask/delayed_bench.py on Debian's /usr/bin/python3, which has Dask 2022.12;
# 4. prints one table: per shape, calls/s building the graph and tasks/s computing it, jdask vs Dask, and ratios.
# Raw results stay in jdask-bench/target/delayed-bench/ (jmh.csv, jmh.txt, dask.txt, table.txt).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
OUT="$HERE/target/delayed-bench"
DASK_PY="${DASK_PYTHON:-/usr/bin/python3}"

# shellcheck source=bench-env.sh
source "$HERE/bench-env.sh"
build_jar
mkdir -p "$OUT"
# A part that is skipped keeps its last results, so JMH_SKIP=1 DASK_SKIP=1 reprints the last table.
[[ -z "${JMH_SKIP:-}" ]] && rm -f "$OUT/jmh.csv"
[[ -z "${DASK_SKIP:-}" ]] && rm -f "$OUT/dask.txt"

echo "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) before the run" | tee "$OUT/machine.txt"

if [[ -z "${JMH_SKIP:-}" ]]; then
  echo "== jdask (JMH)"
  "$JAVA_HOME/bin/java" -jar "$HERE/target/benchmarks.jar" 'io\.jdask\.bench\.DelayedBenchmark\.' \
    -rf csv -rff "$OUT/jmh.csv" "$@" | tee "$OUT/jmh.txt"
fi

if [[ -z "${DASK_SKIP:-}" ]]; then
  if [[ -x "$DASK_PY" ]] && "$DASK_PY" -c 'import dask' 2>/dev/null; then
    echo "== Dask ($DASK_PY)"
    # shellcheck disable=SC2086  # DASK_ARGS is a list of words on purpose
    "$DASK_PY" "$HERE/dask/delayed_bench.py" ${DASK_ARGS:-} | tee "$OUT/dask.txt"
  else
    echo "== Dask is not installed for $DASK_PY: only jdask's figures follow. To compare, install it with"
    echo "     sudo apt-get update && sudo apt-get install -y python3-dask python3-distributed"
    echo "   (Debian's Dask 2022.12 runs on Debian's /usr/bin/python3; DASK_PYTHON=... picks another python)"
  fi
fi
echo "== load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/machine.txt"

# The table. jdask's figures are the secondary scores "<method>:calls", ns per call/task (JMH AverageTime over the
# tasks each invocation counts; the primary score is ns per graph); rate = 1e9 / score. Columns are found by their
# header, the parameters ("Param: shape", "Param: schedulerName") included.
touch "$OUT/jmh.csv" "$OUT/dask.txt"
awk '
  function commas(x,   s, r) {
    s = sprintf("%.0f", x); r = ""
    while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) }
    return s r
  }
  function cell(x) { return x > 0 ? commas(x) : "-" }
  function ratio(a, b) { return (a > 0 && b > 0) ? sprintf("%.0fx", a / b) : "-" }
  function unq(s) { gsub(/"/, "", s); return s }
  FILENAME ~ /jmh\.csv$/ {                    # jmh.csv
    sub(/\r$/, ""); n = split($0, c, ",")     # JMH ends CSV lines with CRLF
    if (FNR == 1) { for (i = 1; i <= n; i++) col[unq(c[i])] = i; next }
    name = unq(c[1])
    if (name !~ /:calls$/) next               # the per-graph primary scores and profiler rows
    sub(/:calls$/, "", name); split(name, parts, "."); method = parts[5]
    shape = tolower(unq(c[col["Param: shape"]]))
    what = method == "build" ? "build" : tolower(unq(c[col["Param: schedulerName"]]))
    score = c[col["Score"]] + 0
    error = c[col["Score Error (99.9%)"]]
    j[shape, what] = score > 0 ? 1e9 / score : 0
    # JMH writes NaN for the error of fewer than 3 iterations.
    if (score > 0 && error !~ /NaN/) jerr[shape, what] = sprintf("%.0f%%", 100 * error / score)
  }
  FILENAME ~ /dask\.txt$/ && $1 == "RESULT" {  # dask.txt
    for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
    s = f["shape"]; dn[s] = f["n"]
    d[s, "build"] = f["build_per_s"]; d[s, "threads"] = f["threads_per_s"]; d[s, "sync"] = f["sync_per_s"]
  }
  END {
    fmt = "%-7s | %12s %10s %6s | %12s %10s %6s | %12s %10s %6s | %s\n"
    printf "\n"
    printf fmt, "", "build", "calls/s", "", "compute", "THREADS", "tasks/s", "compute", "SYNC", "tasks/s", "Dask N"
    printf fmt, "shape", "jdask", "Dask", "ratio", "jdask", "Dask", "ratio", "jdask", "Dask", "ratio", "(jdask N=100000)"
    n = split("fanout chain tree", shapes, " ")
    for (k = 1; k <= n; k++) {
      s = shapes[k]
      printf fmt, s, cell(j[s, "build"]), cell(d[s, "build"]), ratio(j[s, "build"], d[s, "build"]),
        cell(j[s, "threads"]), cell(d[s, "threads"]), ratio(j[s, "threads"], d[s, "threads"]),
        cell(j[s, "sync"]), cell(d[s, "sync"]), ratio(j[s, "sync"], d[s, "sync"]), (s in dn) ? dn[s] : "-"
    }
    printf "\njdask JMH error (99.9%%) relative to the score:"
    for (k = 1; k <= n; k++) {
      s = shapes[k]; line = ""
      split("build threads sync", whats, " ")
      for (w = 1; w <= 3; w++) line = line " " whats[w] " " (((s, whats[w]) in jerr) ? jerr[s, whats[w]] : "n/a")
      printf "\n  %-7s%s", s, line
    }
    printf "\nTargets (jdask): build >= 2,000,000 calls/s; compute on THREADS >= 1,000,000 tasks/s.\n"
    printf "Calls: fanout N+1 (leaves and sum), chain N, tree 2N-1; a rate is calls (= tasks) per second.\n"
    if (length(dn) > 0) {
      printf "Dask ran with a smaller N (last column) to finish in about a minute; its rates are per task all the same.\n"
      printf "Dask builds a chain in quadratic time, so its chain build rate is only valid at that N (lower at 100,000).\n"
    } else {
      printf "Dask: not measured in this run.\n"
    }
  }
' "$OUT/jmh.csv" "$OUT/dask.txt" | tee "$OUT/table.txt"
