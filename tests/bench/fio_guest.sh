#!/bin/bash
# fio_guest.sh - a peer in the same guest. In one VM guest of the lab
# (lab up --vm), Debian's fio drives the guest kernel's NFS client at
# /mnt/data and nfsbench drives libnfs, on the same file of the same export,
# with the same block size and the same number of reads in flight:
#   - 64 KiB random reads and 1 MiB sequential reads, depth 1 and 16;
#   - fio psync (the anchor: every other figure is its ratio to it), fio
#     libaio, nfsbench; fio with O_DIRECT, so that each read goes to the
#     server as nfsbench's do, not to the guest's page cache.
# Depth D is: psync, D threads each with one read (a synchronous engine has
# one per thread); libaio, one thread with D reads in flight; nfsbench, D
# READ RPCs in flight over min(nconnect, D) connections.
# Then fio again with the kernel client tuned (rsize and wsize 1 MiB,
# nconnect 4, SunRPC slot table 128) against the lab's mount (64 KiB, 1
# connection, the kernel's slot table: 2 growing to 65536), as ratios to that
# default; nfstune applies the tuning in the guest and reverts it after.
# Figures are printed, never asserted; a run fails only when it moved no
# data or counted an error. Run by scripts/bench (root; it brought the
# lab up, this one brings up its own VM lab and takes it down at the end).
. "$(dirname "$0")/common.inc"
NB=$BIN/nfsbench
NT=$BIN/nfstune
TIME=${BENCH_FIO_TIME:-2} # seconds per run, after a 1 s ramp
FILE=fio-guest.dat
SIZE_MB=256
MNT=/mnt/data
fail=0

[ "$(id -u)" = 0 ] || { echo "bench fio_guest: needs root (lab)"; exit 1; }
why=""
command -v fio >/dev/null || why="no fio (make deps installs it)"
for c in qemu-system-x86_64 busybox; do
	command -v $c >/dev/null || why="no $c, so no VM guest here (make deps installs it)"
done
[ -e /dev/net/tun ] || why="no /dev/net/tun, so no VM guest here"
if [ -n "$why" ]; then
	echo "bench fio_guest: skipped: $why"
	exit 0
fi
# the guest sees the machine's /tmp: fio writes its JSON there
OUT=$(mktemp -d /tmp/fio-guest.XXXXXX) || exit 1
trap '"$LAB" down >/dev/null 2>&1; rm -rf "$OUT"' EXIT
G() { "$LAB" exec guest1 "$@"; }

"$LAB" down >/dev/null 2>&1
start=$(date +%s)
"$LAB" up --vm >"$OUT/up.log" 2>&1 || { cat "$OUT/up.log"; echo "bench fio_guest: lab up --vm failed"; exit 1; }
accel=$("$LAB" status | sed -n 's/^guests: .*accel \([a-z]*\).*/\1/p')
# laid out on the storage node's disk: no NFS traffic before the timed runs
"$NB" pattern --length ${SIZE_MB}m >"$LAB_EXPORT_DIR/$FILE" || exit 1
echo "bench fio_guest: guest1 is a QEMU VM ($accel, Linux $(G uname -r), $(G nproc) vCPUs), up in $(($(date +%s) - start)) s;" \
	"$SIZE_MB MiB file $MNT/$FILE = nfs://$SIP/export/$FILE; $TIME s per run after 1 s ramp"

mount_opts() { G awk -v m="$MNT" '$2 == m && $3 == "nfs" { print $4 }' /proc/mounts; }
mount_opt() { tr ',' '\n' <<<"$1" | sed -n "s/^$2=//p"; }
client_line() { # how the kernel client is set now
	local o
	o=$(mount_opts)
	echo "rsize $(mount_opt "$o" rsize), wsize $(mount_opt "$o" wsize), nconnect $(mount_opt "$o" nconnect | grep . || echo 1)," \
		"$(G grep -c '^[[:space:]]*xprt:' /proc/self/mountstats) transport(s) in mountstats," \
		"SunRPC slot table $(G cat /proc/sys/sunrpc/tcp_slot_table_entries) (max $(G cat /proc/sys/sunrpc/tcp_max_slot_table_entries))"
}
# The mount again with OPTS: the kernel keeps rsize, wsize and nconnect for
# the life of a mount (and a slot table for the life of a transport).
remount() {
	G sh -c 'umount "$1" && mount -i -t nfs -o "$2" "$3" "$1"' sh "$MNT" "$1" "$SIP:/export"
}

