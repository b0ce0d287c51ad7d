#!/bin/bash
# test_nfsbench_v4.sh - nfsbench --nfs-version 4 against the lab's real
# ganesha.nfsd: quick-mode writes byte for byte on the storage node's disk,
# reads, a profile with every operation type without errors and with its
# effects on disk, --verify reading over v4 what v3 wrote, the wire holding
# nothing but NFSv4 COMPOUNDs, and what libnfs 4.0 cannot do over v4
# refused with a message naming it. Works for any LAB_INSTANCE.
. "$(dirname "$0")/../lib.sh"
skip_unless_root
t_setup
NB=$BIN/nfsbench
G() { "$LAB" exec guest1 "$@"; }
jqv() { jq -r "$1" "$2"; }
V4="--nfs-version 4"

"$LAB" down >/dev/null 2>&1
check "lab up" "$LAB" up

# --- quick mode: sequential writes land on disk exactly -------------------
# shellcheck disable=SC2086
G timeout 60 "$NB" --url "nfs://$SIP/export" $V4 --rw write --bs 4k --size 1m --file v4seq.dat --seed 7 \
	--connections 2 --slots 8 --json >"$T_TMP/w.json" 2>"$T_TMP/w.err"
rc=$?
check "v4 sequential write: rc $rc, 256 ops, no errors ($(head -c 100 "$T_TMP/w.err"))" \
	test "$rc" = 0 -a "$(jqv .ops.write.count "$T_TMP/w.json")" = 256 -a "$(jqv .total.errors "$T_TMP/w.json")" = 0
check "v4 WRITEs are at most 2 KiB (libnfs 4.0), reported as the server's wtmax" \
	test "$(jqv .config.server_wtmax "$T_TMP/w.json")" = 2048
check "the results say the run used NFSv4" test "$(jqv .config.nfs_version "$T_TMP/w.json")" = 4
"$NB" pattern --seed 7 --length 1m >"$T_TMP/expect.bin"
check "1 MiB written over v4 is byte-identical on disk" cmp "$T_TMP/expect.bin" "$LAB_EXPORT_DIR/v4seq.dat"
check "a created file gets the mode asked for (0644), not EXCLUSIVE4's default" \
	test "$(stat -c %a "$LAB_EXPORT_DIR/v4seq.dat")" = 644

# shellcheck disable=SC2086
G timeout 60 "$NB" --url "nfs://$SIP/export" $V4 --rw randread --bs 4k --size 1m --ops 2000 --file v4seq.dat \
	--connections 2 --slots 8 --json >"$T_TMP/r.json" 2>/dev/null
check "v4 random reads: 2000 counted, no errors, 1 MiB READs allowed" \
	test "$(jqv .ops.read.count "$T_TMP/r.json")" = 2000 -a "$(jqv .total.errors "$T_TMP/r.json")" = 0 -a \
	"$(jqv .config.server_rtmax "$T_TMP/r.json")" = 1048576

# --- every operation type, on disk ------------------------------------------
D=v4mix$$
cat >"$T_TMP/p.json" <<EOF
{ "time": "3s", "fileset": { "directory": "$D", "dirs": 4, "files": 64, "size_weight": [["16k", 2], ["64k", 1]] },
  "threadgroups": [ { "name": "all", "threads": 2, "connections": 2, "slots": 4,
    "ops": { "read": 4, "readall": 1, "write": 2, "writeall": 1, "append": 1, "create": 2, "delete": 1, "stat": 2,
             "lookup": 2, "readdir": 1, "rename": 1, "mkdir": 1, "rmdir": 1, "open_close": 2, "commit": 1 },
    "read_size": "16k", "read_bs": "4k", "write_size": "8k", "write_bs": "4k", "random": true } ] }
EOF
"$LAB" capture start "$T_TMP/cap" >/dev/null
# shellcheck disable=SC2086
G timeout 60 "$NB" --profile "$T_TMP/p.json" --url "nfs://$SIP/export" $V4 --json >"$T_TMP/p.json.out" 2>"$T_TMP/p.err"
rc=$?
"$LAB" capture stop >/dev/null
out=$T_TMP/p.json.out
check "every-op profile over v4: rc $rc, no errors ($(jqv .total.errors "$out"); $(head -c 100 "$T_TMP/p.err"))" \
	test "$rc" = 0 -a "$(jqv .total.errors "$out")" = 0
for op in read readall write writeall append create delete stat lookup readdir rename mkdir rmdir open_close commit; do
	n=$(jq -r ".ops.$op.count // 0" "$out")
	check "v4 $op ran ($n)" test "$n" -gt 0
