#!/usr/bin/env bash
# Checks target/jdask-image.tar without a container runtime (root needed for chroot): unpacks its layers in order into
# a directory and runs the image's entrypoint there with chroot, as a container would (same file system, no other
# isolation):
#   1. `jdask security init` writes credentials inside the image's file system;
#   2. `jdask scheduler --security` and `jdask worker --security` start from the image and the worker registers (TLS);
#   3. a client on this machine, with the same credentials, runs a task on that worker.
# Everything it starts is stopped and the directory removed at the end, also on failure.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
IMAGE="$ROOT/target/jdask-image.tar"
[[ -f $IMAGE ]] || { echo "check-image: no $IMAGE; run deploy/kubernetes/build-image.sh first" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || { echo "check-image: needs root (chroot)" >&2; exit 1; }
JAVA_HOME="$("$ROOT/jdask" java-home)"
DIR="$(mktemp -d /tmp/jdask-image-check-XXXXXX)"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  umount "$DIR/rootfs/proc" 2>/dev/null || true
  rm -rf "$DIR"
}
trap cleanup EXIT

mkdir -p "$DIR/image" "$DIR/rootfs"
tar -C "$DIR/image" -xf "$IMAGE"
python3 - "$DIR" <<'PY'
import json, subprocess, sys
d = sys.argv[1]
m = json.load(open(f"{d}/image/manifest.json"))[0]
for layer in m["Layers"]:
    subprocess.run(["tar", "--warning=no-unknown-keyword", "-C", f"{d}/rootfs", "-xzf", f"{d}/image/{layer}"], check=True)
c = json.load(open(f"{d}/image/{m['Config']}"))["config"]
open(f"{d}/entrypoint", "w").write("\0".join(c["Entrypoint"]))
open(f"{d}/env", "w").write("\0".join(c.get("Env", [])))
PY
mkdir -p "$DIR/rootfs/proc"
mount -t proc proc "$DIR/rootfs/proc"
mapfile -d '' ENTRY < "$DIR/entrypoint"
mapfile -d '' ENV < "$DIR/env"
in_image() { env -i "${ENV[@]}" HOME=/root "$(command -v chroot)" "$DIR/rootfs" "${ENTRY[@]}" "$@"; }

echo "check-image: jdask security init inside the image"
in_image security init /root/cluster.jdask
cp "$DIR/rootfs/root/cluster.jdask" "$DIR/cluster.jdask"

PORT=$(( 20000 + RANDOM % 20000 ))
in_image scheduler --security /root/cluster.jdask --host 127.0.0.1 --port "$PORT" --dashboard-port -1 \
  > "$DIR/scheduler.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 120); do grep -qs "listening at" "$DIR/scheduler.out" && break; sleep 0.5; done
grep "listening at tls://127.0.0.1:$PORT" "$DIR/scheduler.out" \
  || { echo "check-image: the scheduler did not start:"; cat "$DIR/scheduler.out"; exit 1; }
in_image worker "tls://127.0.0.1:$PORT" --security /root/cluster.jdask --host 127.0.0.1 --nthreads 2 \
  > "$DIR/worker.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 120); do grep -qs "registered with" "$DIR/worker.out" && break; sleep 0.5; done
grep "registered with" "$DIR/worker.out" \
  || { echo "check-image: the worker did not register:"; cat "$DIR/worker.out"; exit 1; }

cat > "$DIR/Check.java" <<'JAVA'
import io.jdask.Client;
import io.jdask.Security;
import java.nio.file.Path;

public class Check {
    public static void main(String[] args) {
        try (Client client = Client.connect(args[0], Security.load(Path.of(args[1])))) {
            int r = client.submit(() -> Integer.parseInt(args[2]) * 2).result();
            System.out.println("check-image: a task ran on the image's worker " + client.nthreads().keySet()
                    + " and returned " + r);
            if (r != 42) System.exit(1);
        }
    }
}
JAVA
chmod 600 "$DIR/cluster.jdask"
"$JAVA_HOME/bin/java" --sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED \
  -cp "$ROOT/jdask-cli/target/jdask.jar" "$DIR/Check.java" "tls://127.0.0.1:$PORT" "$DIR/cluster.jdask" 21
echo "check-image: OK"
