#!/bin/bash
# test_nfstune.sh - nfstune against the real kernel, in a throwaway network
# namespace of its own (nfstune-test-PID) holding a veth pair with 4 queues,
# a bridge and a multiqueue tap: apply, verify and revert each interface
# knob and check with ip, ethtool, tc and sysfs that the kernel holds the
# value; a profile whose last knob fails leaves `show --json` byte-identical;
# kill -9 during apply, then revert, restores everything; bad profiles
# change nothing and say exactly what is wrong; vhost worker affinity on a
# stand-in VM process. Every nfstune run must keep stderr empty unless the
# test expects a message. Nothing outside the namespace and the test's own
# processes is touched.
source "$(dirname "$0")/../lib.sh"
skip_unless_root
for c in ip ethtool tc taskset; do
	command -v $c >/dev/null || { echo "skip - $(basename "$0"): needs $c"; exit 77; }
done
[ -x "$BIN/nfstune" ] || { echo "not ok - $BIN/nfstune is not built (make)"; exit 1; }

NS=nfstune-test-$$
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nfstune-test.XXXXXX")
STATE=$TMP/state
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

in_ns() { ip netns exec "$NS" "$@"; }
ip netns add "$NS" || { echo "not ok - cannot create namespace $NS"; exit 1; }
in_ns ip link set lo up
in_ns ip link add va numtxqueues 4 numrxqueues 4 type veth peer name vb numtxqueues 4 numrxqueues 4
in_ns ip link add br0 type bridge
in_ns ip link set vb master br0
in_ns ip tuntap add mode tap multi_queue name tp0
for l in va vb br0; do in_ns ip link set "$l" up; done

# nfstune in the namespace; stdout to $TMP/out, stderr to $TMP/err
# (a timeout: a run that waits on a planted FIFO fails instead of hanging)
NT() { timeout 60 ip netns exec "$NS" "$BIN/nfstune" --state-dir "$STATE" "$@" >"$TMP/out" 2>"$TMP/err"; }
show_err() { sed 's/^/#   /' "$TMP/err"; }
# quiet "what" args...: must succeed with nothing on stderr
quiet() {
	local what=$1
	shift
	if NT "$@" && [ ! -s "$TMP/err" ]; then ok "$what"; else not_ok "$what (rc $?)"; show_err; fi
}
# says rc "what" "text" args...: exits rc and stderr holds text
says() {
	local rc=$1 what=$2 text=$3
	shift 3
	NT "$@"
	local got=$?
	if [ $got = "$rc" ] && { [ -z "$text" ] || grep -qF -- "$text" "$TMP/err"; }; then ok "$what"; else
		not_ok "$what (rc $got, wanted $rc and: $text)"
		show_err
	fi
}
snapshot() { ip netns exec "$NS" "$BIN/nfstune" show --json >"$1" 2>"$TMP/snap.err"; }
same_state() { # what
	snapshot "$TMP/now.json"
	if cmp -s "$TMP/before.json" "$TMP/now.json" && [ ! -s "$TMP/snap.err" ]; then ok "$1"; else
		not_ok "$1"
		diff "$TMP/before.json" "$TMP/now.json" | head -20 | sed 's/^/#   /'
		sed 's/^/#   /' "$TMP/snap.err"
	fi
}
has() { # what command... | grep pattern (last arg)
	local what=$1 pat=${*: -1}
	local cmd=("${@:2:$#-2}")
	if in_ns "${cmd[@]}" 2>&1 | grep -qE -- "$pat"; then ok "$what"; else
		not_ok "$what: '${cmd[*]}' lacks /$pat/"
		in_ns "${cmd[@]}" 2>&1 | head -12 | sed 's/^/#   /'
	fi
}
sysval() { in_ns cat "$1" | tr -s '\t ' ' '; }
profile() { # name: stdin to $TMP/name, root's and 0644
	cat >"$TMP/$1"
	chmod 0644 "$TMP/$1"
}
journals() { ls "$STATE"/apply-*.journal 2>/dev/null | wc -l; }

