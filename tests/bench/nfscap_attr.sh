#!/bin/bash
# nfscap_attr.sh - `nfscap attribute` at any capture length: its memory must
# not grow with the number of RPCs, its time per RPC must not either.
# `nfscap synth --attr N` (capture/synth.c) writes N RPCs as nfsbench's trace
# and four captures (guest, host-in, host-out, storage; clocks shifted) see
# them, for N = 0.5 M and 5 M. For each: wall time and peak RSS of the
# attribution of all five, next to its anchor measured in the same run on
# the same files, `nfscap report` over the four captures (one read of each:
# attribute reads them three times). Targets: peak RSS <= 256 MiB at 5 M
# RPCs; time per RPC at 5 M <= 1.3x the time per RPC at 0.5 M. Every RPC
# must be attributed. Needs no lab and no root, but about 8.5 GB in TMPDIR
# (NFSCAP_ATTR_SCALE=0.1 for a quick look).
set -u
cd "$(dirname "$0")/../.." || exit 1
NFSCAP=$PWD/bin/nfscap
SCALE=${NFSCAP_ATTR_SCALE:-1}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nfscap-attr.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
[ -x "$NFSCAP" ] || { echo "bench nfscap_attr: build bin/nfscap first (make)"; exit 1; }
command -v jq >/dev/null || { echo "bench nfscap_attr: jq missing (make deps)"; exit 1; }

# wall seconds and peak RSS (KiB) of a command, its stdout in $TMP/out
timed() {
	/usr/bin/time -o "$TMP/time" -f "%e %M" "$@" >"$TMP/out" 2>"$TMP/err" || { cat "$TMP/err"; return 1; }
	tail -n 1 "$TMP/time"
}

status=0
first_ns=""
for n in $(awk -v s="$SCALE" 'BEGIN { printf "%d %d", 500000 * s, 5000000 * s }'); do
	d=$TMP/$n
	mkdir -p "$d"
	"$NFSCAP" synth --attr "$n" "$d" || { echo "bench nfscap_attr: synth --attr $n failed"; exit 1; }
	# the files on disk before any timing: 7.6 GB of writeback under the
	# timed reads made 5 M look 1.65x slower per RPC than 0.5 M
	sync -f "$d/app.trace"
	caps=("$d/guest.pcap" "$d/host-in.pcap" "$d/host-out.pcap" "$d/storage.pcap")
	r=$(timed "$NFSCAP" report --no-progress "${caps[@]}") || { echo "bench nfscap_attr: report failed"; exit 1; }
	a=$(timed "$NFSCAP" attribute --app "$d/app.trace" --vantage "guest=${caps[0]}" --vantage "host-in=${caps[1]}" \
		--vantage "host-out=${caps[2]}" --vantage "storage=${caps[3]}" --json) ||
		{ echo "bench nfscap_attr: attribute failed"; exit 1; }
	got=$(jq '.attribution.rpcs' "$TMP/out")
	peak=$(jq '.attribution.join_peak_waiting' "$TMP/out")
	size=$(du -sm "$d" | cut -f1)
	rm -rf "$d"
	ns=$(awk -v t="${a% *}" -v n="$n" 'BEGIN { printf "%.0f", t * 1e9 / n }')
	[ -z "$first_ns" ] && first_ns=$ns
	printf "bench nfscap_attr: %8d RPCs x 4 captures + trace (%d MB): %6.2f s, %5.0f ns/RPC (%.2fx the first size's), peak RSS %4.0f MiB; anchor nfscap report of the captures %6.2f s (attribute %.2fx); attributed %s, at most %s waiting in the join\n" \
		"$n" "$size" "${a% *}" "$ns" "$(awk -v a="$ns" -v b="$first_ns" 'BEGIN { print a / b }')" \
		"$(awk -v k="${a#* }" 'BEGIN { print k / 1024 }')" "${r% *}" \
		"$(awk -v a="${a% *}" -v b="${r% *}" 'BEGIN { print (b > 0 ? a / b : 0) }')" "$got" "$peak"
	[ "$got" = "$n" ] || { echo "bench nfscap_attr: $got of $n RPCs attributed"; status=1; }
	awk -v k="${a#* }" 'BEGIN { exit !(k > 256 * 1024) }' && { echo "bench nfscap_attr: over 256 MiB"; status=1; }
	awk -v a="$ns" -v b="$first_ns" 'BEGIN { exit !(a > 1.3 * b) }' && { echo "bench nfscap_attr: time per RPC grows"; status=1; }
done
exit $status
