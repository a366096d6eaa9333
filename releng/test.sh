#!/usr/bin/env bash
# The test command (README, .ci/run): installs what the tests need, builds everything with Tycho and runs every
# test — core tests on the real evidence samples, UI tests in the started workbench under Xvfb.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
need=(); lean=()
for c in xvfb-run:xvfb xauth:xauth /usr/lib/x86_64-linux-gnu/libgtk-3.so.0:libgtk-3-0 zstd:zstd qemu-img:qemu-utils qemu-io:qemu-utils debugfs:e2fsprogs fusermount3:fuse3 /usr/lib/x86_64-linux-gnu/libfuse3.so.3:libfuse3-3 fls:sleuthkit mvn:maven sha256sum:coreutils pdftoppm:poppler-utils /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf:fonts-dejavu-core \
  ewfacquire:ewf-tools makedumpfile:makedumpfile /usr/lib/x86_64-linux-gnu/libdeflate.so.0:libdeflate0 /usr/lib/python3/dist-packages/snappy/__init__.py:python3-snappy \
  /usr/lib/python3/dist-packages/lzo.cpython-311-x86_64-linux-gnu.so:python3-lzo; do
  t="${c%%:*}"
  if [ "${t#/}" != "$t" ]; then [ -e "$t" ] || need+=("${c##*:}"); else command -v "$t" >/dev/null || need+=("${c##*:}"); fi
done
# Debian's aide for the IDS experiment (AideTest, AideLiveTest), without its recommends (aide-common: cron, an MTA)
command -v aide >/dev/null || lean+=(aide)
if [ ${#need[@]} -gt 0 ] || [ ${#lean[@]} -gt 0 ]; then
  echo "test.sh: installing ${need[*]} ${lean[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -q >/dev/null 2>&1 || true
  [ ${#need[@]} -eq 0 ] || $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"
  [ ${#lean[@]} -eq 0 ] || $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${lean[@]}"
fi
# A live guest for LiveGuestTest boots under QEMU (TCG: a minute or two) while Maven builds; stopped on exit.
# CACHESHADOW_LIVE=0 skips it (the test is then skipped, not passed).
live_args=()
if [ "${CACHESHADOW_LIVE:-1}" != 0 ]; then
  LIVE="$ROOT/build/live"
  "$ROOT/releng/live-guest.sh" start "$LIVE" &
  live_pid=$!
  # Let a start still under way finish before stopping, so no QEMU is left behind.
  trap 'wait "$live_pid" 2>/dev/null; "$ROOT/releng/live-guest.sh" stop "$LIVE"' EXIT
  live_args=(-Dcacheshadow.live="$LIVE")
fi
# A training scenario (ScenarioTest) generated on a real guest after that one is up (one TCG guest booting at a time):
# releng/scenario.sh --guest-only, about a minute; the test assembles its case. CACHESHADOW_SCENARIO=0 skips it.
scenario_args=()
if [ "${CACHESHADOW_SCENARIO:-1}" != 0 ]; then
  SCN="$ROOT/build/scenario"
  rm -rf "$SCN" "$SCN.rc"
  ( while [ -n "${LIVE:-}" ] && [ ! -f "$LIVE/live.txt" ] && [ ! -f "$LIVE.rc" ]; do sleep 2; done
    rc=0; nice "$ROOT/releng/scenario.sh" --guest-only --out "$SCN" --seed 14 > "$SCN.log" 2>&1 || rc=$?
    echo "$rc" > "$SCN.rc" ) &
  scenario_pid=$!
  trap 'wait "${scenario_pid:-}" 2>/dev/null; wait "${live_pid:-}" 2>/dev/null; [ -z "${LIVE:-}" ] || "$ROOT/releng/live-guest.sh" stop "$LIVE"' EXIT
  scenario_args=(-Dcacheshadow.scenario="$SCN")
fi
# A real HDFS (Hadoop's mini cluster, releng/hdfs.sh: 20-40 s, on the default java) for the WebHDFS tests
# (WebHdfsJournalTest, WebHdfsCliTest), started while Maven builds; stopped on exit. CACHESHADOW_HDFS=0 skips it.
hdfs_args=()
if [ "${CACHESHADOW_HDFS:-1}" != 0 ]; then
  HDFS="$ROOT/build/hdfs"
  mkdir -p "$ROOT/build"
  "$ROOT/releng/hdfs.sh" start "$HDFS" > "$HDFS.log" 2>&1 &
  hdfs_pid=$!
  hdfs_stop() { wait "$hdfs_pid" 2>/dev/null; "$ROOT/releng/hdfs.sh" stop "$HDFS"; }
  # after whatever the guests' trap does
  prev_trap="$(trap -p EXIT | sed -E "s/^trap -- '(.*)' EXIT$/\\1/")"
  trap "${prev_trap:+$prev_trap; }hdfs_stop" EXIT
  hdfs_args=(-Dcacheshadow.hdfs="$HDFS")
fi
"$ROOT/releng/samples.sh" >/dev/null
"$ROOT/releng/bootstrap-maven.sh" >/dev/null
cd "$ROOT"
xvfb-run -a -s '-screen 0 1600x1024x24' "$ROOT/releng/build.sh" --fail-at-end clean verify "${live_args[@]}" "${scenario_args[@]}" "${hdfs_args[@]}" "$@"
# Every fuzz target briefly from its seeds and the committed regression inputs (fails on any finding).
"$ROOT/releng/fuzz.sh" --ci
# The command line on its plain class path (with the start-up cache, trained here) gives the same output as inside OSGi
# (about a minute); the product was just built from these sources.
touch "$ROOT/build/product.stamp"
"$ROOT/releng/cli-paths.sh"
# The fleet search on Spark (issue 16, releng/spark-search.sh, 2-3 minutes): the job's hits table against
# ./cacheshadow search's on the samples' journals, on generated guest journals (whole and in shares) and in HDFS.
# CACHESHADOW_SPARK=0 skips it.
if [ "${CACHESHADOW_SPARK:-1}" != 0 ]; then
  "$ROOT/releng/spark-search.sh" test "$ROOT/build/spark-search"
fi
# Crash safety: the built command line killed (SIGKILL) during case, index, report and export writes, then checked;
# and two processes on one case (about a minute).
"$ROOT/releng/crash-loop.sh" --ci --product "$ROOT/releng/cacheshadow.product/target/products/cacheshadow/linux/gtk/x86_64"
# The recorder with a real guest (issue 16, about 3 minutes): its journal against the guest's rounds, kill -9 twice
# mid-write, the whole journal against the image (releng/recorder-guest.sh). CACHESHADOW_RECORDER=0 skips it.
if [ "${CACHESHADOW_RECORDER:-1}" != 0 ]; then
  "$ROOT/releng/recorder-guest.sh" "$ROOT/build/recorder-guest"
fi
echo "test.sh: all tests, fuzz targets and kills passed; UI screenshots in bundles/cacheshadow.ui.tests/target/screenshots/"