snapshot "$TMP/before.json"
check "show --json works with nothing on stderr" test ! -s "$TMP/snap.err"
check "show --json carries the schema" grep -q '"schema":"nfstune/1"' "$TMP/before.json"
quiet "show va" show va
check "veth rings reported unsupported with the kernel's words" \
	grep -qE 'va +rings +unsupported .*\(kernel: Operation not supported\)' "$TMP/out"
check "veth coalesce reported unsupported" grep -qE 'va +coalesce +unsupported' "$TMP/out"
quiet "show tp0" show tp0
check "tap: channels and coalesce rx-frames are read" grep -qE 'tp0 +coalesce.rx-frames' "$TMP/out"

# ---- every interface knob: apply, check in the kernel, verify, revert ------
profile a.json <<'EOF'
// interface knobs on veth, bridge and tap, and per-namespace sysctls
{
  "sysctl": {"net.ipv4.tcp_rmem": [4096, 262144, 8388608], "net.ipv4.tcp_wmem": "4096 65536 8388608"},
  "interfaces": {
    "va": {"mtu": 9000, "txqueuelen": 5000, "features": {"gro": true, "tso": false},
           "channels": {"rx": 2, "tx": 2},
           "qdisc": {"kind": "tbf", "rate": "1gbit", "burst": "256k", "latency": "10ms"},
           "rps_cpus": "0-1", "xps_cpus": {"tx-0": "1"}},
    "br0": {"mtu": 9000, "features": {"gso": false}},
    "tp0": {"txqueuelen": 2000, "qdisc": "pfifo_fast", "coalesce": {"rx-frames": 32}}
  },
  "nfsbench": {"connections": 4, "slots": 64}
}
EOF
quiet "plan a.json" plan "$TMP/a.json"
check "plan lists the changes" grep -qE 'va +mtu +1500 +9000 +live +change' "$TMP/out"
check "plan shows the nfsbench section" grep -q 'slots per connection' "$TMP/out"
check "plan changed nothing" cmp -s "$TMP/before.json" <(snapshot /dev/stdout)

apply_and_check() { # label [options]
	local label=$1
	shift
	quiet "$label: apply" "$@" apply "$TMP/a.json"
	has "$label: va mtu 9000 and qlen 5000 (ip -d link)" ip -d link show va 'mtu 9000 .* qlen 5000'
	has "$label: va gro on (ethtool -k)" ethtool -k va '^generic-receive-offload: on'
	has "$label: va tso off (ethtool -k)" ethtool -k va '^tcp-segmentation-offload: off'
	has "$label: va channels rx 2 (ethtool -l)" sh -c 'ethtool -l va | sed -n "/Current/,\$p"' '^RX:[[:space:]]+2'
	has "$label: va channels tx 2 (ethtool -l)" sh -c 'ethtool -l va | sed -n "/Current/,\$p"' '^TX:[[:space:]]+2'
	has "$label: va tbf 1Gbit (tc)" tc qdisc show dev va 'tbf .* rate 1Gbit'
	check "$label: va rps_cpus rx-0 and rx-1 = 3" test "$(sysval /sys/class/net/va/queues/rx-0/rps_cpus)$(sysval /sys/class/net/va/queues/rx-1/rps_cpus)" = 33
	check "$label: va xps_cpus tx-0 = 2" test "$(sysval /sys/class/net/va/queues/tx-0/xps_cpus)" = 2
	has "$label: br0 mtu 9000" ip link show br0 'mtu 9000'
	has "$label: br0 gso off" ethtool -k br0 '^generic-segmentation-offload: off'
	has "$label: tp0 qlen 2000" ip link show tp0 'qlen 2000'
	has "$label: tp0 pfifo_fast (tc)" tc qdisc show dev tp0 'pfifo_fast'
	has "$label: tp0 rx-frames 32 (ethtool -c)" ethtool -c tp0 '^rx-frames:[[:space:]]+32'
	check "$label: tcp_rmem" test "$(sysval /proc/sys/net/ipv4/tcp_rmem)" = "4096 262144 8388608"
	check "$label: tcp_wmem" test "$(sysval /proc/sys/net/ipv4/tcp_wmem)" = "4096 65536 8388608"
	quiet "$label: verify finds no drift" verify "$TMP/a.json"
}
apply_and_check netlink
in_ns ip link set va mtu 1500
says 1 "verify reports a drifted knob (exit 1)" "" verify "$TMP/a.json"
check "verify names it" grep -qE 'va +mtu +1500 +9000' "$TMP/out"
in_ns ip link set va mtu 9000
quiet "revert" revert
check "revert says what it will restore (va mtu 1500) before it restores" awk '
	/^Will restore/ { plan = NR } plan && !seen && /va +mtu +1500/ { seen = NR }
	/^Reverted/ { done = NR } END { exit !(plan && seen && done > seen) }' "$TMP/out"
