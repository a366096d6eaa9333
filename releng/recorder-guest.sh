#!/usr/bin/env bash
# The recorder with a real guest (issue 16): boots the CI guest of releng/live-guest.sh (the project's own guest
# boot, releng/guest/) with its disk served by ./cacheshadow record over NBD (releng/recorder-guest/qemu-system-x86_64
# puts the recorder under the guest's blklogwrites node), then checks
#   1. at every synced round of the workload, the recorder's journal replayed onto the image as it was before boot,
#      at the host time the guest reported the round synced, lists exactly the guest's own manifest.round-K.tsv;
#   2. kill -9 of the recorder, twice, while the guest writes 16 MiB with O_DIRECT and syncs, each time restarted (QEMU's NBD client
#      reconnects and resends what was not acknowledged): the guest's write and sync succeed and the file replayed
#      from the journal has the bytes the guest wrote (no acknowledged write lost);
#   3. after the guest is stopped, the whole journal replayed onto that base image is the image, byte for byte;
#   4. with a mini HDFS up (releng/hdfs.sh; test.sh starts one: build/hdfs/address, or CACHESHADOW_HDFS_DIR), the
#      recorder also ships its journal there while it records (record --ship), through both kills and restarts: once
#      it is stopped, HDFS holds the journal byte for byte (not with --bench: its second recorder would share the URL).
#   with --bench [ROUNDS]: the throughput bench in the same run: the guest writes 32 MiB with O_DIRECT (dd, 1 MiB
#      blocks) to a raw image QEMU writes itself and to one behind a second recorder, taking turns, ROUNDS times
#      (default 7); the median of the per-round ratios (recorder's throughput / raw's; goal >= 0.7), and that journal
#      replayed onto zeros equals its image.
#   releng/recorder-guest.sh DIR [--bench [ROUNDS]]   (CACHESHADOW_CMD: the ./cacheshadow to use; default this checkout's)
# Exit 0 when every check passes. The guest and the recorder are stopped by their PIDs at the end.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
dir=${1:?usage: recorder-guest.sh DIR [--bench [ROUNDS]]}; dir=$(mkdir -p "$dir" && cd "$dir" && pwd)
bench=0; [ "${2:-}" = --bench ] && bench=${3:-7}
CS=${CACHESHADOW_CMD:-$ROOT/cacheshadow}
fail=0
say() { echo "recorder-guest: $*"; }
check() { if [ "$1" = 0 ]; then say "PASS $2"; else say "FAIL $2"; fail=1; fi; }
recorder_pid() { grep -o 'pid [0-9]*$' "$dir/recorder.log" | tail -n 1 | cut -d' ' -f2; }
cleanup() {
  "$ROOT/releng/live-guest.sh" stop "$dir" >/dev/null 2>&1
  local p; p=$(recorder_pid); [ -n "$p" ] && kill "$p" 2>/dev/null
  p=$(grep -o 'pid [0-9]*$' "$dir/bench-recorder.log" 2>/dev/null | tail -n 1 | cut -d' ' -f2); [ -n "$p" ] && kill "$p" 2>/dev/null
}
trap cleanup EXIT

# the product built before QEMU starts (the wrapper gives the recorder 2 minutes to listen)
"$CS" --help > /dev/null 2>&1 || { say "FAIL $CS does not run"; exit 1; }
# and that product for the whole run: a source file touched meanwhile (another checkout user) must not make the
# recorder's start rebuild it while QEMU waits for its socket
export CACHESHADOW_BUILT=1
rm -rf "$dir.rc" "$dir/disk.csj"
hdfs_address="${CACHESHADOW_HDFS_DIR:-$ROOT/build/hdfs}/address"; ship=(); hdfs_url=""
if [ "$bench" = 0 ] && [ -f "$hdfs_address" ]; then
  hdfs_url="$(head -n 1 "$hdfs_address")/recorder-guest/$(date +%s%N)/disk.csj"; ship=(--ship "$hdfs_url")
  say "shipping the journal to $hdfs_url while recording"
