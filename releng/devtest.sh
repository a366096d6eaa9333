#!/usr/bin/env bash
# Fast inner loop for core bundles, outside OSGi: compiles the named bundles (plus cacheshadow.layers) and
# their test fragments with javac and runs the tests with the JUnit console launcher.
# The real run is releng/test.sh (Tycho, inside OSGi); this only saves minutes while developing.
#   releng/devtest.sh kernel ext4          # bundles cacheshadow.kernel(+.tests), cacheshadow.ext4(+.tests)
#   releng/devtest.sh kernel -- --select-method=...   # extra JUnit console options after --
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
. "$ROOT/releng/jdk.sh"
names=(layers listing testing); extra=()
while [ $# -gt 0 ]; do
  if [ "$1" = "--" ]; then shift; extra=("$@"); break; fi
  names+=("$1"); shift
done
OUT="$ROOT/build/devtest/$(IFS=_; echo "${names[*]}")"
rm -rf "$OUT"; mkdir -p "$OUT"
CP="$ROOT/releng/tools/junit-platform-console-standalone-1.14.4.jar"
# the libraries of the target platform the core bundles use (the versions of target-platform/cacheshadow.target)
for j in "$HOME"/.m2/repository/com/h2database/h2/2.5.252/h2-2.5.252.jar "$HOME"/.m2/repository/net/java/dev/jna/jna/5.19.1/jna-5.19.1.jar \
  "$HOME"/.m2/repository/org/tukaani/xz/1.12/xz-1.12.jar "$HOME"/.m2/repository/com/github/luben/zstd-jni/1.5.7-9/zstd-jni-1.5.7-9.jar; do [ -f "$j" ] && CP="$CP:$j"; done
# compressed kdump pages (cacheshadow.layers): LZO and Snappy from aircompressor
j="$HOME/.m2/repository/io/airlift/aircompressor/2.0.3/aircompressor-2.0.3.jar"; [ -f "$j" ] && CP="$CP:$j"
# the export's tar (cacheshadow.merge): Commons Compress and the Commons IO and Lang it needs
for j in "$HOME"/.m2/repository/org/apache/commons/commons-compress/1.28.0/commons-compress-1.28.0.jar \
  "$HOME"/.m2/repository/commons-io/commons-io/2.20.0/commons-io-2.20.0.jar "$HOME"/.m2/repository/org/apache/commons/commons-lang3/3.18.0/commons-lang3-3.18.0.jar; do
  [ -f "$j" ] && CP="$CP:$j"; done
srcs=(); tests=()
for n in "${names[@]}"; do
  [ -d "$ROOT/bundles/cacheshadow.$n/src" ] && srcs+=("$ROOT/bundles/cacheshadow.$n/src")
  [ -d "$ROOT/bundles/cacheshadow.$n.tests/src" ] && tests+=("$ROOT/bundles/cacheshadow.$n.tests/src")
done
# classes that need the Eclipse runtime (the CLI's IApplication, UI) are left to the Tycho build
find "${srcs[@]}" "${tests[@]}" -name '*.java' -exec grep -L '^import org\.eclipse\.' {} + > "$OUT/sources.txt" || true
# test-support classes (cacheshadow.testing) that import a bundle not compiled here are left out too
keep="layers|listing|testing|$(IFS='|'; echo "${names[*]}")"
grep -vE "/cacheshadow\.testing/" "$OUT/sources.txt" > "$OUT/sources.kept" || true
for f in $(grep -E "/cacheshadow\.testing/" "$OUT/sources.txt"); do
  if ! grep -oE '^import (static )?cacheshadow\.[a-z0-9]+' "$f" | sed -E 's/.*cacheshadow\.//' | grep -qvxE "$keep"; then echo "$f" >> "$OUT/sources.kept"; fi
done
mv "$OUT/sources.kept" "$OUT/sources.txt"
"$JAVA_HOME/bin/javac" -nowarn --release 21 -encoding UTF-8 -cp "$CP" -d "$OUT/classes" @"$OUT/sources.txt"
for d in "${srcs[@]}" "${tests[@]}"; do
  (cd "$d" && find . -type f ! -name '*.java' -exec cp --parents {} "$OUT/classes/" \;)
done
# the fragments' extension registrations (META-INF/services, outside src/): the evidence guard of cacheshadow.testing
mkdir -p "$OUT/classes/META-INF/services"
for d in "${tests[@]}"; do cat "$d/../META-INF/services/org.junit.jupiter.api.extension.Extension" 2>/dev/null; done | sort -u > "$OUT/classes/META-INF/services/org.junit.jupiter.api.extension.Extension"
SAMPLES="$("$ROOT/releng/samples.sh")"
[ ${#tests[@]} -gt 0 ] || { echo "no test fragments among: ${names[*]}"; exit 0; }
exec "$JAVA_HOME/bin/java" -Xss512k -Dcacheshadow.samples="$SAMPLES" -Djunit.jupiter.extensions.autodetection.enabled=true -jar "$ROOT/releng/tools/junit-platform-console-standalone-1.14.4.jar" \
  execute -cp "$OUT/classes:$CP" --disable-banner --details=tree "${extra[@]:---scan-classpath=$OUT/classes}"