has "after revert: va mtu 1500, qlen 1000" ip -d link show va 'mtu 1500 .* qlen 1000'
has "after revert: va gro off" ethtool -k va '^generic-receive-offload: off'
has "after revert: va channels rx 4" sh -c 'ethtool -l va | sed -n "/Current/,\$p"' '^RX:[[:space:]]+4'
has "after revert: va root qdisc noqueue" tc qdisc show dev va 'noqueue'
check "after revert: va rps_cpus 0" test "$(sysval /sys/class/net/va/queues/rx-1/rps_cpus)" = 0
same_state "after revert: show --json is byte-identical"
says 0 "a second revert has nothing to do" "" revert
check "... and says so" grep -q 'Nothing to revert' "$TMP/out"

apply_and_check ioctl --ethtool-ioctl
quiet "ioctl: revert" --ethtool-ioctl revert
same_state "ioctl: after revert show --json is byte-identical"

# ---- the last knob fails: everything before it is rolled back -------------
profile last.json <<'EOF'
{
  "sysctl": {"net.ipv4.tcp_wmem": [4096, 32768, 4194304]},
  "interfaces": {
    "va": {"mtu": 9000, "txqueuelen": 3000, "features": {"gro": true}},
    "br0": {"mtu": 9000},
    // tap without vnet_hdr: the kernel accepts "tso on" and keeps it off
    "tp0": {"features": {"tso": true}}
  }
}
EOF
says 1 "last knob fails: apply exits 1 naming the knob and the reason" \
	'last.json:7:33: interfaces.tp0.features.tso: the kernel kept off [requested on] after setting on' apply "$TMP/last.json"
check "... and says the earlier ones were restored" grep -q 'the 5 knob(s) changed before it were restored' "$TMP/err"
check "... the steps show restored" test "$(grep -c ' restored' "$TMP/out")" = 5
same_state "last knob fails: show --json is byte-identical"

# ---- kill -9 during apply, then revert ------------------------------------
n0=$(journals)
ls "$STATE"/apply-*.journal >"$TMP/old-journals" 2>/dev/null
ip netns exec "$NS" "$BIN/nfstune" --state-dir "$STATE" --delay 300ms apply "$TMP/a.json" >"$TMP/kill.out" 2>&1 &
apid=$!
PIDS+=("$apid")
j=""
for _ in $(seq 100); do
	j=$(ls "$STATE"/apply-*.journal 2>/dev/null | grep -vxFf "$TMP/old-journals" | head -1)
	[ -n "$j" ] && [ "$(grep -c '"done"' "$j")" -ge 4 ] && break
	sleep 0.05
