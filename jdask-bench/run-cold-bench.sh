#!/usr/bin/env bash
# The cold benchmark, jdask and Dask in one run: the first tasks of fresh programs (issue 17, "fresh JVM program"),
# a new JVM (or Python process) per case and repetition, each on a LocalCluster of 2 worker processes, 1 thread each.
#
#   jdask-bench/run-cold-bench.sh                       full run: jdask, then Dask, then the table (3-4 minutes idle, plus about a minute for the scatter case)
#   jdask-bench/run-cold-bench.sh --reps 3              extra arguments go to ColdBench (see --help there)
#   JDASK_SKIP=1 jdask-bench/run-cold-bench.sh          Dask only        DASK_SKIP=1 ...   jdask only
#   JDASK_SKIP=1 DASK_SKIP=1 jdask-bench/run-cold-bench.sh               reprints the last table
#   DASK_ARGS="--reps 3" jdask-bench/run-cold-bench.sh
#   DASK_SKIP=1 jdask-bench/run-cold-bench.sh --profile --reps 1
#       each jdask child also reports where its timed part went: CPU per thread group of the three JVMs (JIT
#       compiler threads included), classes loaded and JIT time in the client+scheduler JVM
#   jdask-bench/run-cold-bench.sh profile [burst|roundtrip|actor|scatter] [ColdBench options]
#       one primed child of that case (default burst) with JFR recordings of its three JVMs: the --profile report,
#       then the JFR samples of the timed part by category (jfr_breakdown.py); files in target/cold-bench/profile/
#
# 1. builds jdask-bench/target/benchmarks.jar with a JDK 21+ (the one `./jdask java-home` prints);
# 2. runs io.jdask.bench.ColdBench from it, with the JVM flags of run-cluster-bench.sh (its children get them too);
# 3. runs jdask-bench/dask/cold_bench.py on Debian's /usr/bin/python3 (Dask 2022.12, python3-distributed);
# 4. prints one table: figure, unit, jdask, Dask, how many times better jdask is, and issue 17's target.
# Raw results stay in jdask-bench/target/cold-bench/ (jdask.txt, dask.txt, table.txt).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
OUT="$HERE/target/cold-bench"
DASK_PY="${DASK_PYTHON:-/usr/bin/python3}"

# shellcheck source=bench-env.sh
source "$HERE/bench-env.sh"

build_jar

if [[ "${1:-}" == "profile" ]]; then
  shift
  case="burst"
  if [[ "${1:-}" =~ ^(burst|roundtrip|actor|scatter)$ ]]; then case="$1"; shift; fi
  P="$OUT/profile"
  rm -rf "$P" && mkdir -p "$P"
  echo "== priming (the workers' AOT cache of this jar), then one $case child (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  "$JAVA" "${JAVA_FLAGS[@]}" -cp "$JAR" io.jdask.bench.ColdBench --child prime "$@" >/dev/null
  # JAVA_TOOL_OPTIONS reaches the worker JVMs too (LocalCluster starts them with the same java); %p is the pid.
  jfr_opts="settings=profile,filename=$P/jvm-%p.jfr,dumponexit=true"
  if "$JAVA" -XX:StartFlightRecording=jdk.CPUTimeSample#enabled=true,filename=/dev/null -version >/dev/null 2>&1; then
    jfr_opts="$jfr_opts,jdk.CPUTimeSample#enabled=true,jdk.CPUTimeSample#throttle=2ms"
  fi
  JAVA_TOOL_OPTIONS="-XX:StartFlightRecording=$jfr_opts" \
    "$JAVA" "${JAVA_FLAGS[@]}" -cp "$JAR" io.jdask.bench.ColdBench --child "$case" --profile "$@" 2>&1 \
    | grep -v '^Picked up JAVA_TOOL_OPTIONS\|jfr,startup\|^$' | tee "$P/run.txt"
  if [[ -x /usr/bin/python3 ]]; then
    /usr/bin/python3 "$HERE/jfr_breakdown.py" "$JAVA_HOME/bin/jfr" "$P/run.txt" "$P"/jvm-*.jfr | tee "$P/breakdown.txt"
  fi
  echo "== recordings in $P (the JIT compiler threads run no Java code: see the CPU lines above for them)"
  exit 0
fi

