#!/bin/bash
# test_nfscap_attribute.sh - `nfscap attribute` in the lab: guest1 runs an
# nfsbench workload with its per-RPC trace while the lab captures at all four
# points (full payload). Checks (issue 7, "Validation in the lab"):
#  1. baseline (the open-loop write below, unshaped): every RPC of the trace matched at
#     every point, the shares of every RPC sum to the app latency within
#     1 us, no share below minus the offset uncertainty; a subset of points
#     merges shares and still sums;
#  2. host bottleneck (TBF at 20 Mbit/s on the host uplink, below the 65
#     Mbit/s of an open-loop write workload): the host share dominates the
#     WRITE tail, and at least 80% of the growth of WRITE p99 over the
#     unshaped run lands in the host share;
#  3. storage bottleneck (the same TBF on the storage node's egress under the
#     same workload reading): the READ tail moves to the server share, which
#     dominates it and holds most of the growth of READ p99;
#  4. clock offset: the storage capture shifted by +13.7 ms and host-out by
#     -4.2 ms (editcap): the estimates are within 20 us of the truth and
#     every RPC's shares equal the unshifted run's within 20 us; a user
#     --offset is used as given.
# The loads are sized so that four full-payload tcpdumps drop nothing. Writes
# go to the MEM export: no disk under the server share, whose variance would
# otherwise hide what the shaping adds to the tail; reads come from a file
# just written to the VFS export (in the page cache).
. "$(dirname "$0")/../lib.sh"
skip_unless_root
for c in editcap tcpdump tc python3; do
	command -v $c >/dev/null || { echo "skip - $(basename "$0"): $c not installed (make deps)"; exit 77; }
done
t_setup
NFSCAP=$BIN/nfscap

# Capture at the four points while nfsbench runs the workload given, with
# its trace. (A closed-loop 64 KiB write, 2 connections x 2 slots, made the
# full-payload tcpdumps drop 1-2% of the packets on this 2-core machine.)
run_load() { # dir workload-args...
	local d=$1
	shift
	"$LAB" capture start "$d" >"$d.capture.log" 2>&1 || return 1
	"$LAB" exec guest1 "$ROOT/bin/nfsbench" "$@" --time 3s --trace "$d/T" --json >"$d/bench.json" 2>"$d/bench.err"
	local rc=$?
	"$LAB" capture stop >>"$d.capture.log" 2>&1
	sed -n 's/^lab: /#   /p' "$d.capture.log" | grep dropped
	return $rc
}
attribute() { # dir out [args]: all four points and the trace
	local d=$1 out=$2
	shift 2
	"$NFSCAP" attribute --app "$d/T" --vantage guest="$d/guest1.pcap" --vantage host-in="$d/host-in1.pcap" \
		--vantage host-out="${HO:-$d/host-out.pcap}" --vantage storage="${ST:-$d/storage.pcap}" \
		--json --per-rpc "$out.csv" "$@" >"$out.json" 2>"$out.err"
}
py() { python3 - "$@"; }

"$LAB" down >/dev/null 2>&1
check "lab up" "$LAB" up
mkdir -p "$T_TMP/base" "$T_TMP/shaped"