done
kill -9 "$apid"
wait "$apid" 2>/dev/null
check "kill -9: the apply got 4 knobs in and left a journal" test "$(journals)" -gt "$n0" -a "$(grep -c '"done"' "$j")" -ge 4
check "kill -9: the journal has no end record" bash -c "! grep -q '\"end\"' '$j'"
NT show va
check "next run warns about the interrupted apply" grep -q 'was interrupted' "$TMP/err"
says 2 "apply refuses while an interrupted apply is unreverted" 'revert it first' apply "$TMP/a.json"
quiet "revert restores the interrupted apply" revert
check "... the revert says the apply was interrupted" grep -qE 'Apply status +interrupted' "$TMP/out"
same_state "kill -9 + revert: show --json is byte-identical"

# ---- bad profiles change nothing and say exactly what is wrong -------------
bad() { # name rc "message" < profile
	profile "$1"
	local n=$(journals)
	says "$2" "bad profile $1: $3" "$3" apply "$TMP/$1"
	check "bad profile $1: nothing was changed (message, no journal)" \
		test "$(journals)" = "$n" -a -n "$(grep 'nothing was changed' "$TMP/err")"
}
printf '{"interfaces": {"va": {"mtu": 9000 "txqueuelen": 1}}}' | bad syntax.json 2 \
	"syntax.json:1:36: syntax error: object value separator ',' expected"
printf '{"interfaces": {"va": {"txqeuelen": 5000}}}' | bad unknown.json 2 \
	"unknown.json:1:24: interfaces.va.txqeuelen: unknown knob 'txqeuelen' (did you mean 'txqueuelen'?)"
printf '{"interfaces": {"va": {"mtu": 65536}}}' | bad range.json 2 \
	"range.json:1:31: interfaces.va.mtu: MTU 65536 is outside what va (veth) accepts (68..65535)"
printf '{"sunrpc": {"tcp_slot_table_entries": 100000}}' | bad range2.json 2 \
	"range2.json:1:39: sunrpc.tcp_slot_table_entries: 100000 is outside 2..65536"
printf '{"interfaces": {"eth9": {"mtu": 9000}}}' | bad noif.json 2 \
	"noif.json:1:17: interfaces.eth9: no interface eth9 in this network namespace"
printf '{"interfaces": {"va": {"rings": {"rx": 4096}}}}' | bad rings.json 2 \
	"interfaces.va.rings.rx: va (veth) has no rings settings (kernel: Operation not supported)"
printf '{"interfaces": {"tp0": {"channels": {"combined": 2}}}}' | bad tapch.json 2 \
	"interfaces.tp0.channels.combined: tp0 (tun) cannot change channels combined (kernel: Operation not supported)"
printf '{"interfaces": {"va": {"features": {"lro": true}}}}' | bad lro.json 2 \
	"interfaces.va.features.lro: va (veth) keeps lro off [fixed]: fixed by the driver"
printf '{"sysctl": {"net.core.rmem_max": 16777216}}' | bad rmem.json 2 \
	"sysctl.net.core.rmem_max: /proc/sys/net/core/rmem_max is read-only here (the kernel keeps it read-only outside the initial network namespace)"
printf '{"interfaces": {"va": {"mtu": 9000}}}' >"$TMP/ww.json"
chmod 0666 "$TMP/ww.json"
says 2 "bad profile ww.json: world-writable refused" "ww.json: writable by everyone (mode 0666)" apply "$TMP/ww.json"
same_state "bad profiles: show --json is byte-identical"

# ---- what nfstune trusts (issue 17): attackers who are not root -------------
# a root-owned file that a forged revert would overwrite
printf 'original\n' >"$TMP/victim"
victim_intact() { check "$1: the victim file is intact" test "$(cat "$TMP/victim")" = original; }
# journal FILE ARG: a journal that "restores" the sysctl file ARG to "pwned"
journal() {
	printf '{"journal":"nfstune/1","profile":"x","pid":999999999,"pid_start":1,"netns":"%s","root":""}\n' \
		"$(in_ns readlink /proc/self/ns/net)" >"$1"
	printf '{"item":0,"type":"sysctl","obj":"sysctl","name":"vm.x","path":"","arg":"%s","idx":0,"cur":"pwned","restore":"pwned","want":"1"}\n{"ready":1}\n{"begin":0}\n{"done":0}\n{"end":"applied"}\n' \
		"$2" >>"$1"
}
# a state directory anyone can write: revert refuses before reading a journal
mkdir -m 0777 "$TMP/wstate"
journal "$TMP/wstate/apply-20990101T000000.000000000Z-1.journal" "$TMP/victim"
says 2 "state directory writable by others: revert refuses" \
	"state directory $TMP/wstate: directory writable by everyone (mode 0777)" --state-dir "$TMP/wstate" revert
