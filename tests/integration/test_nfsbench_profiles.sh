#!/bin/bash
# test_nfsbench_profiles.sh - nfsbench workload profiles against the lab's
# ganesha VFS export: every operation type checked on the storage node's
# disk, verify catching a corruption made behind the server's back (and
# judging only blocks a verify run wrote, on a reused fileset), rate
# control within 2 %, stonewall, bad profiles refused, and every profile in
# configs/ running for 5 s without errors.
. "$(dirname "$0")/../lib.sh"
skip_unless_root
t_setup
NB=$BIN/nfsbench
URL=nfs://$SIP/export
run() { "$LAB" exec guest1 timeout 120 "$NB" --url "$URL" "$@"; }
jqv() { jq -r "$1" "$2"; }

"$LAB" down >/dev/null 2>&1
check "lab up" "$LAB" up

# A profile with one operation, a fixed amount of work, in its own directory.
one_op() { # dir op count [extra group json]
	cat >"$T_TMP/$1.json" <<EOF
// one operation at a time: $2
{
  "fileset": { "directory": "t/$1", "dirs": 2, "files": 20, "size_weight": [["16k", 1], ["32k", 1]] },
  "threadgroups": [ { "name": "g", "threads": 2, "connections": 2, "slots": 4,
      "ops": { "$2": 1 }, "ops_limit": $3, "read_size": "8k", "read_bs": "4k",
      "write_size": "4k", "write_bs": "4k", "random": true ${4:-} } ]
}
EOF
	run --profile "$T_TMP/$1.json" --json >"$T_TMP/$1.out" 2>"$T_TMP/$1.err"
}
D=$LAB_EXPORT_DIR/t
count_files() { find "$1" -type f -name "$2" | wc -l; }
sum_sizes() { find "$1" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}'; }

# layout: 20 files in 2 directories with the sizes asked
one_op layout stat 10
check "layout: 20 files f* in d0000/d0001 ($(count_files "$D/layout" 'f*'))" test "$(count_files "$D/layout" 'f*')" = 20
check "layout: sizes are 16k or 32k" bash -c "! find '$D/layout' -type f ! -size 16k ! -size 32k | grep -q ."
check "stat: 10 GETATTRs, no errors" test "$(jqv '.ops.stat.count' "$T_TMP/layout.out")" = 10 -a \
	"$(jq -r '.rpcs[] | select(.proc == "GETATTR") | .count' "$T_TMP/layout.out")" = 10

one_op create create 12
check "create: 12 new files c* on disk ($(count_files "$D/create" 'c*'))" test "$(count_files "$D/create" 'c*')" = 12
check "create: each new file holds data" bash -c "! find '$D/create' -name 'c*' -size 0 | grep -q ."

one_op delete delete 7
check "delete: 7 files removed ($(count_files "$D/delete" 'f*') of 20 left)" test "$(count_files "$D/delete" 'f*')" = 13

one_op rename rename 5
check "rename: 5 files renamed r* ($(count_files "$D/rename" 'r*'))" test "$(count_files "$D/rename" 'r*')" = 5 -a \
	"$(count_files "$D/rename" 'f*')" = 15
check "rename: LOOKUP + RENAME RPCs counted one by one" test \
	"$(jq -r '[.rpcs[] | select(.proc == "RENAME" or .proc == "LOOKUP") | .count] | add' "$T_TMP/rename.out")" -ge 10

one_op append stat 1
before=$(sum_sizes "$D/append")
one_op append append 9
check "append: files grew by 9 x 4 KiB ($before -> $(sum_sizes "$D/append"))" test "$(($(sum_sizes "$D/append") - before))" = $((9 * 4096))

one_op mkdir mkdir 6
check "mkdir: 6 directories m* made ($(find "$D/mkdir" -mindepth 1 -maxdepth 1 -type d -name 'm*' | wc -l))" \
	test "$(find "$D/mkdir" -mindepth 1 -maxdepth 1 -type d -name 'm*' | wc -l)" = 6
