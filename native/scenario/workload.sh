# The guest side of ./cacheshadow scenario, in place of the evidence tool's generated /workload.sh (its /init
# sources this file, then calls phase1 and phase2; releng/scenario.sh puts this file, the scenario script and the
# static cacheshadow-scenario program into a second initramfs archive that overrides the tool's).
# phase1: every part of the script that ends in "sync", each followed by the tool's end_round (sync, the guest's
# listing of /mnt/disk: manifest.round-K.tsv, what the disk holds from then on). phase2: the part after the last
# sync, which the tool's /init keeps off the disk (writeback stopped, commit=86400): only the caches and the tmpfs
# hold it. The tool then lists /mnt/disk and /mnt/tmp (manifest.tsv, the answer key's ground truth) and the
# host pauses the guest and dumps its memory.
SEED=0 DROP_CACHES=0
D=/mnt/disk; T=/mnt/tmp
MARKS=""
OPS=""
S=/scenario.txt
NPARTS=$(/bin/cacheshadow-scenario check $S) || NPARTS=0
# runs one part; its operations go to operations.txt, the paths it named to the page hashes (pages.tsv)
scenario_part() {
  /bin/cacheshadow-scenario run $S $1 > /tmp/part.out 2> /tmp/part.err || fatal "scenario part $1: $(cat /tmp/part.err)"
  while read -r kind rest; do
    case $kind in
      op) OPS="$OPS
O|part $1: $rest";;
      path) [ $1 = "$NPARTS" ] && P2_FILES="$P2_FILES $rest";;
    esac
  done < /tmp/part.out
}
phase1() {
  [ "$NPARTS" -ge 2 ] || fatal "scenario script: $(/bin/cacheshadow-scenario check $S 2>&1)"
  k=1
  # the host samples the write log when it sees each round's lines (50 ms polling, slower under load): a pause
  # after each round keeps the next part's writes out of that round's sample, as the tool's own rounds do
  while [ $k -lt $NPARTS ]; do scenario_part $k; end_round $k; sleep 2; k=$((k+1)); done
  # the inodes' generations as the disk holds them (nothing reaches it after the last sync): a rename is told
  # from a new file that got a deleted one's number by them (releng/scenario.sh: answer/generations.tsv)
  /bin/cacheshadow-scenario generations SCENARIO-GEN-disk $D
}
# the tmpfs is always hashed page by page (what is hidden there is in RAM only); disk paths of the last part too
P2_FILES="$T"
phase2() {
  scenario_part $NPARTS
  # paths the last part deleted or renamed away are not there to hash
  keep="$T"
  for p in $P2_FILES; do [ "$p" != "$T" ] && [ -f "$p" ] && keep="$keep $p"; done
  P2_FILES=$keep
  /bin/cacheshadow-scenario generations SCENARIO-GEN-guest $D
}
