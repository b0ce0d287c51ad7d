#!/bin/bash
# nfsbench.sh - nfsbench's benchmark on the lab, every figure against an
# anchor measured in this run:
#   - sequential 1 MiB read/write and random 4 KiB read/write over /null
#     (no storage) and /export (VFS): throughput, IOPS, p99, client CPU;
#   - sequential ones against iperf3's TCP throughput over as many streams
#     on the same guest-to-storage path (target for /null read: >= 0.95);
#   - user-space instructions per 4 KiB READ RPC under callgrind, as the
#     difference of two runs of different op counts, against the same READs
#     straight on libnfs (target at 32 slots: <= 4,400);
#   - fio's libnfs engine on the same workloads when the fio on PATH has it.
. "$(dirname "$0")/common.inc"
NB=$BIN/nfsbench
TIME=${BENCH_TIME:-5s}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
fail=0

run() { # name export rw bs conns slots
	"$LAB" exec guest1 "$NB" --url "nfs://$SIP/$2" --rw "$3" --bs "$4" --size 256m --file "bench-$3" \
		--connections "$5" --slots "$6" --time "$TIME" --ramp 1s --json >"$OUT/$1.json" 2>"$OUT/$1.err" ||
		{ echo "bench: $1 failed: $(head -c 200 "$OUT/$1.err")"; fail=1; }
}

# Lay out the read files first so the timed runs only read.
for e in null export; do
	"$LAB" exec guest1 "$NB" --url "nfs://$SIP/$e" --rw read --bs 1m --size 256m --file bench-read --ops 1 --json >/dev/null
	"$LAB" exec guest1 "$NB" --url "nfs://$SIP/$e" --rw read --bs 1m --size 256m --file bench-randread --ops 1 --json >/dev/null
done

printf '%-16s %10s %9s %10s %10s %12s %9s %7s\n' workload MiB/s IOPS p99 "CPU s/GiB" "CPU s/1k ops" "iperf3" ratio
for e in null export; do
	for w in "read 1m 4 2" "write 1m 4 2" "randread 4k 4 16" "randwrite 4k 4 16"; do
		set -- $w
		name=$1-$e
		run "$name" "$e" "$1" "$2" "$3" "$4"
		f=$OUT/$name.json
		[ -s "$f" ] || continue
		op=${1#rand}
		mib=$(jq -r ".ops.$op.bytes_per_sec / 1048576" "$f")
		iops=$(jq -r ".ops.$op.ops_per_sec" "$f")
		p99=$(jq -r ".ops.$op.lat_ns.p99 / 1e6" "$f")
		gib=$(jq -r '.cpu.per_gib_s' "$f")
		kops=$(jq -r '.cpu.per_1000_ops_s' "$f")
		ip=- r=-
		if [ "$1" = read ] || [ "$1" = write ]; then
			ip=$(iperf_gbit "$3" $([ "$1" = read ] && echo -R))
			r=$(ratio "$(awk -v m="$mib" 'BEGIN { print m * 1048576 * 8 / 1e9 }')" "$ip")
			[ "$1" = read ] && [ "$e" = null ] && seq_ratio=$r
			ip="${ip}Gb/s"
		fi
		printf '%-16s %10.1f %9.0f %8.2fms %10.3f %12.4f %9s %7s\n' "$name" "$mib" "$iops" "$p99" "$gib" "$kops" "$ip" "$r"
	done
done
echo "target: sequential 1 MiB read over /null >= 0.95 of iperf3 over the same number of streams: ${seq_ratio:-n/a}"
awk -v r="${seq_ratio:-0}" 'BEGIN { exit !(r >= 0.95) }' || echo "bench: below target"

# Instructions per 4 KiB READ RPC: callgrind counts user-space instructions,
# the same for the same binary and input whatever else the machine does.
# The anchor is `nfsbench bare-read`: the same READs straight on libnfs,
# polled the same way, nothing recorded (the floor for any libnfs client).
if command -v valgrind >/dev/null; then
	# laid out beforehand, so that both runs only read
	"$LAB" exec guest1 "$NB" --url "nfs://$SIP/null" --rw randread --bs 4k --size 16m --file bench-cg --ops 1 --json >/dev/null
	cg() { # out-file nfsbench-args...
		local f=$1
		shift
		"$LAB" exec guest1 valgrind --tool=callgrind --callgrind-out-file="$f" "$NB" "$@" >/dev/null 2>&1
	}
	for slots in 16 32 64; do
		for n in 2000 12000; do
			cg "$OUT/cg.$slots.$n" --url "nfs://$SIP/null" --rw randread --bs 4k --size 16m --file bench-cg \
				--ops "$n" --connections 1 --threads 1 --slots "$slots" --json
			cg "$OUT/bare.$slots.$n" bare-read "nfs://$SIP/null" bench-cg "$slots" "$n"
		done
		per=$(python3 "$ROOT/tests/bench/cgdiff.py" "$OUT/cg.$slots.2000" 2000 "$OUT/cg.$slots.12000" 12000 |
			sed -n 's/^instructions_per_op //p')
		bare=$(python3 "$ROOT/tests/bench/cgdiff.py" "$OUT/bare.$slots.2000" 2000 "$OUT/bare.$slots.12000" 12000 |
			sed -n 's/^instructions_per_op //p')
		echo "instructions per 4 KiB READ RPC (callgrind, 1 connection, $slots slots): $per, $(ratio "$per" "$bare")x the bare libnfs loop's $bare (target at 32 slots: <= 4400)"
		if [ "$slots" = 32 ] && ! awk -v p="${per:-1e9}" 'BEGIN { exit !(p <= 4400) }'; then
			echo "bench: above target"
		fi
	done
fi

if command -v fio >/dev/null && fio --enghelp 2>/dev/null | grep -qw nfs; then
	echo "fio: has the nfs ioengine; comparison: see README (not automated yet)"
else
	echo "fio: $(command -v fio >/dev/null && echo "$(fio --version) has no nfs ioengine" || echo "not on PATH"); comparison skipped"
fi
exit $fail