# ---- the load ------------------------------------------------------------------
# An open-loop workload: 32 connections with one RPC each, 8 KiB, 1000 RPCs/s
# (65 Mbit/s). Unshaped, nothing saturates and the tail is a few ms. A TBF at
# 20 Mbit/s, deep enough never to drop, holds all 32 RPCs: about
# 32 x 8.3 KiB / 20 Mbit/s = 110 ms each, in one place, well above what the
# other loads on this 2-core machine usually add to a tail (under 15 ms; once
# in twelve runs a stall of ~120 ms landed in the READ tail as guest time).
# Where the backlog waits depends on the guest's TCP, so:
# - one RPC per connection: with 2-4 per connection, 8 or 64 KiB, about half
#   of the backlog waited in the guest's socket, not in the TBF (no drops;
#   most likely TCP small queues: through veth and the bridge the bytes in the
#   host's qdisc still count against the guest's socket), and host got 45-54 %
#   of the WRITE tail's growth;
# - reno in the guest, as unpaced as a stock guest's cubic (which this
#   machine's namespaces may not use): with the machine's bbr each connection
#   paced its RPC's segments at its share of the 20 Mbit/s, so a call left
#   the guest spread over tens of ms: the wait before its first byte counts
#   as guest time, the rest of the call as server time (the storage's
#   exchange starts at the first byte), and host got 62-79 % of the growth
#   in 3 of 6 runs.
# - the writes spread over 32 files: they start empty and each write extends
#   its file, which nfsbench serialises per file (a write past the end holds
#   it), so with 2 files only about 4 RPCs were in flight: the host share of
#   the shaped tail was 7-15 ms, and a few ms of CPU contention in the guest
#   or in ganesha took it below 80 % of the growth (2 runs of 3 while a build
#   ran beside the test). With 32 files all 32 wait in the TBF: about 125 ms
#   each (7 runs of 7 beside the same build, 100-102 % of the growth).
workload() { # read|write url: the profile in $T_TMP/OP.json
	cat >"$T_TMP/$1.json" <<EOF
{ "url": "$2",
  "fileset": { "directory": "attribute", "files": $([ "$1" = read ] && echo 2 || echo 32), "size": "8m", "fill": $([ "$1" = read ] && echo 100 || echo 0), "reuse": true },
  "threadgroups": [ { "threads": 2, "connections": 32, "slots": 1, "ops": { "$1": 1 },
      "$1_size": "8k", "$1_bs": "8k", "rate_iops": 1000, "arrivals": "fixed" } ] }
EOF
}
shape() { # ns dev
	tc -n "$1" qdisc replace dev "$2" root tbf rate 20mbit burst 64kb latency 1s
}
unshape() { # ns dev: remove the TBF, saying what it sent and dropped
	tc -s -n "$1" qdisc show dev "$2" | sed -n 's/^ *Sent/#   tbf on '"$2"': sent/p'
	tc -s -n "$1" qdisc show dev "$2" | grep -q 'dropped 0,'
	local rc=$?
	tc -n "$1" qdisc del dev "$2" root 2>/dev/null
	return $rc
}
# OP SHARE PART base.json shaped.json: SHARE dominates OP's shaped tail (the
# largest share, over half of it), grew tenfold, and holds at least PART of
# the growth of OP's p99 and of its tail (the RPCs above p99) over the base.
grew_in() {
	py "$@" <<'EOF'
import json, sys
op, share, want = sys.argv[1], sys.argv[2], float(sys.argv[3])
b = json.load(open(sys.argv[4]))['attribution']['ops'][op]
s = json.load(open(sys.argv[5]))['attribution']['ops'][op]
bt, st = b['tail'], s['tail']
def sh(t, k):
    return t['shares'][k]['mean_ns'] if k in t['shares'] else 0
p99g = s['total_ns']['p99'] - b['total_ns']['p99']
grow = st['total_mean_ns'] - bt['total_mean_ns']
g = sh(st, share) - sh(bt, share)
print('#   %s p99 %.1f -> %.1f ms; tail (%d -> %d RPCs) mean %.1f -> %.1f ms; %s %.2f -> %.1f ms: %.0f %% of the p99 growth, %.0f %% of the tail growth' % (
    op, b['total_ns']['p99'] / 1e6, s['total_ns']['p99'] / 1e6, bt['count'], st['count'], bt['total_mean_ns'] / 1e6,
    st['total_mean_ns'] / 1e6, share, sh(bt, share) / 1e6, sh(st, share) / 1e6,
    100 * g / p99g if p99g else 0, 100 * g / grow if grow else 0))
print('#   shaped tail:', ', '.join('%s %.2f ms' % (k, sh(st, k) / 1e6) for k in st['shares']), '|', s['verdict'])
top = max(st['shares'], key=lambda k: sh(st, k))
ok = top == share and sh(st, share) > 0.5 * st['total_mean_ns'] and sh(st, share) >= 10 * max(sh(bt, share), 1000)
ok &= p99g > 0 and grow > 0 and g >= want * p99g and g >= want * grow
sys.exit(0 if ok else 1)
EOF
}
mkdir -p "$T_TMP/rbase" "$T_TMP/rshaped"
check "guest1 uses reno (unpaced TCP)" "$LAB" exec guest1 sysctl -qw net.ipv4.tcp_congestion_control=reno
workload write "nfs://$SIP/null"
workload read "nfs://$SIP/export"