mkdir -p "$OUT"
# A part that is skipped keeps its last results, so JDASK_SKIP=1 DASK_SKIP=1 reprints the last table.
[[ -z "${JDASK_SKIP:-}" ]] && rm -f "$OUT/jdask.txt"
[[ -z "${DASK_SKIP:-}" ]] && rm -f "$OUT/dask.txt"
echo "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) before the run" | tee "$OUT/machine.txt"

if [[ -z "${JDASK_SKIP:-}" ]]; then
  echo "== jdask (ColdBench)"
  "$JAVA" "${JAVA_FLAGS[@]}" -cp "$JAR" io.jdask.bench.ColdBench "$@" | tee "$OUT/jdask.txt"
fi

if [[ -z "${DASK_SKIP:-}" ]]; then
  if [[ -x "$DASK_PY" ]] && "$DASK_PY" -c 'import distributed' 2>/dev/null; then
    echo "== Dask ($DASK_PY)"
    # shellcheck disable=SC2086  # DASK_ARGS is a list of words on purpose
    "$DASK_PY" "$HERE/dask/cold_bench.py" ${DASK_ARGS:-} | tee "$OUT/dask.txt"
  else
    echo "== Dask's distributed is not installed for $DASK_PY: only jdask's figures follow. To compare, install it:"
    echo "     sudo apt-get update && sudo apt-get install -y python3-distributed"
  fi
fi
echo "== load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/machine.txt"

touch "$OUT/jdask.txt" "$OUT/dask.txt"
awk '
  function commas(x,   s, r, neg) {
    neg = x < 0; if (neg) x = -x
    s = sprintf("%.0f", x); r = ""
    while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) }
    return (neg ? "-" : "") s r
  }
  function cell(x) { return x == "" ? "-" : (x + 0 >= 100 ? commas(x) : sprintf("%.3g", x)) }
  $1 == "RESULT" {
    delete f
    for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
    who = FILENAME ~ /jdask\.txt$/ ? "j" : "d"
    v[who, f["figure"]] = f["median"]; range[who, f["figure"]] = f["min"] "-" f["max"]
    unit[f["figure"]] = f["unit"]
  }
  END {
    n = split("cold_burst cold_roundtrip_median cold_roundtrip_p99 cold_roundtrip_first cold_actor_create " \
              "cold_actor_median cold_actor_p99 cold_actor_first cold_scatter_first cold_scatter_warm " \
              "cold_start", figs, " ")
    # Targets of issue 17: rates at least, times at most.
    target["cold_burst"] = ">= 30,000"; target["cold_roundtrip_median"] = "<= 100"
    target["cold_actor_median"] = "<= 50"
    target["cold_scatter_first"] = ">= 1"; target["cold_scatter_warm"] = ">= 2"
    fmt = "%-22s %-8s %12s %12s %9s   %-10s %-5s %s\n"
    printf "\n" fmt, "figure", "unit", "jdask", "Dask", "jdask is", "target", "met?", "ranges (min-max) jdask / Dask"
    for (k = 1; k <= n; k++) {
      s = figs[k]; j = v["j", s]; d = v["d", s]
      if (j == "" && d == "") continue
      higher = unit[s] ~ /\/s$/   # a rate: higher is better; else a time: lower is better
      better = "-"
      if (j > 0 && d > 0) better = sprintf("%.2gx", higher ? j / d : d / j)
      met = "-"
      if (s in target && j != "") {
        t = target[s]; tv = t; gsub(/[^0-9.]/, "", tv)
        met = (t ~ /^>=/ ? j + 0 >= tv + 0 : j + 0 <= tv + 0) ? "yes" : "NO"
      }
      rj = ("j", s) in range ? range["j", s] : "-"; rd = ("d", s) in range ? range["d", s] : "-"
      printf fmt, s, unit[s], cell(j), cell(d), better, (s in target ? target[s] : ""), met, rj " / " rd
    }
    printf "\nMedians over the repetitions, each a fresh JVM (jdask) or Python process (Dask) whose clock starts once\n"
    printf "its client is connected; cold_start is that cluster start (build() to a connected client), per child.\n"
    printf "\"jdask is\" says how many times faster jdask is (above 1) or slower (below 1) than Dask.\n"
  }
' "$OUT/jdask.txt" "$OUT/dask.txt" | tee "$OUT/table.txt"