check "... and says nothing was reverted" grep -q 'nothing was reverted' "$TMP/err"
victim_intact "writable state directory"
# a journal in a good state directory: planted by nobody, a FIFO, a symbolic
# link to the victim, or naming a file outside /proc/sys, /sys and /proc/irq
mkdir -m 0700 "$TMP/st2"
J2=$TMP/st2/apply-20990101T000000.000000000Z-1.journal
journal "$J2" "$TMP/victim"
chown nobody "$J2"
says 2 "a journal owned by nobody is refused" "owned by uid 65534, not root" --state-dir "$TMP/st2" revert "$J2"
rm -f "$J2"
mkfifo -m 0600 "$J2"
says 2 "a FIFO journal is refused at once (no wait)" "$J2: not a regular file" --state-dir "$TMP/st2" revert "$J2"
rm -f "$J2"
ln -s "$TMP/victim" "$J2"
says 2 "a journal that is a symbolic link is refused" "$J2: a symbolic link" --state-dir "$TMP/st2" revert "$J2"
rm -f "$J2"
journal "$J2" "$TMP/victim"
says 2 "a journal naming a file outside /proc/sys and /sys is refused" \
	"outside /proc/sys, /sys and /proc/irq" --state-dir "$TMP/st2" revert
journal "$J2" "/proc/sys/../..$TMP/victim"
says 2 "... also when spelled through /proc/sys/.." "outside /proc/sys, /sys and /proc/irq" --state-dir "$TMP/st2" revert
victim_intact "planted journals"
# reverting through a symbolic link to a real journal: refused, and the
# journal stays applied, so a plain revert still restores it (once)
printf '{"interfaces": {"va": {"txqueuelen": 1234}}}' | profile ql.json
quiet "symlinked journal: apply" apply "$TMP/ql.json"
jl=$(ls -t "$STATE"/apply-*.journal | head -1)
ln -s "$jl" "$TMP/link.journal"
says 2 "revert through a symbolic link is refused" "a symbolic link" revert "$TMP/link.journal"
has "... and changed nothing (qlen 1234)" ip link show va 'qlen 1234'
check "... the journal is not marked reverted" bash -c "! grep -q '\"reverted\"' '$jl'"
quiet "a plain revert restores it" revert
has "... qlen 1000 again" ip link show va 'qlen 1000'
check "... and marks the journal reverted" grep -q '"reverted"' "$jl"
# profiles and includes: in a directory anyone can write (no sticky bit), or
# owned by nobody
mkdir -m 0777 "$TMP/wdir"
printf '{"interfaces": {"va": {"mtu": 9000}}}' >"$TMP/wdir/p.json"
says 2 "a profile in a directory writable by others is refused" \
	"$TMP/wdir: directory writable by everyone (mode 0777) without the sticky bit" apply "$TMP/wdir/p.json"
printf '{"include": "%s/wdir/p.json"}' "$TMP" | profile inc.json
says 2 "an include in a directory writable by others is refused" "$TMP/wdir: directory writable by everyone" \
	apply "$TMP/inc.json"
printf '{"interfaces": {"va": {"mtu": 9000}}}' | profile nobody.json
chown nobody "$TMP/nobody.json"
says 2 "plan as root refuses a profile owned by nobody" "nobody.json: owned by uid 65534, not root" plan "$TMP/nobody.json"
# sweep: its profile and its benchmark program are root's, or nothing runs
printf '{"benchmark": ["/bin/sh", "-c", "id > %s/pwned"], "metric": "m", "space": {"x": {"values": [1], "set": "--x"}}}' \
	"$TMP" >"$TMP/sw.json"