cat >"$T_TMP/mkrm.json" <<EOF
{ "fileset": { "directory": "t/mkrm", "files": 2, "size": "4k" },
  "threadgroups": [ { "name": "g", "threads": 1, "connections": 1, "slots": 1, "ops": { "mkdir": 1, "rmdir": 1 }, "ops_limit": 40 } ] }
EOF
run --profile "$T_TMP/mkrm.json" --json >"$T_TMP/mkrm.out"
made=$(jqv '.ops.mkdir.count' "$T_TMP/mkrm.out")
removed=$(jqv '.ops.rmdir.count // 0' "$T_TMP/mkrm.out")
check "rmdir: directories left = made - removed ($made - $removed)" \
	test "$(find "$D/mkrm" -mindepth 1 -maxdepth 1 -type d -name 'm*' | wc -l)" = $((made - removed)) -a "$removed" -gt 0

for op in read readall write writeall lookup readdir open_close commit; do
	one_op "$op" "$op" 16
	check "$op: 16 operations, no errors (rc $?)" test "$(jqv ".ops.$op.count" "$T_TMP/$op.out")" = 16 -a \
		"$(jqv '.total.errors' "$T_TMP/$op.out")" = 0
done
check "open_close: LOOKUP, ACCESS, GETATTR once each per operation" test \
	"$(jq -r '[.rpcs[] | select(.proc == "LOOKUP" or .proc == "ACCESS" or .proc == "GETATTR") | .count] | join(",")' "$T_TMP/open_close.out")" = "16,16,16"
check "readdir: READDIRPLUS RPCs" test "$(jq -r '.rpcs[] | select(.proc == "READDIRPLUS") | .count' "$T_TMP/readdir.out")" -ge 16
check "readall reads whole files" test "$(jqv '.ops.readall.bytes' "$T_TMP/readall.out")" -ge $((16 * 16384))

# --- verify ----------------------------------------------------------------
cat >"$T_TMP/vmix.json" <<EOF
{ "time": "3s", "fileset": { "directory": "t/vmix", "dirs": 2, "files": 16, "size_weight": [["64k", 1], ["128k", 1]] },
  "threadgroups": [ { "name": "rw", "threads": 2, "connections": 2, "slots": 8,
      "ops": { "read": 4, "readall": 1, "write": 2, "writeall": 1, "append": 1, "create": 1, "delete": 1 },
      "read_size": "16k", "read_bs": "8k", "write_size": "16k", "write_bs": "8k", "random": true } ] }
EOF
run --profile "$T_TMP/vmix.json" --verify --json >"$T_TMP/vmix.out" 2>"$T_TMP/vmix.err"
rc=$?
check "verify: concurrent writers to different files, no false alarm (rc $rc, $(jqv .total.count "$T_TMP/vmix.out") ops)" \
	test "$rc" = 0 -a "$(jqv .total.verify_errors "$T_TMP/vmix.out")" = 0 -a "$(jqv .total.count "$T_TMP/vmix.out")" -gt 100
cat >"$T_TMP/vread.json" <<EOF
{ "fileset": { "directory": "t/vread", "files": 4, "size": "64k" },
  "threadgroups": [ { "name": "check", "threads": 1, "connections": 1, "slots": 2, "ops": { "readall": 1 },
      "read_bs": "16k", "ops_limit": 8 } ] }
EOF
run --profile "$T_TMP/vread.json" --verify --json >"$T_TMP/vread.out" 2>&1
check "verify: a clean fileset reads back clean" test "$(jqv .total.verify_errors "$T_TMP/vread.out")" = 0
printf 'CORRUPTED BY THE TEST' | dd of="$LAB_EXPORT_DIR/t/vread/f0000002" bs=1 seek=$((3 * 4096 + 200)) conv=notrunc 2>/dev/null
run --profile "$T_TMP/vread.json" --verify --json >"$T_TMP/vread2.out" 2>"$T_TMP/vread2.err"
rc=$?
check "verify: corruption behind the server's back is caught, exit non-zero (rc $rc)" \
	test "$rc" != 0 -a "$(jqv .total.verify_errors "$T_TMP/vread2.out")" -gt 0
