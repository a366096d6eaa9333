#!/usr/bin/env bash
# Decompresses the shared evidence sample sets (../shared/evidence/samples/*) into build/samples/<set>/
# once, verifying each file against the set's SHA256SUMS. Tests read them through -Dcacheshadow.samples.
# Prints the samples directory.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SRC="${CACHESHADOW_SHARED:-$ROOT/../shared}/evidence/samples"
DST="$ROOT/build/samples"
[ -d "$SRC" ] || { echo "samples.sh: no evidence samples at $SRC" >&2; exit 2; }
command -v zstd >/dev/null || { echo "samples.sh: zstd is missing (apt-get install zstd)" >&2; exit 2; }
for set in "$SRC"/*/; do
  name=$(basename "$set")
  out="$DST/$name"
  [ -f "$out/.complete" ] && continue
  rm -rf "$out"; mkdir -p "$out/kernel"
  (cd "$set" && find . -type f | while read -r f; do
     f=${f#./}
     case "$f" in
       *.zst) zstd -q -d -f "$f" -o "$out/${f%.zst}" ;;
       *) cp "$f" "$out/$f" ;;
     esac
   done)
  (cd "$out" && sha256sum --quiet -c SHA256SUMS) >&2 || { echo "samples.sh: $name does not match its SHA256SUMS" >&2; exit 2; }
  touch "$out/.complete"
done
echo "$DST"
