#!/usr/bin/env bash
# Builds the jdask container image as target/jdask-image.tar (docker-archive format) without a Docker daemon:
#   1. a base image, target/jdask-base.tar, from this machine's files: a Java runtime made by jlink from the JDK the
#      launcher finds (only the modules jdask.jar uses), and the shared libraries it links to (glibc, zlib: Debian's
#      packages here), plus /tmp and a minimal /etc. No registry is needed (none is reachable on the build machines).
#   2. Jib (profile `image` of jdask-cli) puts the jar's dependencies, resources and classes on top as layers.
# Push the result with any registry tool, e.g. `skopeo copy docker-archive:target/jdask-image.tar docker://REG/jdask:TAG`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
JAVA_HOME="$(./jdask java-home)"
export JAVA_HOME
OUT="$ROOT/target"
WORK="$OUT/jdask-base"
mkdir -p "$OUT"

echo "build-image: building jdask.jar"
[[ ${SKIP_JAR:-} == 1 && -f jdask-cli/target/jdask.jar ]] || ./mvnw -B -q --no-transfer-progress -DskipTests -pl jdask-cli -am package

echo "build-image: base image from a jlink runtime and this machine's libraries"
rm -rf "$WORK"
mkdir -p "$WORK/rootfs/etc" "$WORK/rootfs/tmp" "$WORK/rootfs/root"
chmod 1777 "$WORK/rootfs/tmp"
modules="$("$JAVA_HOME/bin/jdeps" --multi-release 21 --print-module-deps --ignore-missing-deps \
  jdask-cli/target/jdask.jar)"
# Also what Netty, Fory and the dashboard reach by reflection or service loading.
modules="$modules,jdk.unsupported,jdk.httpserver,jdk.management,jdk.crypto.ec,jdk.zipfs,jdk.jshell,java.compiler"
"$JAVA_HOME/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
  --output "$WORK/rootfs/opt/java"
# Every shared library the runtime's binaries and libraries link to, at the same paths, plus the dynamic loader.
find "$WORK/rootfs/opt/java" -type f \( -name '*.so' -o -path '*/bin/*' \) -print0 \
  | xargs -0 ldd 2>/dev/null | grep -v ':$' | grep -oE '/[^ :]+\.so[^ :]*' | grep -v "^$WORK/" | sort -u \
  | while read -r lib; do mkdir -p "$WORK/rootfs$(dirname "$lib")"; cp -L "$lib" "$WORK/rootfs$lib"; done
# glibc loads these by name at run time (host name lookup); they are not in ldd's output.
for lib in /lib/x86_64-linux-gnu/libnss_files.so.2 /lib/x86_64-linux-gnu/libnss_dns.so.2 \
           /lib/x86_64-linux-gnu/libresolv.so.2 /lib/x86_64-linux-gnu/libgcc_s.so.1; do
  [[ -e $lib ]] && { mkdir -p "$WORK/rootfs$(dirname "$lib")"; cp -L "$lib" "$WORK/rootfs$lib"; }
done
printf 'root:x:0:0:root:/root:/nonexistent\n' > "$WORK/rootfs/etc/passwd"
printf 'root:x:0:\n' > "$WORK/rootfs/etc/group"
printf 'passwd: files\ngroup: files\nhosts: files dns\n' > "$WORK/rootfs/etc/nsswitch.conf"

tar --sort=name --numeric-owner --owner=0 --group=0 --mtime='2026-01-01 00:00Z' \
  -C "$WORK/rootfs" -cf "$WORK/layer.tar" .
digest="$(sha256sum "$WORK/layer.tar" | cut -d' ' -f1)"
cat > "$WORK/config.json" <<JSON
{"architecture":"amd64","os":"linux",
 "config":{"Env":["PATH=/opt/java/bin:/usr/bin:/bin","JAVA_HOME=/opt/java"],"WorkingDir":"/root"},
 "rootfs":{"type":"layers","diff_ids":["sha256:$digest"]}}
JSON
printf '[{"Config":"config.json","RepoTags":["jdask-base:local"],"Layers":["layer.tar"]}]\n' > "$WORK/manifest.json"
tar -C "$WORK" -cf "$OUT/jdask-base.tar" manifest.json config.json layer.tar
echo "build-image: $OUT/jdask-base.tar ($(du -h "$OUT/jdask-base.tar" | cut -f1))"

echo "build-image: Jib onto it"
./mvnw -B -q --no-transfer-progress -DskipTests -Pimage -pl jdask-cli -am package
echo "build-image: $OUT/jdask-image.tar ($(du -h "$OUT/jdask-image.tar" | cut -f1))"
