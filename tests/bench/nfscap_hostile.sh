#!/bin/bash
# nfscap_hostile.sh - nfscap's time per packet on hostile captures, each as a
# ratio to the clean rate measured in the same run (target <= 3x):
#   clean:   1 M packets of calls and replies on one connection (the anchor);
#   syn:     200 k SYNs, each on its own 5-tuple (the connection table fills);
#   conns:   1 M connections of one call each (SYN, call, reply: 3 M packets);
#   noreply: 1 M calls on one connection, never answered (the XID table fills);
#   collide: the same with 4096 XIDs an unseeded hash would put in one slot.
# The captures come from `nfscap synth --load` (capture/synth.c). Needs no lab
# and no root; scripts/bench runs it with the others.
set -u
cd "$(dirname "$0")/../.." || exit 1
NFSCAP=$PWD/bin/nfscap
SCALE=${NFSCAP_HOSTILE_SCALE:-1}   # a smaller run for a quick look: 0.1
. "$(dirname "$0")/timing.inc"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nfscap-hostile.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
[ -x "$NFSCAP" ] || { echo "bench nfscap_hostile: build bin/nfscap first (make)"; exit 1; }

n_of() { awk -v n="$1" -v s="$SCALE" 'BEGIN { printf "%d", n * s }'; }
# kind count packets-in-the-file
declare -a RUNS=("clean $(n_of 1000000) $(n_of 1000000)" "syn $(n_of 200000) $(n_of 200000)"
	"conns $(n_of 1000000) $(($(n_of 1000000) * 3))" "noreply $(n_of 1000000) $(($(n_of 1000000) + 3))"
	"collide $(n_of 1000000) $(($(n_of 1000000) + 3))")

status=0
clean_ns=""
for run in "${RUNS[@]}"; do
	read -r kind n pk <<<"$run"
	f=$TMP/$kind.pcap
	"$NFSCAP" synth --load "$kind" "$n" "$f" || { echo "bench nfscap_hostile: synth $kind failed"; exit 1; }
	r=$(bench_best 2 "$NFSCAP" report "$f" --no-progress --allow-empty) || { echo "bench nfscap_hostile: report $kind failed"; exit 1; }
	rm -f "$f"
	ns=$(awk -v t="${r% *}" -v p="$pk" 'BEGIN { printf "%.1f", t * 1e9 / p }')
	[ -z "$clean_ns" ] && clean_ns=$ns
	x=$(awk -v a="$ns" -v b="$clean_ns" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
	printf "bench nfscap_hostile: %-8s %8d packets %6.2f s  %6.0f ns/packet  %5.2fx the clean rate (target <= 3x)  peak RSS %.0f MiB\n" \
		"$kind" "$pk" "${r% *}" "$ns" "$x" "$(awk -v k="${r#* }" 'BEGIN { print k / 1024 }')"
	awk -v x="$x" 'BEGIN { exit !(x > 3) }' && status=1
done
exit $status