fi
say "booting the guest with its disk through the recorder ($dir)"
CACHESHADOW_RECORD_BENCH=$([ "$bench" -gt 0 ] && echo 1 || echo 0) CACHESHADOW_RECORD="$CS record ${ship[*]}" PATH="$ROOT/releng/recorder-guest:$PATH" "$ROOT/releng/live-guest.sh" start "$dir" &
for _ in $(seq 900); do [ -f "$dir/live.txt" ] || [ -f "$dir.rc" ] && break; sleep 1; done
[ -f "$dir/live.txt" ] || { say "FAIL the guest did not come up: $(tail -n 5 "$dir.log")"; exit 1; }
say "guest up; recorder: $(grep 'record: serving' "$dir/recorder.log" | tail -n 1)"

# 1. every round, by the time the guest reported it synced
rounds=0
while IFS=$'\t' read -r epoch k; do
  "$CS" replay --disk "$dir/disk.recorded-base.img" --journal "$dir/disk.csj" --at "time:@$epoch" --manifest "$dir/round-$k.tsv" \
    --mount-prefix /mnt/disk > "$dir/round-$k.log" 2>&1
  cmp -s "$dir/round-$k.tsv" "$dir/manifest.round-$k.tsv"; check $? "round $k at time:@$epoch equals manifest.round-$k.tsv"
  rounds=$((rounds + 1))
done < <(awk -F'\t' 'NR > 1 && $3 == "console" && $6 ~ /^CACHESHADOW-ROUND-[0-9]+-SYNCED/ { split($6, a, "-"); print $1 "\t" a[3] }' "$dir/timeline.tsv")
[ "$rounds" -ge 2 ]; check $? "$rounds synced rounds checked"

# 2. kill -9 mid-write (twice: once the journal has grown by 2 MiB since the write began, again 2 MiB later), restart;
#    the guest writes in 64 pieces of 256 KiB (a dd each), so the write lasts long enough to be caught
"$ROOT/releng/live-guest.sh" run "$dir" 'dd if=/dev/urandom of=/tmp/rec.src bs=64k count=256 2>/dev/null && sha256sum /tmp/rec.src' > "$dir/src.sha"
mark=$(stat -c %s "$dir/disk.csj")
"$ROOT/releng/live-guest.sh" run "$dir" 'i=0; while [ $i -lt 64 ]; do dd if=/tmp/rec.src of=/mnt/disk/rec.bin bs=64k count=4 skip=$((i*4)) seek=$((i*4)) oflag=direct conv=notrunc 2>/dev/null || exit 1; i=$((i+1)); done; sync && echo WRITTEN' > "$dir/write.out" 2>&1 &
writer=$!
for kill in 1 2; do
  for _ in $(seq 1200); do [ $(($(stat -c %s "$dir/disk.csj") - mark)) -ge $((2 << 20)) ] && break; sleep 0.05; done
  old=$(recorder_pid); mark=$(stat -c %s "$dir/disk.csj")
  kill -0 "$writer" 2>/dev/null; check $? "kill $kill comes while the guest is still writing"
  kill -9 "$old"; say "kill $kill: killed the recorder (pid $old) while the guest writes, journal at $mark bytes"
  sleep 1
  $CS record --disk "$dir/disk.img" --journal "$dir/disk.csj" --socket "$dir/nbd.sock" "${ship[@]}" >> "$dir/recorder.log" 2>&1 &
  for _ in $(seq 600); do [ "$(recorder_pid)" != "$old" ] && break; sleep 0.1; done
  say "restarted: $(grep 'record: reopened' "$dir/recorder.log" | tail -n 1)"
done
wait "$writer"; grep -q WRITTEN "$dir/write.out"; check $? "the guest's O_DIRECT writes and sync went through both restarts ($(tr '\n' ' ' < "$dir/write.out" | cut -c1-120))"
"$CS" replay --disk "$dir/disk.recorded-base.img" --journal "$dir/disk.csj" --at end --manifest "$dir/end.tsv" --mount-prefix /mnt/disk > "$dir/end.log" 2>&1
want=$(cut -d' ' -f1 "$dir/src.sha"); got=$(awk -F'\t' '$1 == "/mnt/disk/rec.bin" { print $13 }' "$dir/end.tsv")
[ -n "$want" ] && [ "$want" = "$got" ]; check $? "rec.bin replayed from the journal has the guest's bytes (sha256 $want, replayed $got)"

