#!/bin/bash
# nfscap.sh - nfscap's speed and memory on a real headers-only capture, each
# figure next to its anchor measured in the same run on the same file:
#   - a bare pcap_next_ex loop (`nfscap bare`), the floor of any libpcap
#     reader: target nfscap <= 1.5x its time;
#   - tshark -q -z rpc,srt,100003,3: target nfscap >= 40x faster;
#   - peak RSS <= 64 MiB, the same for half the file and the whole.
# The capture: the lab with offloads off, nfsbench random 4 KiB reads on the
# MEM export from guest1, tcpdump -s 200 on guest1's eth0, >= 2 million
# packets. Run by scripts/bench (root; it brought the lab up, we redo it).
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
LAB=$ROOT/tests/testbed/lab
NFSCAP=$ROOT/bin/nfscap
MIN_PACKETS=${NFSCAP_BENCH_PACKETS:-2000000}
[ "$(id -u)" = 0 ] || { echo "bench nfscap: needs root (lab)"; exit 1; }
for c in tshark tcpdump editcap; do
	command -v $c >/dev/null || { echo "bench nfscap: $c missing (make deps)"; exit 1; }
done
eval "$("$LAB" env | grep -v '^LAB_GUEST')"
. "$(dirname "$0")/timing.inc"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nfscap-bench.XXXXXX")
TD=""
trap '[ -n "$TD" ] && kill -INT $TD 2>/dev/null; "$LAB" down >/dev/null 2>&1; rm -rf "$TMP"' EXIT

"$LAB" down >/dev/null 2>&1
"$LAB" up --offloads off >/dev/null || { echo "bench nfscap: lab up failed"; exit 1; }
cap=$TMP/s200.pcap
ip netns exec "$LAB_NS-guest1" tcpdump -i eth0 -s 200 -B 65536 -U --immediate-mode -n -w "$cap" \
	"host $LAB_STORAGE_IP" </dev/null 2>"$TMP/tcpdump.err" &
TD=$!
for ((i = 0; i < 100; i++)); do grep -q listening "$TMP/tcpdump.err" && break; sleep 0.05; done
# about 4 packets per 4 KiB read here; run until the file is big enough
ops=560000
for round in 1 2 3; do
	"$LAB" exec guest1 "$ROOT/bin/nfsbench" --url "nfs://$LAB_STORAGE_IP/null" --rw randread --bs 4k \
		--size 64m --ops $ops --connections 4 --slots 16 --no-progress >/dev/null 2>&1
	sleep 0.3
	n=$(sed -n 's/^\([0-9]*\) packets.*/\1/p' <<<"$("$NFSCAP" bare "$cap" 2>/dev/null)")
	[ "${n:-0}" -ge "$MIN_PACKETS" ] && break
	ops=$(((MIN_PACKETS - ${n:-0}) / 3 + 1000))
done
sleep 0.3
kill -INT $TD
wait $TD 2>/dev/null
TD=""
"$LAB" down >/dev/null 2>&1
n=$(sed -n 's/^\([0-9]*\) packets.*/\1/p' <<<"$("$NFSCAP" bare "$cap")")
size=$(stat -c %s "$cap")
echo "bench nfscap: capture of $n packets at snaplen 200 ($((size / 1048576)) MiB), offloads off, nfsbench randread 4k"

cat "$cap" >/dev/null
bare=$(bench_best 3 "$NFSCAP" bare "$cap") || exit 1
mine=$(bench_best 3 "$NFSCAP" report "$cap" --no-progress) || exit 1
editcap -F pcap -r "$cap" "$TMP/half.pcap" "1-$((n / 2))" 2>/dev/null
half=$(bench_best 3 "$NFSCAP" report "$TMP/half.pcap" --no-progress) || exit 1
/usr/bin/time -o "$TMP/time" -f "%e %M" timeout 900 tshark -r "$cap" -q -z rpc,srt,100003,3 >/dev/null 2>&1
ts=$(tail -n 1 "$TMP/time")

awk -v n="$n" -v bare="$bare" -v mine="$mine" -v half="$half" -v ts="$ts" 'BEGIN {
	split(bare, b, " "); split(mine, m, " "); split(half, h, " "); split(ts, t, " ")
	printf "bench nfscap: bare pcap_next_ex loop %.2f s (%.2f M packets/s)\n", b[1], n / b[1] / 1e6
	printf "bench nfscap: nfscap report        %.2f s (%.2f M packets/s), %.2fx the bare loop (target <= 1.5x)\n", m[1], n / m[1] / 1e6, m[1] / b[1]
	printf "bench nfscap: tshark rpc,srt        %.2f s (%.0f k packets/s, peak RSS %.0f MiB); nfscap %.0fx faster (target >= 40x); bare loop %.0fx faster than tshark\n", t[1], n / t[1] / 1e3, t[2] / 1024, t[1] / m[1], t[1] / b[1]
	printf "bench nfscap: nfscap peak RSS %.1f MiB on the whole file, %.1f MiB on half of it (target <= 64 MiB, independent of size)\n", m[2] / 1024, h[2] / 1024
}'
