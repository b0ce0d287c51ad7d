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
t_setup() {
	T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/nfstk-test.XXXXXX")
	trap 't_cleanup' EXIT
}
t_cleanup() {
	"$LAB" down >/dev/null 2>&1
	rm -rf "$T_TMP"
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
