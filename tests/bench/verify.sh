#!/bin/bash
# verify.sh - the rate at which nfsbench --verify checks blocks read
# (CRC32C plus the header), in bytes/s per core, against its anchor in the
# same run: the same check with the portable CRC table. Target: >= 8 GB/s
# per core where the CPU has a CRC32C instruction, so that verifying a
# 10 GbE stream (1.25 GB/s) costs a small part of one core.
. "$(dirname "$0")/common.inc"
out=$("$BIN/nfsbench" verify-bench) || { echo "bench: verify-bench failed"; exit 1; }
read -r impl fast < <(awk '$1 == "verify" && NR == 1 { print $2, $3 }' <<<"$out")
table=$(awk '$1 == "verify" && $2 == "table" { print $3 }' <<<"$out" | tail -1)
r=$(ratio "$fast" "$table")
awk -v i="$impl" -v f="$fast" -v t="$table" -v r="$r" 'BEGIN {
	printf "verify (CRC32C, %s): %.2f GB/s per core, %sx the table anchor (%.2f GB/s per core); target >= 8 GB/s per core with the instruction\n", i, f / 1e9, r, t / 1e9 }'
if [ "$impl" != table ] && ! awk -v f="$fast" 'BEGIN { exit !(f >= 8e9) }'; then
	echo "bench: below target"
fi
exit 0