# One fio process runs every point of a pass, one after the other
# (stonewall), each its own reporting group: fio loads some sixty shared
# libraries, which takes seconds in a TCG guest, once instead of per run.
fio_pass() { # label
	local label=$1 p e rw bs d jobs qd size inc
	{
		printf '[global]\nfilename=%s\ndirect=1\nthread\ngroup_reporting\ntime_based\n' "$MNT/$FILE"
		printf 'runtime=%s\nramp_time=1\nlat_percentiles=1\n' "$TIME"
		for p in "${POINTS[@]}"; do
			read -r rw bs d <<<"$p"
			for e in psync libaio; do
				jobs=1 qd=$d size=${SIZE_MB}m inc=0
				if [ $e = psync ]; then
					jobs=$d qd=1
					# sequential threads each read their own part of the file
					[ "$rw" = read ] && size=$((SIZE_MB / d))m inc=$size
				fi
				printf '\n[%s]\nstonewall\nnew_group\nioengine=%s\nrw=%s\nbs=%s\n' "$e $p" $e "$rw" "$bs"
				printf 'numjobs=%s\niodepth=%s\nsize=%s\noffset_increment=%s\n' $jobs $qd $size $inc
			done
		done
	} >"$OUT/$label.fio"
	G fio --output-format=json --output="$OUT/$label.fio.json" "$OUT/$label.fio" >"$OUT/$label.fio.err" 2>&1
	for p in "${POINTS[@]}"; do
		for e in psync libaio; do
			result "$label $p $e" "$OUT/$label.fio.json" \
				".jobs[] | select(.jobname == \"$e $p\") | [.read.bw_bytes, .read.lat_ns.percentile[\"99.000000\"], .error + (.total_err // 0)]"
		done
	done
}

# nfsbench at every point: D READ RPCs in flight over as many connections as
# the mount has, at most D
nb_pass() { # label
	local label=$1 p rw bs d conns nconn
	nconn=$(mount_opt "$(mount_opts)" nconnect | grep . || echo 1)
	for p in "${POINTS[@]}"; do
		read -r rw bs d <<<"$p"
		conns=$((nconn < d ? nconn : d))
		f=$OUT/$label-$rw-$bs-$d.nfsbench
		G "$NB" --url "nfs://$SIP/export" --file "$FILE" --size ${SIZE_MB}m --rw "$rw" --bs "$bs" \
			--connections $conns --slots $((d / conns)) --time "${TIME}s" --ramp 1s --json >"$f.json" 2>"$f.err"
		result "$label $p nfsbench" "$f.json" \
			'[.ops.read.bytes_per_sec, .ops.read.lat_ns.p99, .total.errors + .total.connection_errors]'
	done
}

# result KEY FILE JQ: BPS[KEY] and P99[KEY] (ns) from the run's JSON (JQ
# yields bytes/s, p99, errors); a run that moved nothing or counted an
# error is reported and fails the benchmark
result() {
	local key=$1 f=$2 r bps p99 errs
	r=$(jq -r "$3 | @tsv" "$f" 2>/dev/null)
	read -r bps p99 errs <<<"$r"
	if ! awk -v b="${bps:-0}" -v e="${errs:-1}" 'BEGIN { exit !(b > 0 && e == 0) }'; then
		echo "bench fio_guest: $key: no data or errors (${r:-no result}): $(head -c 300 "${f%.json}.err")"
		fail=1
		bps=0 p99=0
	fi
	BPS[$key]=$bps P99[$key]=$p99
}

POINTS=("randread 64k 1" "randread 64k 16" "read 1m 1" "read 1m 16")
declare -A BPS P99