done
check "created files on disk, with data" bash -c "ls '$LAB_EXPORT_DIR/$D'/d*/c*.* >/dev/null 2>&1 &&
	test \$(du -sb '$LAB_EXPORT_DIR/$D' | cut -f1) -gt 65536"
check "renamed files on disk" bash -c "ls '$LAB_EXPORT_DIR/$D'/d*/r*.* >/dev/null 2>&1"
check "directories made (and not all removed)" bash -c "ls -d '$LAB_EXPORT_DIR/$D'/m*.* >/dev/null 2>&1"
laid=$(find "$LAB_EXPORT_DIR/$D" -name 'f*' | wc -l)
check "deletes and renames took files of the fileset away ($laid of 64 left)" test "$laid" -lt 64
# nfscap decodes the wire (tshark has lost whole streams of lossless
# captures here: its figure is printed only)
"$BIN/nfscap" report "$T_TMP/cap/guest1.pcap" --json >"$T_TMP/wire.json" 2>/dev/null
progs=$(jq -r '[.rpc.programs[] | "\(.program) v\(.version)"] | unique | join(",")' "$T_TMP/wire.json")
ncomp=$(jq '.nfs.v4.COMPOUND.count // 0' "$T_TMP/wire.json")
check "the wire holds only NFSv4 calls (program 100003 version 4): $progs" test "$progs" = "100003 v4"
check "COMPOUNDs on the wire ($ncomp)" test "$ncomp" -gt 1000
tshark_note "tshark finds $(tshark -r "$T_TMP/cap/guest1.pcap" -Y 'rpc.msgtyp == 0 && nfs && rpc.procedure == 1' 2>/dev/null | wc -l) COMPOUND calls"

# --- verify: v4 reads check blocks that v3 wrote ------------------------------
cat >"$T_TMP/v.json" <<EOF
{ "time": "2s", "fileset": { "directory": "v4ver$$", "dirs": 2, "files": 16, "reuse": true, "size_weight": [["64k", 1]] },
  "threadgroups": [ { "name": "r", "threads": 2, "connections": 2, "slots": 4, "ops": { "read": 4, "readall": 1 },
    "read_size": "16k", "read_bs": "4k", "random": true } ] }
EOF
G timeout 60 "$NB" --profile "$T_TMP/v.json" --url "nfs://$SIP/export" --verify --time 1s --json >"$T_TMP/v3.json" 2>/dev/null
# shellcheck disable=SC2086
G timeout 60 "$NB" --profile "$T_TMP/v.json" --url "nfs://$SIP/export" $V4 --verify --json >"$T_TMP/v4.json" 2>"$T_TMP/v4.err"
rc=$?
check "--verify over v4: rc $rc, reads checked, no errors, no verify errors" \
	test "$rc" = 0 -a "$(jqv .total.count "$T_TMP/v4.json")" -gt 100 -a "$(jqv .total.errors "$T_TMP/v4.json")" = 0 -a \
	"$(jqv .total.verify_errors "$T_TMP/v4.json")" = 0

# --- refused: verify blocks are 4 KiB, a v4 WRITE here carries 2 KiB -----------
# a fileset no verify run laid out: laying it out over v4 would write no
# verify block, and every read would then cry wolf
sed "s/v4ver$$/v4new$$/" "$T_TMP/v.json" >"$T_TMP/vnew.json"
# shellcheck disable=SC2086
G timeout 60 "$NB" --profile "$T_TMP/vnew.json" --url "nfs://$SIP/export" $V4 --verify --json >/dev/null 2>"$T_TMP/vnew.err"
rc=$?
check "--verify over v4 on files no verify run wrote is refused, nothing written (rc $rc): $(head -c 160 "$T_TMP/vnew.err")" \
	bash -c "[ $rc = 1 ] && grep -q 'lay the files out with --verify over NFSv3 first' '$T_TMP/vnew.err' &&
		[ -z \"\$(find '$LAB_EXPORT_DIR/v4new$$' -type f)\" ]"
# shellcheck disable=SC2086
G timeout 60 "$NB" --url "nfs://$SIP/export" $V4 --verify --rw write --bs 4k --size 1m --file v4no.dat \
	>/dev/null 2>"$T_TMP/ref.err"
rc=$?
check "--verify with writes over v4 is refused up front (rc $rc): $(head -c 160 "$T_TMP/ref.err")" \
	bash -c "[ $rc = 2 ] && grep -q 'NFSv4' '$T_TMP/ref.err' && [ ! -e '$LAB_EXPORT_DIR/v4no.dat' ]"

check "lab down" "$LAB" down
t_done