check "verify: the message names the right file and offset ($(head -1 "$T_TMP/vread2.err"))" \
	grep -q 'f0000002 (file 2) offset 12288' "$T_TMP/vread2.err"
check "verify: no other file is blamed" bash -c "! grep 'verify:' '$T_TMP/vread2.err' | grep -v 'f0000002 (file 2) offset 12288' | grep -q ."

# --- verify on a reused fileset: only blocks a verify run wrote are judged -----
# What a user runs: a plain run, a verify run, a verify run again, then a
# corruption made behind the server's back. The fileset is reused, so the
# verify run finds blocks the plain run wrote without verify headers.
vseq() { # name ops ops_limit [directory]
	cat >"$T_TMP/$1.json" <<EOF
{ "fileset": { "directory": "t/${4:-vseq}", "files": 2, "size": "256k", "reuse": true },
  "threadgroups": [ { "name": "g", "threads": 2, "connections": 2, "slots": 8, "ops": { $2 },
      "ops_limit": $3, "random": true, "read_size": "4k", "read_bs": "4k", "write_size": "4k", "write_bs": "4k" } ] }
EOF
}
vseq vmixed '"read": 70, "write": 30' 1000
vseq vcheck '"readall": 1' 2 # each thread reads its one file whole
vseq vmixed2 '"read": 70, "write": 30' 1000 vseq2
vseq vwrite2 '"write": 1' 20 vseq2
vrun() { # profile out [--verify]
	run --profile "$T_TMP/$1.json" ${3:-} --json >"$T_TMP/$2.out" 2>"$T_TMP/$2.err"
	echo $? >"$T_TMP/$2.rc"
}
vok() { # out: exit 0, reads done, no verify error
	test "$(cat "$T_TMP/$1.rc")" = 0 -a "$(jqv .total.verify_errors "$T_TMP/$1.out")" = 0 -a \
		"$(jqv .ops.read.count "$T_TMP/$1.out")" -gt 500
}
vrun vmixed plain
check "verify sequence: plain run ($(cat "$T_TMP/plain.rc"))" test "$(cat "$T_TMP/plain.rc")" = 0
vrun vmixed v1 --verify
check "verify sequence: a verify run after a plain run cries no wolf ($(jqv .total.verify_errors "$T_TMP/v1.out") verify errors)" vok v1
check "verify sequence: ... it lays the plain files out again ($(jqv .result.relaid_files "$T_TMP/v1.out") files)" \
	test "$(jqv .result.relaid_files "$T_TMP/v1.out")" = 2
vrun vmixed v2 --verify
check "verify sequence: a verify run again: no false alarm ($(jqv .total.verify_errors "$T_TMP/v2.out"))" vok v2
check "verify sequence: ... it keeps the verified files ($(jqv .result.laid_out_bytes "$T_TMP/v2.out") bytes laid out)" \
	test "$(jqv .result.laid_out_bytes "$T_TMP/v2.out")" = 0 -a "$(jqv .total.verify_unjudged "$T_TMP/v2.out")" = 0
printf 'CORRUPTED BY THE TEST' | dd of="$LAB_EXPORT_DIR/t/vseq/f0000001" bs=1 seek=$((5 * 4096 + 300)) conv=notrunc 2>/dev/null
vrun vcheck v3 --verify
check "verify sequence: then a corruption behind the server's back is caught (rc $(cat "$T_TMP/v3.rc"), $(jqv .total.verify_errors "$T_TMP/v3.out") errors)" \
	test "$(cat "$T_TMP/v3.rc")" != 0 -a "$(jqv .total.verify_errors "$T_TMP/v3.out")" -gt 0