# table LABEL [BASE]: MB/s and p99 per engine, ratios to fio psync of the
# same pass, and (with BASE) fio's ratios to the pass BASE. nfsbench's
# figures are always the default pass's: libnfs is its own NFS client, which
# none of the kernel client's settings touch.
table() {
	local label=$1 base=${2:-} p e k row
	printf '%-12s %5s' workload depth
	for e in "fio psync" "fio libaio" nfsbench; do printf ' | %-26s' "$e MB/s p99 ms"; done
	[ -n "$base" ] && printf ' | %s' "x $base: psync libaio"
	echo
	for p in "${POINTS[@]}"; do
		read -r rw bs d <<<"$p"
		row=$(printf '%-12s %5s' "$rw $bs" "$d")
		for e in psync libaio nfsbench; do
			k="$label $p $e"
			[ $e = nfsbench ] && k="default $p $e"
			row+=$(awk -v b="${BPS[$k]}" -v l="${P99[$k]}" -v a="${BPS[$label $p psync]}" -v e="$e" 'BEGIN {
				x = e == "psync" ? "anchor" : (a > 0 ? sprintf("%.2fx", b / a) : "n/a")
				printf " | %8.1f %7.2f %8s", b / 1e6, l / 1e6, x }')
		done
		[ -n "$base" ] && row+=" | $(ratio "${BPS[$label $p psync]}" "${BPS[$base $p psync]}") $(ratio "${BPS[$label $p libaio]}" "${BPS[$base $p libaio]}")"
		echo "$row"
	done
}

default_opts=$(mount_opts)
default_line=$(client_line)
echo "bench fio_guest: the kernel client as the lab mounts it: $default_line"
fio_pass default
nb_pass default
table default

# Tuned: nfstune applies what it can (the SunRPC slot table is live, and
# takes effect for the transports of the next mount); the mount options are
# its remount class, done here by hand when nfstune only plans them.
prof=$OUT/guest-nfs.json
cat >"$prof" <<EOF
{
  "description": "bench fio_guest: the guest kernel NFS client's own knobs",
  "sunrpc": {"tcp_slot_table_entries": 128, "tcp_max_slot_table_entries": 128},
  "nfs": {"mounts": {"$MNT": {"rsize": 1048576, "wsize": 1048576, "nconnect": 4}}}
}
EOF
chmod 0644 "$prof"
STATE=/run/nfstune-fio-guest
if ! G "$NT" --state-dir "$STATE" apply "$prof" >"$OUT/apply.txt" 2>&1; then
	cat "$OUT/apply.txt"
	echo "bench fio_guest: nfstune apply failed in the guest"
	exit 1
fi
by="nfstune apply"
if [ "$(mount_opt "$(mount_opts)" rsize)" != 1048576 ]; then
	tuned=$(tr ',' '\n' <<<"$default_opts" | grep -Ev '^(rsize|wsize|nconnect)=' | paste -sd,)
	remount "$tuned,rsize=1048576,wsize=1048576,nconnect=4" || { echo "bench fio_guest: remount failed"; exit 1; }
	by="nfstune apply (SunRPC slots; it only plans the mount options, so this script remounted)"
fi
echo
echo "bench fio_guest: the kernel client tuned by $by: $(client_line)"
fio_pass tuned
table tuned default

G "$NT" --state-dir "$STATE" revert >"$OUT/revert.txt" 2>&1 || { cat "$OUT/revert.txt"; echo "bench fio_guest: nfstune revert failed"; fail=1; }
if [ "$(mount_opts)" != "$default_opts" ]; then
	remount "$default_opts" || { echo "bench fio_guest: remount back failed"; fail=1; }
fi
now=$(client_line)
echo "bench fio_guest: reverted: $now"
[ "$now" = "$default_line" ] || { echo "bench fio_guest: the kernel client is not back as it was"; fail=1; }
"$LAB" down >/dev/null 2>&1
echo "bench fio_guest: $(($(date +%s) - start)) s in all"
exit $fail
