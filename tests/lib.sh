# lib.sh - helpers for the shell integration tests (sourced).
# A test prints "ok - what" / "not ok - what" lines, exits 0 when all passed,
# 77 when skipped (with the reason), 1 otherwise.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LAB=$ROOT/tests/testbed/lab
BIN=${BIN:-$ROOT/bin}
T_FAILED=0
T_PASSED=0

ok() { echo "ok - $*"; T_PASSED=$((T_PASSED + 1)); }
not_ok() { echo "not ok - $*"; T_FAILED=$((T_FAILED + 1)); }
# check "description" command...: passes when the command succeeds
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}
# check_fails "description" command...: passes when the command fails
check_fails() {
	local what=$1
	shift
	if "$@"; then not_ok "$what (unexpectedly succeeded)"; else ok "$what"; fi
}
skip_unless_root() {
	if [ "$(id -u)" != 0 ]; then
		echo "skip - $(basename "$0"): needs root for network namespaces (run as root)"
		exit 77
	fi
}
# Work in a fresh temporary directory removed at exit; the lab comes down too.
# T_KEEP=1 keeps the directory (its captures and outputs) to look at after.
t_setup() {
	T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/nfstk-test.XXXXXX")
	trap 't_cleanup' EXIT
}
t_cleanup() {
	"$LAB" down >/dev/null 2>&1
	if [ -n "${T_KEEP:-}" ]; then echo "# kept $T_TMP"; else rm -rf "$T_TMP"; fi
}
t_done() {
	echo "# $(basename "$0"): $T_PASSED passed, $T_FAILED failed"
	[ "$T_FAILED" = 0 ]
}
pcap_count() { # file [filter] -> number of packets
	tcpdump -n -r "$1" ${2:+"$2"} 2>/dev/null | wc -l
}
# The lab instance's names and addresses (LAB_INSTANCE picks one, default 0):
# LAB_NS, LAB_DIR, LAB_EXPORT_DIR, LAB_STORAGE_IP, LAB_NET.
eval "$("$LAB" env | grep -v '^LAB_GUEST')"
SIP=$LAB_STORAGE_IP
# trace_in_capture TRACE CSV [FILTER_OPS]: the workload's own record is the
# truth. Every RPC of nfsbench's per-RPC trace (its connection's local port,
# XID and op) must be in nfscap's per-RPC CSV of the capture, with that op;
# prints the counts and exits non-zero on any missing or different RPC. Only
# the ops named in FILTER_OPS (comma-separated, e.g. read,write) when given.
trace_in_capture() {
	"$BIN/nfsbench" trace-dump "$1" >"$1.dump" || return 1
	python3 - "$1.dump" "$2" "${3:-}" <<'PY'
import csv, sys
dump, cap, only = sys.argv[1], sys.argv[2], set(filter(None, sys.argv[3].split(',')))
ports, want = {}, {}
for line in open(dump):
    if line.startswith('# conn '):
        f = line.split()
        ports[f[2]] = f[3].rsplit(':', 1)[1]
    elif line[0].isdigit():
        f = line.strip().split(',')
        if not only or f[2] in only:
            want[(ports[f[0]], int(f[1], 16))] = f[2].upper()
seen = {}
for r in csv.DictReader(open(cap)):
    seen[(r['client'].rsplit(':', 1)[1], int(r['xid'], 16))] = r['op']
missing = [k for k in want if k not in seen]
wrong = [k for k in want if k in seen and seen[k] != want[k]]
print('#   nfsbench issued %d RPCs; the capture holds %d of them, %d missing, %d with another op'
      % (len(want), len(want) - len(missing), len(missing), len(wrong)))
for k in (missing + wrong)[:5]:
    print('#     port %s xid 0x%08x %s: %s' % (k[0], k[1], want[k], seen.get(k, 'not in the capture')))
sys.exit(1 if missing or wrong or not want else 0)
PY
}
# tshark_note TEXT...: tshark's count as a second opinion, printed, never
# asserted: it has lost whole streams of lossless captures here
tshark_note() { echo "#   second opinion (not asserted): $*"; }