check "verify sequence: ... named, and nothing else blamed ($(grep -m1 'verify:' "$T_TMP/v3.err"))" \
	bash -c "grep -q 'f0000001 (file 1) offset 20480: CRC32C' '$T_TMP/v3.err' && ! grep 'verify:' '$T_TMP/v3.err' | grep -v 'f0000001 (file 1) offset 20480' | grep -q ."
# a plain run writing some blocks of verified files: those are not judged
vrun vmixed2 v5 --verify
vrun vwrite2 plain2
vrun vmixed2 v4 --verify
check "verify sequence: after plain writes into verified files, no false alarm ($(jqv .total.verify_errors "$T_TMP/v4.out") errors, $(jqv .total.verify_unjudged "$T_TMP/v4.out") blocks not judged, $(jqv .result.relaid_files "$T_TMP/v4.out") files laid out again)" \
	bash -c "$(declare -f vok jqv); T_TMP=$T_TMP vok v4 && test \$((\$(jqv .total.verify_unjudged $T_TMP/v4.out) + \$(jqv .result.relaid_files $T_TMP/v4.out))) -gt 0"

# --- the mix that runs is the mix the profile asks for ----------------------------
# 16 RPCs in flight on each of 2 connections, 2 files per thread: a file is
# never idle. Writes, appends, whole-file writes and renames once waited for
# an idle file that never came and were silently replaced by reads (0 % of
# the 30 % writes of configs/random-4k.json ran).
mix() { # name ops [--verify]
	cat >"$T_TMP/$1.json" <<EOF
{ "time": "2s", "fileset": { "directory": "t/$1", "files": 4, "size": "256k" },
  "threadgroups": [ { "name": "g", "threads": 2, "connections": 2, "slots": 16, "ops": { $2 },
      "random": true, "read_size": "4k", "read_bs": "4k", "write_size": "4k", "write_bs": "4k" } ] }
EOF
	run --profile "$T_TMP/$1.json" ${3:-} --json >"$T_TMP/$1.out" 2>"$T_TMP/$1.err"
	echo $? >"$T_TMP/$1.rc"
}
shares() { jq -r '[.ops | to_entries[] | "\(.key) \(.value.share | floor)%"] | join(", ")' "$1"; }
mix_ok() { # name op:weight...: ran clean, each op's share of completed operations within 10 points
	local out=$T_TMP/$1.out
	shift
	test "$(cat "${out%.out}.rc")" = 0 -a "$(jqv .total.errors "$out")" = 0 -a "$(jqv .total.count "$out")" -gt 200 || return 1
	for w in "$@"; do
		jq -e --arg op "${w%%:*}" --argjson w "${w##*:}" \
			'(.ops[$op].count // 0) * 100 / .total.count | . >= $w - 10 and . <= $w + 10' "$out" >/dev/null || return 1
	done
}
mix mixrw '"read": 70, "write": 30'
check "mix: read 70 / write 30 with every file busy runs as asked ($(shares "$T_TMP/mixrw.out"))" \
	mix_ok mixrw read:70 write:30
mix mixdata '"read": 40, "write": 20, "append": 20, "writeall": 20' --verify
check "mix: writes, appends and whole-file writes among reads, with --verify ($(shares "$T_TMP/mixdata.out"); $(jqv .total.verify_errors "$T_TMP/mixdata.out") verify errors)" \
	bash -c "$(declare -f mix_ok jqv); T_TMP=$T_TMP mix_ok mixdata read:40 write:20 append:20 writeall:20 && test \$(jqv .total.verify_errors $T_TMP/mixdata.out) = 0"
mix mixmeta '"stat": 50, "lookup": 20, "rename": 30'
check "mix: renames (a file alone) among lookups and stats ($(shares "$T_TMP/mixmeta.out"))" \
	mix_ok mixmeta stat:50 lookup:20 rename:30
# what cannot run is said, not hidden: no rmdir without a mkdir, no delete
# once every file is gone (that run once spun forever)
cat >"$T_TMP/skip.json" <<EOF
{ "fileset": { "directory": "t/skip", "files": 2, "size": "4k" },
  "threadgroups": [ { "name": "g", "threads": 1, "connections": 1, "slots": 2, "ops": { "stat": 1, "rmdir": 1 }, "ops_limit": 40 } ] }