# ---- 1. baseline -------------------------------------------------------------
check "baseline (open-loop write): captures at four points and the trace" run_load "$T_TMP/base" --profile "$T_TMP/write.json"
check "baseline: nfscap attribute (JSON, CSV, HTML)" attribute "$T_TMP/base" "$T_TMP/base/a" --html "$T_TMP/base/a.html"
check "baseline: every RPC of the trace matched at every point, none missing" py "$T_TMP/base/a.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
n = d['points']['app']['rpcs']
for p, v in d['points'].items():
    print('#   %-9s %6d NFS RPCs, %6d matched, %d missing, %d extra' % (p, v['rpcs'], v['matched'], v['missing'], v['extra']))
bad = n < 1000 or any(v['missing'] or v['matched'] != n for v in d['points'].values())
bad |= d['attribution']['rpcs'] != n
sys.exit(1 if bad else 0)
EOF
check "baseline: per RPC the four shares sum to the app latency within 1 us; none below minus the uncertainty" \
	py "$T_TMP/base/a.json" "$T_TMP/base/a.csv" <<'EOF'
import csv, json, sys
d = json.load(open(sys.argv[1]))
unc = max(d['offset_uncertainty_ns'].values())
worst, low, n = 0, 0, 0
for r in csv.DictReader(open(sys.argv[2])):
    if r['points'] != 'app+guest+host-in+host-out+storage':
        continue
    n += 1
    sh = [int(r[k + '_ns']) for k in ('guest', 'host', 'wire', 'server')]
    worst = max(worst, abs(int(r['total_ns']) - sum(sh)))
    low = min(low, min(sh))
print('#   %d RPCs: worst |total - sum of shares| %d ns; lowest share %d ns; offset uncertainty %d ns' % (n, worst, low, unc))
for k, v in d['attribution']['ops']['WRITE']['shares'].items():
    print('#   WRITE %-6s p50 %8.1f us  p99 %8.1f us  part %5.1f%%' % (k, v['p50_ns'] / 1e3, v['p99_ns'] / 1e3, 100 * v['part']))
print('#   offsets_ns', d['offsets_ns'], 'uncertainty', d['offset_uncertainty_ns'])
sys.exit(0 if n and worst <= 1000 and low >= -unc else 1)
EOF
check "baseline: HTML report has inline SVG and fetches nothing" \
	bash -c "grep -q '<svg' '$T_TMP/base/a.html' && ! grep -Eq '(src|href)=' '$T_TMP/base/a.html'"
# a subset of points, guest and storage only: no guest share (no app trace
# inside it), host and wire merged (no host-out between them)
"$NFSCAP" attribute --vantage guest="$T_TMP/base/guest1.pcap" --vantage storage="$T_TMP/base/storage.pcap" \
	--json --per-rpc "$T_TMP/base/sub.csv" >"$T_TMP/base/sub.json" 2>/dev/null
check "subset guest+storage: host+wire merged, shares sum to the guest exchange" py "$T_TMP/base/sub.json" "$T_TMP/base/sub.csv" <<'EOF'
import csv, json, sys
d = json.load(open(sys.argv[1]))
ok = d['attribution']['shares'] == ['host+wire', 'server']
for r in csv.DictReader(open(sys.argv[2])):
    if r['points'] != 'guest+storage':
        continue
    name, v = r['merged'].split('=')
    ok &= name == 'host+wire' and r['host_ns'] == '' and r['wire_ns'] == '' and r['guest_ns'] == ''
    ok &= int(v) + int(r['server_ns']) == int(r['total_ns'])
print('#   shares', d['attribution']['shares'], d['attribution']['ops']['WRITE']['verdict'])
sys.exit(0 if ok else 1)
EOF

# ---- 4. clock offsets (on the baseline's captures) -----------------------------
editcap -F pcap -t 0.0137 "$T_TMP/base/storage.pcap" "$T_TMP/base/storage-shift.pcap" 2>/dev/null
editcap -F pcap -t -0.0042 "$T_TMP/base/host-out.pcap" "$T_TMP/base/host-out-shift.pcap" 2>/dev/null
ST=$T_TMP/base/storage-shift.pcap HO=$T_TMP/base/host-out-shift.pcap attribute "$T_TMP/base" "$T_TMP/base/shift"
check "clock shift: offsets within 20 us of +13.7 ms (storage) and -4.2 ms (host-out), attribution unchanged within 20 us" \
	py "$T_TMP/base/a.csv" "$T_TMP/base/shift.json" "$T_TMP/base/shift.csv" <<'EOF'