chmod 0666 "$TMP/sw.json"
chown nobody "$TMP/sw.json"
"$BIN/nfstune" --state-dir "$TMP/sst" sweep "$TMP/sw.json" >"$TMP/out" 2>"$TMP/err"
check "sweep: a profile owned by nobody, mode 0666: exit 2" test $? = 2
check "... naming the reason" grep -q "sw.json: owned by uid 65534, not root" "$TMP/err"
check "... and its benchmark never ran" test ! -e "$TMP/pwned"
mkdir -m 0755 "$TMP/bin"
printf '#!/bin/sh\nid > %s/pwned\n' "$TMP" >"$TMP/bin/bench"
chmod 0755 "$TMP/bin/bench"
chown nobody "$TMP/bin/bench"
printf '{"benchmark": ["%s/bin/bench"], "metric": "m", "space": {"x": {"values": [1], "set": "--x"}}}' "$TMP" >"$TMP/sw2.json"
"$BIN/nfstune" --state-dir "$TMP/sst" sweep "$TMP/sw2.json" >"$TMP/out" 2>"$TMP/err"
check "sweep: a benchmark program owned by nobody: exit 2" test $? = 2
check "... naming it" grep -q "sw2.json:1:16: benchmark\[0\]: $TMP/bin/bench: owned by uid 65534, not root" "$TMP/err"
check "... and it never ran" test ! -e "$TMP/pwned"
# sweep --html in a sticky directory where nobody planted a link to root's file
chown root "$TMP/bin/bench"
printf '#!/bin/sh\necho "{\\"m\\": 100}"\n' >"$TMP/bin/bench"
printf '{"benchmark": ["%s/bin/bench"], "metric": "m", "space": {"x": {"values": [1], "set": "--x"}}, "settle": "0s", "budget": {"runs": 20}}' \
	"$TMP" >"$TMP/sw3.json"
mkdir -m 1777 "$TMP/pub"
echo "root's data" >"$TMP/victim"
ln -s "$TMP/victim" "$TMP/pub/report.html"
chown -h nobody "$TMP/pub/report.html"
"$BIN/nfstune" --state-dir "$TMP/sst" --html "$TMP/pub/report.html" sweep "$TMP/sw3.json" >"$TMP/out" 2>"$TMP/err"
check "sweep --html through a link nobody planted: exit 1, naming it" \
	bash -c "[ $? = 1 ] && grep -q 'report.html: a symbolic link' '$TMP/err'"
check "... and root's file behind the link is untouched" test "$(cat "$TMP/victim")" = "root's data"
# a benchmark script whose #! interpreter anyone could replace
cp /bin/sh "$TMP/wdir/sh"
printf '#!%s/wdir/sh\necho "{\\"m\\": 100}"\n' "$TMP" >"$TMP/bin/bench-ww"
chmod 0755 "$TMP/bin/bench-ww"
printf '{"benchmark": ["%s/bin/bench-ww"], "metric": "m", "space": {"x": {"values": [1], "set": "--x"}}, "settle": "0s", "budget": {"runs": 20}}' \
	"$TMP" >"$TMP/sw5.json"
"$BIN/nfstune" --state-dir "$TMP/sst" sweep "$TMP/sw5.json" >"$TMP/out" 2>"$TMP/err"
check "sweep: a benchmark whose #! interpreter is in a directory anyone can write: exit 2, naming it" \
	bash -c "[ $? = 2 ] && grep -q 'bench-ww: its #! interpreter: $TMP/wdir: directory writable by everyone' '$TMP/err'"
