#!/bin/bash
# rpccap.sh - `nfscap capture` against its anchor, a bare libpcap read loop
# (`nfscap capture --bare`: the same handle settings, TPACKET_V3, 256 MiB
# buffer, snaplen 262144, and nothing done per packet), both reading the
# same interface (guest1's eth0) at the same time, on the same traffic:
#   - 4 KiB random reads, 1 connection x 32 slots (the highest packet and
#     record rate), then 1 MiB sequential reads, 1 x 16 (the most bytes);
#   - CPU seconds of each (getrusage), packets per CPU second, and the ratio;
#   - kernel drops of each (target: none), and the kept share of the bytes.
# Run by scripts/bench (root; the lab is brought up with offloads on).
set -u
. "$(dirname "$0")/common.inc"
NFSCAP=$BIN/nfscap
[ "$(id -u)" = 0 ] || { echo "bench rpccap: needs root (lab)"; exit 1; }
. "$(dirname "$0")/timing.inc"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rpccap-bench.XXXXXX")
P1="" P2=""
trap '[ -n "$P1" ] && kill -INT $P1 $P2 2>/dev/null; "$LAB" down >/dev/null 2>&1; rm -rf "$TMP"' EXIT
"$LAB" down >/dev/null 2>&1
"$LAB" up --offloads on >/dev/null || { echo "bench rpccap: lab up failed"; exit 1; }
NS=$LAB_NS-guest1

one() { # name nfsbench-args...
	local name=$1
	shift
	ip netns exec "$NS" "$NFSCAP" capture -i eth0 -w "$TMP/$name.pcap" --filter "host $SIP" 2>"$TMP/$name.rpc" &
	P1=$!
	ip netns exec "$NS" "$NFSCAP" capture -i eth0 --bare --filter "host $SIP" 2>"$TMP/$name.bare" &
	P2=$!
	for ((i = 0; i < 100; i++)); do
		grep -q listening "$TMP/$name.rpc" && grep -q listening "$TMP/$name.bare" && break
		sleep 0.05
	done
	"$LAB" exec guest1 "$BIN/nfsbench" --url "nfs://$SIP/null" "$@" --time 5s --no-progress >/dev/null 2>&1
	sleep 0.3
	kill -INT $P1 $P2
	wait $P1 $P2 2>/dev/null
	P1="" P2=""
	awk -v name="$name" '
		FNR == 1 { f++ }
		/packets captured/ { pk[f] = $1 }
		/dropped by kernel/ { dr[f] = $1 }
		/packets per CPU second/ { cpu[f] = $2; pps[f] = $5 }
		f == 1 && /bytes kept of/ { kept = $0; sub(/.*records, /, "", kept); sub(/\), .*/, ")", kept) }
		END {
			printf "bench rpccap: %s: %d packets; nfscap capture %.2f s CPU (%.0f k packets per CPU second), %d dropped; bare loop %.2f s CPU (%.0f k/s), %d dropped; CPU ratio %.2fx the bare loop; %s\n", name,
				pk[1], cpu[1], pps[1] / 1e3, dr[1], cpu[2], pps[2] / 1e3, dr[2], (cpu[2] > 0 ? cpu[1] / cpu[2] : 0), kept
		}' "$TMP/$name.rpc" "$TMP/$name.bare"
}
one "randread 4k 1x32" --rw randread --bs 4k --size 64m --file r.dat --connections 1 --slots 32
one "read 1m 1x16" --rw read --bs 1m --size 512m --file s.dat --connections 1 --slots 16

# Offline, where nothing waits for packets: the rate one core sustains.
# A full capture (tcpdump -s 0) of the 4 KiB random reads, read by
# `nfscap capture -r` and by `nfscap bare` (a pcap_next_ex loop), best of 3.
ip netns exec "$NS" tcpdump -i eth0 -s 0 -B 262144 -U -n -w "$TMP/full.pcap" "host $SIP" 2>"$TMP/td.err" &
P1=$!
for ((i = 0; i < 100; i++)); do grep -q listening "$TMP/td.err" && break; sleep 0.05; done
"$LAB" exec guest1 "$BIN/nfsbench" --url "nfs://$SIP/null" --rw randread --bs 4k --size 64m --file r.dat \
	--connections 1 --slots 32 --time 2s --no-progress >/dev/null 2>&1
sleep 0.3
kill -INT $P1
wait $P1 2>/dev/null
P1=""
n=$(sed -n 's/^\([0-9]*\) packets.*/\1/p' <<<"$("$NFSCAP" bare "$TMP/full.pcap")")
bare=$(bench_best 3 "$NFSCAP" bare "$TMP/full.pcap") || exit 1
mine=$(bench_best 3 "$NFSCAP" capture -r "$TMP/full.pcap" -w "$TMP/out.pcap") || exit 1
bare=${bare% *} mine=${mine% *}
awk -v n="$n" -v b="$bare" -v m="$mine" -v s="$(stat -c %s "$TMP/full.pcap")" 'BEGIN {
	printf "bench rpccap: offline, one core: %d packets (%.0f MB, full capture): bare pcap_next_ex loop %.2f s (%.0f k packets/s, %.1f Gbit/s); nfscap capture -r %.2f s (%.0f k packets/s, %.1f Gbit/s), %.2fx the loop\n",
		n, s / 1e6, b, n / b / 1e3, s * 8 / b / 1e9, m, n / m / 1e3, s * 8 / m / 1e9, m / b
}'
