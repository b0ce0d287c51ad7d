#!/bin/bash
# test_nfscap_live.sh - `nfscap live` on a quiet link ends on time and on a
# signal, with its report: a veth pair in a throwaway namespace, IPv6 off
# so that it carries no packet at all, and nothing wakes a blocked reader.
. "$(dirname "$0")/../lib.sh"
skip_unless_root
t_setup
NFSCAP=$(cd "$BIN" && pwd)/nfscap
NS=nfstk-live-${LAB_INSTANCE:-0}-$$
trap 'ip netns del "$NS" 2>/dev/null; t_cleanup' EXIT
ip netns add "$NS" || { not_ok "ip netns add $NS"; t_done; exit 1; }
ip netns exec "$NS" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 &&
	ip -n "$NS" link add quiet0 type veth peer name quiet1 &&
	ip -n "$NS" link set quiet0 up && ip -n "$NS" link set quiet1 up ||
	{ not_ok "a quiet veth pair in $NS"; t_done; exit 1; }

# live_run SECONDS-ALLOWED SIGNAL-OR-NONE nfscap-live-options...: runs it,
# sends the signal after 1 s, and says how it ended (rc, seconds taken)
live_run() {
	local allowed=$1 sig=$2 t0 pid rc
	shift 2
	t0=$(date +%s%N)
	ip netns exec "$NS" timeout -s KILL "$allowed" "$NFSCAP" live -i quiet0 "$@" >"$T_TMP/out" 2>"$T_TMP/err" &
	pid=$!
	if [ "$sig" != none ]; then
		sleep 1
		kill -"$sig" "$pid" # ip netns exec became timeout, which passes it on to nfscap
	fi
	wait "$pid"
	rc=$?
	LIVE_RC=$rc
	LIVE_S=$((($(date +%s%N) - t0) / 1000000000))
}

live_run 6 none --duration 1 --allow-empty
check "--duration 1 on a quiet link ends by itself (rc $LIVE_RC, ${LIVE_S} s)" test "$LIVE_RC" = 0 -a "$LIVE_S" -le 4
check "--duration 1 prints its report" grep -q "^  Packets *0" "$T_TMP/out"
# no RPC seen is an error unless --allow-empty, with the likely reason
live_run 6 none --duration 1
check "no RPC on the link: exit 3 (rc $LIVE_RC)" test "$LIVE_RC" = 3
check "no RPC on the link: stderr says so" grep -q '^nfscap: no RPC found in the packets of quiet0: ' "$T_TMP/err"
for sig in INT TERM; do
	live_run 6 "$sig" --allow-empty
	check "SIG$sig ends live mode on a quiet link (rc $LIVE_RC, ${LIVE_S} s)" test "$LIVE_RC" = 0 -a "$LIVE_S" -le 4
	check "SIG$sig still gives the report" grep -q "^  Packets *0" "$T_TMP/out"
done
t_done
