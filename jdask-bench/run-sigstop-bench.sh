#!/usr/bin/env bash
# Time from SIGSTOP of a worker process to the last result, jdask and Dask in one run (issue 14).
#
#   jdask-bench/run-sigstop-bench.sh                 both with the same TTL (5 s: Dask 2022.12 never removes a worker
#                                                    sooner on a small cluster), then both with their defaults
#                                                    (jdask 30 s, Dask 5 min: that run alone takes 5-10 minutes)
#   TTL=5 REPS=3 DEFAULTS=0 jdask-bench/run-sigstop-bench.sh     only the same-TTL run
#
# 1. builds jdask-bench/target/benchmarks.jar; 2. runs io.jdask.bench.SigstopBench; 3. runs dask/sigstop_bench.py on
# Debian's /usr/bin/python3 (Dask 2022.12). Output goes to jdask-bench/target/sigstop-bench/.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
OUT="$HERE/target/sigstop-bench"
DASK_PY="${DASK_PYTHON:-/usr/bin/python3}"
TTL="${TTL:-5}"
REPS="${REPS:-3}"
# shellcheck source=bench-env.sh
source "$HERE/bench-env.sh"
build_jar
mkdir -p "$OUT"
echo "== load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== same TTL: ${TTL} s"
"$JAVA" "${JAVA_FLAGS[@]}" -cp "$JAR" io.jdask.bench.SigstopBench --ttl "$TTL" --reps "$REPS" | tee "$OUT/jdask-ttl$TTL.txt"
"$DASK_PY" "$HERE/dask/sigstop_bench.py" --ttl "${TTL}s" --reps "$REPS" 2>"$OUT/dask-ttl$TTL.err" | tee "$OUT/dask-ttl$TTL.txt"
if [[ "${DEFAULTS:-1}" == "1" ]]; then
  echo "== defaults: jdask 30 s, Dask 5 minutes"
  "$JAVA" "${JAVA_FLAGS[@]}" -cp "$JAR" io.jdask.bench.SigstopBench --reps 1 | tee "$OUT/jdask-default.txt"
  "$DASK_PY" "$HERE/dask/sigstop_bench.py" --reps 1 2>"$OUT/dask-default.err" | tee "$OUT/dask-default.txt"
fi
echo "== medians"
grep -h sigstop_to_last_result_s "$OUT"/*.txt
