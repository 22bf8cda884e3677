#!/usr/bin/env bash
# What TLS costs: ClusterBench on plain TCP and with mutual TLS (--tls), alternating in one run (tcp, tls, tcp,
# tls, ...), so that the load of a shared machine falls on both alike. The client talks to the scheduler over its
# socket (-Djdask.client.direct=false), as a client on another machine would, so every hop of a task is TCP or TLS.
#
#   jdask-bench/run-tls-bench.sh                          2 rounds of submit, roundtrip, gather, scatter
#   ROUNDS=3 jdask-bench/run-tls-bench.sh --only roundtrip     extra arguments go to ClusterBench
#
# Prints each run's RESULT lines tagged tcp/tls, then per figure the median over the runs of each and the ratio.
# Raw output stays in jdask-bench/target/tls-bench/.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
OUT="$HERE/target/tls-bench"
ROUNDS="${ROUNDS:-2}"
# tcp: plain; tls: the JDK's TLS; tls-openssl: BoringSSL (-Djdask.tls.provider=openssl, in the worker JVMs too)
MODES="${MODES:-tcp tls}"

# shellcheck source=bench-env.sh
source "$HERE/bench-env.sh"
[[ "${SKIP_BUILD:-}" == 1 ]] || build_jar
mkdir -p "$OUT"
rm -f "$OUT"/*.txt
args=("$@")
(( ${#args[@]} )) || args=(--only submit,roundtrip,gather,scatter --warmup 10 --warmup-seconds 3 --reps 5)
echo "== ClusterBench ${args[*]}, tcp and tls alternating, $ROUNDS rounds (load average $(cut -d' ' -f1-3 /proc/loadavg))"
for r in $(seq 1 "$ROUNDS"); do
  for mode in $MODES; do
    extra=()
    [[ $mode == tls* ]] && extra=(--tls)
    tool_options=""
    [[ $mode == tls-openssl ]] && tool_options="-Djdask.tls.provider=openssl"
    JAVA_TOOL_OPTIONS="$tool_options" "$JAVA" "${JAVA_FLAGS[@]}" -Djdask.client.direct=false -cp "$JAR" \
      io.jdask.bench.ClusterBench "${args[@]}" ${extra[@]+"${extra[@]}"} 2> >(grep -v "Picked up JAVA_TOOL_OPTIONS" >&2) \
      | tee "$OUT/$mode-$r.txt" | sed "s/^RESULT/RESULT $mode/" | grep RESULT
  done
done
python3 - "$OUT" <<'PY'
import glob, re, statistics, sys
out = sys.argv[1]
fig = {}
for f in sorted(glob.glob(out + "/*.txt")):
    mode = f.split("/")[-1].rsplit("-", 1)[0]
    for line in open(f):
        m = re.match(r"RESULT figure=(\S+) unit=(\S+) median=(\S+)", line)
        if m:
            fig.setdefault((m.group(1), m.group(2)), {}).setdefault(mode, []).append(float(m.group(3)))
modes = [m for m in ("tcp", "tls", "tls-openssl") if any(m in r for r in fig.values())]
print(f"{'figure':18} {'unit':8} " + " ".join(f"{m:>12}" for m in modes) + " " + " ".join(f"{m + '/tcp':>16}" for m in modes[1:]))
for (name, unit), runs in fig.items():
    med = {m: statistics.median(runs.get(m, [float("nan")])) for m in modes}
    print(f"{name:18} {unit:8} " + " ".join(f"{med[m]:12.1f}" for m in modes) + " "
          + " ".join(f"{med[m] / med['tcp']:16.2f}" for m in modes[1:]))
PY