import csv, json, sys
d = json.load(open(sys.argv[2]))
truth = {'guest': 0, 'host-in': 0, 'host-out': -4200000, 'storage': 13700000}
err = {p: d['offsets_ns'][p] - t for p, t in truth.items()}
print('#   offsets_ns', d['offsets_ns'], 'errors', err, 'uncertainty', d['offset_uncertainty_ns'])
A = {(r['conn'], r['xid']): r for r in csv.DictReader(open(sys.argv[1]))}
worst, n = 0, 0
full = sum(1 for a in A.values() if a['points'] == 'app+guest+host-in+host-out+storage')
for r in csv.DictReader(open(sys.argv[3])):
    a = A.get((r['conn'], r['xid']))
    if a is None or r['points'] != 'app+guest+host-in+host-out+storage':
        continue
    n += 1
    for k in ('total_ns', 'guest_ns', 'host_ns', 'wire_ns', 'server_ns'):
        worst = max(worst, abs(int(a[k]) - int(r[k])))
print('#   %d RPCs: worst share difference from the unshifted run %d ns' % (n, worst))
sys.exit(0 if n == full and all(abs(e) <= 20000 for e in err.values()) and worst <= 20000 else 1)
EOF
ST=$T_TMP/base/storage-shift.pcap HO=$T_TMP/base/host-out-shift.pcap attribute "$T_TMP/base" "$T_TMP/base/user" \
	--offset storage=+13.7ms --offset host-out=-4.2ms
check "clock shift: --offset storage=+13.7ms host-out=-4.2ms are used as given" \
	py "$T_TMP/base/user.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if d['offsets_ns']['storage'] == 13700000 and d['offsets_ns']['host-out'] == -4200000 else 1)
EOF


# ---- 2. and 3.: a bottleneck at the host, then at the storage node ---------------
# 2. the host uplink (host eth1, toward the storage node); the baseline's run
# is the unshaped one
check "shape the host uplink: tbf 20mbit" shape "$LAB_NS-host" eth1
check "host bottleneck: captures at four points and the trace" run_load "$T_TMP/shaped" --profile "$T_TMP/write.json"
check "host bottleneck: the TBF dropped nothing" unshape "$LAB_NS-host" eth1
check "host bottleneck: nfscap attribute" attribute "$T_TMP/shaped" "$T_TMP/shaped/a" --html "$T_TMP/shaped/a.html"
check "host bottleneck: host dominates the WRITE tail and holds >= 80% of the WRITE p99's growth" \
	grew_in WRITE host 0.8 "$T_TMP/base/a.json" "$T_TMP/shaped/a.json"

# 3. the storage node's egress (storage eth0, where its capture sees the
# replies leave the qdisc: the wait in it is server time)
layout() { # profile: lay out its files before the captures
	"$LAB" exec guest1 "$ROOT/bin/nfsbench" --profile "$1" --ops 16 --json >"$1.out" 2>&1
}
check "open-loop read: its files laid out on the VFS export" layout "$T_TMP/read.json"
check "open-loop read, unshaped: captures at four points and the trace" run_load "$T_TMP/rbase" --profile "$T_TMP/read.json"
check "open-loop read, unshaped: nfscap attribute" attribute "$T_TMP/rbase" "$T_TMP/rbase/a"
check "shape the storage node's egress: tbf 20mbit" shape "$LAB_NS-storage" eth0
check "storage bottleneck: captures at four points and the trace" run_load "$T_TMP/rshaped" --profile "$T_TMP/read.json"
check "storage bottleneck: the TBF dropped nothing" unshape "$LAB_NS-storage" eth0
check "storage bottleneck: nfscap attribute" attribute "$T_TMP/rshaped" "$T_TMP/rshaped/a"
check "storage bottleneck: the READ tail moves to server, which holds most of the READ p99's growth" \
	grew_in READ server 0.5 "$T_TMP/rbase/a.json" "$T_TMP/rshaped/a.json"
check "down" "$LAB" down
t_done