if [ "$bench" -gt 0 ]; then
  run() { "$ROOT/releng/live-guest.sh" run "$dir" "$1"; }
  devs=$(run 'for b in /sys/block/vd*; do echo "${b##*/} $(readlink -f $b/device)"; done')
  raw=$(echo "$devs" | awk '/00:06.0/ { print $1 }'); rec=$(echo "$devs" | awk '/00:07.0/ { print $1 }')
  run 'dd if=/dev/urandom of=/tmp/bench.src bs=1M count=32 2>/dev/null; echo made' > /dev/null
  ratios=(); traw=(); trec=()
  for r in $(seq "$bench"); do
    for side in $([ $((r % 2)) = 1 ] && echo "raw rec" || echo "rec raw"); do
      d=$([ "$side" = raw ] && echo "$raw" || echo "$rec")
      t0=$(date +%s.%N); run "dd if=/tmp/bench.src of=/dev/$d bs=1M oflag=direct 2>/dev/null; echo done" > /dev/null; t1=$(date +%s.%N)
      t=$(echo "$t1 - $t0" | bc -l); [ "$side" = raw ] && traw+=("$t") || trec+=("$t")
    done
    ratios+=("$(echo "${traw[-1]} / ${trec[-1]}" | bc -l)")
  done
  med() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
  say "$(printf 'bench: 32 MiB O_DIRECT writes (dd, 1 MiB blocks) in the guest, %d rounds taking turns: raw image %.1f MB/s, through the recorder %.1f MB/s (medians); ratio median %.2f, range %.2f..%.2f (goal >= 0.7)' \
    "$bench" "$(echo "33.554432 / $(med "${traw[@]}")" | bc -l)" "$(echo "33.554432 / $(med "${trec[@]}")" | bc -l)" "$(med "${ratios[@]}")" \
    "$(printf '%s\n' "${ratios[@]}" | sort -g | head -n 1)" "$(printf '%s\n' "${ratios[@]}" | sort -g | tail -n 1)")"
  truncate -s 256M "$dir/bench-base.img"
  "$CS" replay --disk "$dir/bench-base.img" --journal "$dir/bench.csj" --at end --out "$dir/bench-replayed.img" > "$dir/bench-replay.log" 2>&1
  cmp "$dir/bench-replayed.img" "$dir/bench-rec.img"; check $? "the bench's journal ($(stat -c %s "$dir/bench.csj") bytes) replayed onto zeros equals its image"
fi

# 3. the whole journal onto the base is the image
"$ROOT/releng/live-guest.sh" stop "$dir" > /dev/null 2>&1
# (a recorder that ships sends the rest as it stops: up to 30 s of retries)
p=$(recorder_pid); kill "$p"; for _ in $(seq 600); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
"$CS" replay --disk "$dir/disk.recorded-base.img" --journal "$dir/disk.csj" --at end --out "$dir/replayed.img" > "$dir/replay-end.log" 2>&1
cmp "$dir/replayed.img" "$dir/disk.img"; check $? "the journal ($(stat -c %s "$dir/disk.csj") bytes) replayed onto the base equals the guest's image"
if [ -n "$hdfs_url" ]; then
  # 4. HDFS's copy (read back with WebHDFS OPEN, following the name node's redirect to the data node)
  hp=${hdfs_url#webhdfs://}; hpath=/${hp#*/}; hp=${hp%%/*}
  curl -sfL "http://$hp/webhdfs/v1$hpath?op=OPEN&user.name=$(id -un)" -o "$dir/hdfs.csj"
  cmp "$dir/hdfs.csj" "$dir/disk.csj"; check $? "HDFS holds the journal shipped while recording byte for byte ($(stat -c %s "$dir/hdfs.csj" 2>/dev/null) bytes; $(grep -c 'ship: ' "$dir/recorder.log") shipping retries; $(grep 'bytes of the journal in' "$dir/recorder.log" | tail -n 1))"
fi
"$CS" timeline --journal "$dir/disk.csj" | head -n 6
exit $fail