# what the benchmark runs by name is not found where anyone could plant it
printf '#!/bin/sh\nid > %s/pwned\n' "$TMP" >"$TMP/wdir/helper"
chmod 0755 "$TMP/wdir/helper"
chown nobody "$TMP/wdir/helper"
printf '#!/bin/sh\ncommand -v helper >/dev/null && helper\necho "{\\"m\\": 100}"\n' >"$TMP/bin/bench-path"
chmod 0755 "$TMP/bin/bench-path"
printf '{"benchmark": ["%s/bin/bench-path"], "metric": "m", "space": {"x": {"values": [1], "set": "--x"}}, "settle": "0s", "budget": {"runs": 20}}' \
	"$TMP" >"$TMP/sw6.json"
PATH="$TMP/wdir:.:$PATH" "$BIN/nfstune" --state-dir "$TMP/sst" sweep "$TMP/sw6.json" >"$TMP/out" 2>"$TMP/err"
check "sweep: PATH with a directory anyone can write: the sweep runs (exit 0)" test $? = 0
check "... the benchmark did not find the program planted there" test ! -e "$TMP/pwned"
check "... and the sweep says which PATH entries it left out" \
	grep -q "the benchmark's PATH leaves out $TMP/wdir \\.: not root's" "$TMP/err"
# a sweep scope's base profile named in /tmp, where nobody linked a directory
# of root's other profiles: the include is checked as named, not as resolved
mkdir -m 0755 "$TMP/other"
printf '{"interfaces": {"va": {"mtu": 1500}}}' >"$TMP/other/base.json"
ln -s "$TMP/other" "$TMP/pub/d"
chown -h nobody "$TMP/pub/d"
printf '{"benchmark": ["%s/bin/bench"], "metric": "m", "scopes": {"h": {"netns": "%s", "profile": "%s/pub/d/base.json"}}, "space": {"mtu": {"values": [1500], "set": "h:/interfaces/va/mtu"}}, "settle": "0s", "budget": {"runs": 20}}' \
	"$TMP" "$NS" "$TMP" >"$TMP/sw4.json"
"$BIN/nfstune" --state-dir "$TMP/sst" sweep --dry "$TMP/sw4.json" >"$TMP/out" 2>"$TMP/err"
check "sweep: a base profile through a link nobody planted: exit 2, naming the link" \
	bash -c "[ $? = 2 ] && grep -q 'pub/d: a symbolic link owned by uid 65534' '$TMP/err'"
# --root (a fake tree for dry runs): a part of it that nobody can write could
# point a knob's file at root's files; refused file by file, and up front when
# the tree itself is not root's
cp -r "$ROOT/tests/fixtures/nfstune/guest16" "$TMP/fake"
chmod 0755 "$TMP"
q=$(cd "$TMP/fake/sys/class/net/eth0" && pwd -P)/queues/rx-0
chown nobody "$q"
echo 0000 >"$TMP/victim2"
runuser -u nobody -- sh -c "rm '$q/rps_cpus' && ln -s '$TMP/victim2' '$q/rps_cpus'"
printf '{"interfaces": {"eth0": {"rps_cpus": "0"}}}' | profile rps.json
"$BIN/nfstune" --root "$TMP/fake" --state-dir "$TMP/sst" apply "$TMP/rps.json" >"$TMP/out" 2>"$TMP/err"
check "--root: a knob's file that nobody made a link to root's file: exit 2" test $? = 2
check "... and root's file is untouched" test "$(cat "$TMP/victim2")" = 0000
chown -R nobody "$TMP/fake"
"$BIN/nfstune" --root "$TMP/fake" --state-dir "$TMP/sst" plan "$TMP/rps.json" >"$TMP/out" 2>"$TMP/err"
check "--root: a tree owned by nobody is refused up front (exit 2, naming it)" \
	bash -c "[ $? = 2 ] && grep -q -- '--root $TMP/fake: owned by uid 65534, not root' '$TMP/err'"
chmod 0700 "$TMP"
# run as if setuid root: the invoking user (real uid nobody) would steer root
# through --root, --html, PATH and the state directory
setpriv --ruid=nobody "$BIN/nfstune" --state-dir "$STATE" plan "$TMP/rps.json" >"$TMP/out" 2>"$TMP/err"
check "real uid nobody, effective uid root (setuid): refused, exit 2" \
	bash -c "[ $? = 2 ] && grep -q 'real uid 65534, effective uid 0' '$TMP/err'"