EOF
run --profile "$T_TMP/skip.json" --json >"$T_TMP/skip.out" 2>"$T_TMP/skip.err"
check "mix: rmdirs that cannot run are counted as skipped and told ($(jqv '.ops.rmdir.skipped // 0' "$T_TMP/skip.out") skipped; $(head -1 "$T_TMP/skip.err"))" \
	test "$(jqv '.ops.rmdir.skipped // 0' "$T_TMP/skip.out")" -gt 0 -a "$(jqv .ops.stat.count "$T_TMP/skip.out")" = 40 -a \
	"$(grep -c 'g: [0-9]* rmdir operation(s) of the mix skipped' "$T_TMP/skip.err")" = 1
cat >"$T_TMP/delall.json" <<EOF
{ "fileset": { "directory": "t/delall", "files": 4, "size": "4k" },
  "threadgroups": [ { "name": "g", "threads": 1, "connections": 1, "slots": 2, "ops": { "delete": 1 }, "ops_limit": 10 } ] }
EOF
"$LAB" exec guest1 timeout 20 "$NB" --url "$URL" --profile "$T_TMP/delall.json" --json >"$T_TMP/delall.out" 2>"$T_TMP/delall.err"
rc=$?
check "mix: 10 deletes asked of 4 files: 4 run, the rest told, the run ends (rc $rc; $(tail -1 "$T_TMP/delall.err"))" \
	test "$rc" = 0 -a "$(jqv .ops.delete.count "$T_TMP/delall.out")" = 4 -a "$(jqv '.ops.delete.skipped // 0' "$T_TMP/delall.out")" -gt 0 -a \
	"$(grep -c 'stopped early' "$T_TMP/delall.err")" = 1

# --- rate control ----------------------------------------------------------
cat >"$T_TMP/rate.json" <<EOF
{ "time": "20s", "fileset": { "directory": "t/rate", "files": 8, "size": "1m" },
  "threadgroups": [
    { "name": "fixed", "threads": 1, "connections": 1, "slots": 8, "ops": { "read": 1 }, "read_size": "4k", "read_bs": "4k",
      "random": true, "rate_iops": 300, "arrivals": "fixed" },
    { "name": "poisson", "threads": 2, "connections": 2, "slots": 16, "ops": { "stat": 1 }, "rate_iops": 2000, "arrivals": "poisson" },
    { "name": "bytes", "threads": 1, "connections": 1, "slots": 4, "ops": { "read": 1 }, "read_size": "64k", "read_bs": "64k",
      "random": true, "rate_bytes": "4MiB/s", "arrivals": "fixed" } ] }
EOF
run --profile "$T_TMP/rate.json" --json >"$T_TMP/rate.out"
within() { awk -v a="$1" -v b="$2" 'BEGIN { d = a / b - 1; if (d < 0) d = -d; exit !(d <= 0.02) }'; }
for g in fixed:300 poisson:2000; do
	got=$(jq -r ".summary[] | select(.group == \"${g%%:*}\") | .ops_per_sec" "$T_TMP/rate.out")
	check "rate ${g%%:*}: $got ops/s for ${g##*:} asked (within 2 % over 20 s)" within "$got" "${g##*:}"
done
got=$(jq -r '.summary[] | select(.group == "bytes") | .bytes_per_sec' "$T_TMP/rate.out")
check "rate_bytes: $got B/s for 4 MiB/s asked (within 2 %)" within "$got" 4194304

# --- stonewall ---------------------------------------------------------------
cat >"$T_TMP/sw.json" <<EOF
{ "stonewall": true, "fileset": { "directory": "t/sw", "files": 4, "size": "64k" },
  "threadgroups": [
    { "name": "quick", "threads": 1, "connections": 1, "slots": 2, "ops": { "stat": 1 }, "ops_limit": 200 },
    { "name": "slow", "threads": 1, "connections": 1, "slots": 1, "ops": { "stat": 1 }, "ops_limit": 2000 } ] }