# host-wide sysctls are not the namespace's to change
sw=$(cat /proc/sys/vm/swappiness)
printf '{"sysctl": {"vm.swappiness": %d}}' $(((sw + 1) % 100)) | profile vm.json
says 2 "vm.swappiness in a network namespace is refused" \
	"sysctl.vm.swappiness: vm.swappiness is host-wide, not per network namespace" plan "$TMP/vm.json"
"$BIN/nfstune" --netns "$NS" --state-dir "$STATE" plan "$TMP/vm.json" >"$TMP/out" 2>"$TMP/err"
check "... with --netns too (exit 2, the namespace named)" \
	bash -c "[ $? = 2 ] && grep -q 'in network namespace $NS it would change the whole host (--host-global to allow)' '$TMP/err'"
check "... and the host's vm.swappiness is unchanged" test "$(cat /proc/sys/vm/swappiness)" = "$sw"
same_state "attacker scenarios: show --json is byte-identical"

# ---- a qdisc the kernel does not have -------------------------------------
profile fq.json <<'EOF'
{"interfaces": {"va": {"mtu": 4000, "qdisc": "fq"}}}
EOF
NT apply "$TMP/fq.json"
rc=$?
if [ $rc = 1 ]; then
	check "fq missing from this kernel: the extended ACK is shown" \
		grep -q 'interfaces.va.qdisc: kernel: No such file or directory (Specified qdisc kind is unknown)' "$TMP/err"
else
	check "fq exists here: applied" test $rc = 0
	quiet "fq: revert" revert
fi
same_state "fq: show --json is byte-identical afterwards"

# ---- a VM's virtio queues (planned) and vhost worker affinity (live) --------
# a stand-in for QEMU: its command line is what nfstune reads
bash -c 'while :; do sleep 1; done' qemu-system-x86_64 -name guest=vmt,debug-threads=on \
	-netdev tap,id=n0,vhost=on,queues=2 -device virtio-net-pci,netdev=n0,mq=on,vectors=6 >/dev/null 2>&1 &
qpid=$!
PIDS+=("$qpid")
# a stand-in for the kernel's vhost worker of that VM
bash -c 'printf "vhost-%s" "$1" >/proc/self/comm; while :; do sleep 1; done' _ "$qpid" >/dev/null 2>&1 &
vpid=$!
PIDS+=("$vpid")
sleep 0.2
orig=$(taskset -pc "$vpid" | sed 's/.*: //')
profile vm.json <<'EOF'
{"virtio": {"vms": {"vmt": {"queues": 4, "rx_queue_size": 1024, "vhost_cpus": "1"}}}}
EOF
quiet "vm: plan" plan "$TMP/vm.json"
check "vm: queues planned as vm-restart" grep -qE 'vmt +queues +2 +4 +vm-restart +planned' "$TMP/out"
check "vm: plan prints the libvirt driver element" grep -qF "<driver name='vhost' queues='4' rx_queue_size='1024'/>" "$TMP/out"
check "vm: under 'When the changes take effect', not 'To do by hand' (nfstune does the remount itself)" \
	grep -qE "^ *When the changes take effect$" "$TMP/out"
check "vm: plan prints the QEMU options" grep -qF -- '-device virtio-net-pci,netdev=net0,mq=on,vectors=10,rx_queue_size=1024' "$TMP/out"
quiet "vm: apply sets the vhost worker's CPUs" apply "$TMP/vm.json"
check "vm: taskset shows CPU 1" test "$(taskset -pc "$vpid" | sed 's/.*: //')" = 1
quiet "vm: revert" revert
check "vm: taskset shows the original CPUs" test "$(taskset -pc "$vpid" | sed 's/.*: //')" = "$orig"

t_done