EOF
run --profile "$T_TMP/sw.json" --json >"$T_TMP/sw.out"
check "stonewall: reported when the first group finished ($(jqv .stonewall.group "$T_TMP/sw.out"))" \
	test "$(jqv .stonewall.group "$T_TMP/sw.out")" = quick
check "stonewall: fewer operations than at the end" test "$(jqv .stonewall.total.count "$T_TMP/sw.out")" -lt \
	"$(jqv .total.count "$T_TMP/sw.out")" -a "$(jqv .stonewall.total.count "$T_TMP/sw.out")" -ge 200
check "per-group results" test "$(jqv '.groups.slow.total.count' "$T_TMP/sw.out")" = 2000

# --- bad profiles change nothing and say what is wrong ------------------------
bad() { # name text expected-substring
	printf '%s\n' "$2" >"$T_TMP/$1.json"
	"$NB" --url "$URL" --profile "$T_TMP/$1.json" >/dev/null 2>"$T_TMP/$1.err"
	local rc=$?
	check "bad profile $1: exit 2, one line naming it ($(head -c 120 "$T_TMP/$1.err"))" \
		test "$rc" = 2 -a "$(wc -l <"$T_TMP/$1.err")" = 1 -a "$(grep -c -- "$3" "$T_TMP/$1.err")" = 1
}
bad syntax '{ "fileset": { "files": 4, }
  "threadgroups": [] }' "$T_TMP/syntax.json:"
bad unknown '{ "fileset": { "files": 4 }, "threadgroups": [ { "thread": 2, "ops": { "read": 1 } } ] }' "did you mean 'threads'"
bad badop '{ "fileset": { "files": 4 }, "threadgroups": [ { "ops": { "reed": 1 } } ], "time": "1s" }' "threadgroups\[0\].ops.reed"
bad badsize '{ "fileset": { "files": 4, "size": "4q" }, "threadgroups": [ { "ops": { "read": 1 } } ], "time": "1s" }' "fileset.size"
bad nowork '{ "fileset": { "files": 4 }, "threadgroups": [ { "ops": { "read": 1 } } ] }' "ops_limit"
check_fails "quick-mode options are refused with --profile" "$NB" --url "$URL" --profile "$T_TMP/sw.json" --rw write

# --- every profile in configs/ runs 5 s without errors --------------------------
# With the ASan+UBSan build where make test has built it (build/san/bin): the
# engine's and the libnfs glue's memory and UB checks on real server replies
# (a misaligned READDIRPLUS entry was found so).
SAN_NB=$ROOT/build/san/bin/nfsbench
[ -x "$SAN_NB" ] || SAN_NB=$NB
for f in "$ROOT"/configs/*.json; do
	grep -q '"threadgroups"' "$f" || continue # nfstune's profiles
	n=$(basename "$f" .json)
	"$LAB" exec guest1 timeout 120 "$SAN_NB" --url "$URL" --profile "$f" --time 5s --ramp 1s --json \
		>"$T_TMP/cfg-$n.out" 2>"$T_TMP/cfg-$n.err"
	rc=$?
	check "configs/$n.json$([ "$SAN_NB" != "$NB" ] && echo ' (ASan+UBSan)'): 5 s, rc $rc, $(jqv .total.count "$T_TMP/cfg-$n.out" 2>/dev/null) ops, $(jqv .total.errors "$T_TMP/cfg-$n.out" 2>/dev/null) errors $(grep -v 'skipped' "$T_TMP/cfg-$n.err" | tail -n 2 | head -c 300)" \
		test "$rc" = 0 -a "$(jqv .total.errors "$T_TMP/cfg-$n.out" 2>/dev/null)" = 0 -a "$(jqv .total.count "$T_TMP/cfg-$n.out" 2>/dev/null)" -gt 0
done
check "lab down" "$LAB" down
t_done
