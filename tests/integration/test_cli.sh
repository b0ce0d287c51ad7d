#!/bin/bash
# test_cli.sh - the command-line conventions of nfsbench, nfstune and nfscap
# (issue 15): every program's and command's --help exits 0 on stdout and
# lists --version and the exit codes; a usage error exits 2 with exactly two
# lines on stderr, "PROG: message" and a pointer to the right --help;
# --version prints the toolkit's one version; an output file that cannot be
# written fails before any work. No lab, no root needed.
. "$(dirname "$0")/../lib.sh"
# not t_setup: its cleanup takes a lab down, and this test uses none
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nfstk-cli.XXXXXX")
trap 'exec 3>&- 2>/dev/null; rm -rf "$TMP"' EXIT
SELF=$(realpath "$0")
cd "$TMP" || exit 1 # whatever a program writes by mistake lands here
P=$ROOT/tests/pcaps
VERSION=$(sed -n 's/^#define NFSTK_VERSION "\(.*\)"$/\1/p' "$ROOT/lib/cli.h")

# help_ok PROG [CMD]: --help exits 0, says nothing on stderr, and lists
# --version and the exit status
help_ok() {
	local what="$*"
	"$BIN/$1" "${@:2}" --help >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	if [ $rc = 0 ] && [ ! -s "$TMP/err" ] && grep -q -- '--version' "$TMP/out" &&
		grep -q '^exit status:' "$TMP/out" && grep -Eq '^  2 +usage' "$TMP/out"; then
		ok "$what --help: exit 0, lists --version and the exit codes"
	else
		not_ok "$what --help (exit $rc)"
		sed 's/^/#   /' "$TMP/err" | head -n 5
	fi
}
for c in "" trace-dump pattern; do help_ok nfsbench $c; done
for c in "" show plan apply verify revert journals sweep; do help_ok nfstune $c; done
for c in "" report live attribute capture synth bare; do help_ok nfscap $c; done
# the command's own help, not the program's
check "nfstune plan --help is plan's help" bash -c "'$BIN/nfstune' plan --help | head -n 1 | grep -q 'plan PROFILE'"
check "nfscap live --help is live's help" bash -c "'$BIN/nfscap' live --help | head -n 1 | grep -q 'nfscap live'"

# usage_err "what" POINTER PROG ARGS...: exit 2, nothing on stdout, on stderr
# exactly "PROG: ..." and "Try 'POINTER --help' ..."
usage_err() {
	local what=$1 pointer=$2 prog=$3
	shift 3
	"$BIN/$prog" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
	local rc=$?
	if [ $rc = 2 ] && [ ! -s "$TMP/out" ] && [ "$(wc -l <"$TMP/err")" = 2 ] &&
		head -n 1 "$TMP/err" | grep -q "^$prog: ." &&
		sed -n 2p "$TMP/err" | grep -qF "Try '$pointer --help'"; then
		ok "usage error, two lines, exit 2: $what"
	else
		not_ok "usage error: $what (exit $rc)"
		sed 's/^/#   /' "$TMP/err" | head -n 5
	fi
}
usage_err "nfsbench unknown option" nfsbench nfsbench --bogus
usage_err "nfsbench option without its value" nfsbench nfsbench --bs
usage_err "nfsbench bad size" nfsbench nfsbench --url nfs://127.0.0.1/x --bs 0
usage_err "nfsbench without --url" nfsbench nfsbench
usage_err "nfsbench bad url" nfsbench nfsbench --url http://x/y
usage_err "nfsbench pattern without --length" "nfsbench pattern" nfsbench pattern
usage_err "nfsbench pattern unknown option" "nfsbench pattern" nfsbench pattern --bogus 1
usage_err "nfsbench trace-dump without a file" "nfsbench trace-dump" nfsbench trace-dump
usage_err "nfstune without a command" nfstune nfstune
usage_err "nfstune unknown command" nfstune nfstune frob
usage_err "nfstune unknown option" nfstune nfstune --bogus show
usage_err "nfstune plan without a profile" "nfstune plan" nfstune plan
usage_err "nfstune journals with an argument" "nfstune journals" nfstune journals x
usage_err "nfstune --delay without a unit" nfstune nfstune --delay 100 show
usage_err "nfstune --delay bad duration" nfstune nfstune --delay 1x show
usage_err "nfscap without a command" nfscap nfscap
usage_err "nfscap unknown command" nfscap nfscap frob
usage_err "nfscap report without files" "nfscap report" nfscap report
usage_err "nfscap report unknown option" "nfscap report" nfscap report --bogus "$P/v3_basic.pcap"
usage_err "nfscap report bad port" "nfscap report" nfscap report --port 0 "$P/v3_basic.pcap"
usage_err "nfscap live without -i" "nfscap live" nfscap live
usage_err "nfscap live bad duration" "nfscap live" nfscap live -i lo --duration 3q
usage_err "nfscap attribute without captures" "nfscap attribute" nfscap attribute
usage_err "nfscap attribute unknown option" "nfscap attribute" nfscap attribute --bogus
usage_err "nfscap capture without -w" "nfscap capture" nfscap capture -i lo
usage_err "nfscap capture option without its value" "nfscap capture" nfscap capture -w
usage_err "nfscap synth without DIR" "nfscap synth" nfscap synth
usage_err "nfscap report: both outputs on stdout" "nfscap report" nfscap report --per-rpc - --html - "$P/v3_basic.pcap"

# --version: the toolkit's one version, from every program and command
check "the toolkit version is defined" test -n "$VERSION"
for pc in "nfsbench" "nfsbench pattern" "nfsbench trace-dump" "nfstune" "nfstune plan" "nfscap" \
	"nfscap report" "nfscap live" "nfscap attribute" "nfscap capture" "nfscap synth"; do
	read -r prog cmd <<<"$pc"
	# shellcheck disable=SC2086
	got=$("$BIN/$prog" $cmd --version 2>&1)
	rc=$?
	if [ $rc = 0 ] && [ "$got" = "$prog (nfs-toolkit) $VERSION" ]; then
		ok "$pc --version: $got"
	else
		not_ok "$pc --version (exit $rc): $got"
	fi
done

# Durations are written the same way everywhere.
check "nfstune --delay takes a duration (1s)" bash -c "'$BIN/nfstune' --delay 1s journals --help >/dev/null"
check "nfstune --delay takes a duration (250ms)" bash -c "'$BIN/nfstune' --delay 250ms journals --help >/dev/null"

# An output that cannot be written fails before any work: the input is a
# FIFO that a writer holds open and never writes, so reading it first would
# block until the timeout.
mkfifo "$TMP/fifo"
exec 3<>"$TMP/fifo"
bad=$TMP/no/such/dir/out
# before_work "what" PROG ARGS...: exit 1 within seconds, naming the path
before_work() {
	local what=$1
	shift
	timeout -k 1 8 "$BIN/$1" "${@:2}" >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	if [ $rc = 1 ] && grep -qF "$bad" "$TMP/err" && [ ! -s "$TMP/out" ]; then
		ok "unwritable output fails before any work: $what"
	else
		not_ok "unwritable output: $what (exit $rc)"
		sed 's/^/#   /' "$TMP/err" | head -n 5
	fi
}
before_work "nfscap report --html" nfscap report --html "$bad" "$TMP/fifo"
before_work "nfscap report --per-rpc" nfscap report --per-rpc "$bad" "$TMP/fifo"
before_work "nfscap attribute --html" nfscap attribute --vantage guest="$TMP/fifo" --html "$bad"
before_work "nfscap attribute --per-rpc" nfscap attribute --vantage guest="$TMP/fifo" --per-rpc "$bad"
before_work "nfscap capture -w" nfscap capture -r "$TMP/fifo" -w "$bad"
before_work "nfstune sweep --html" nfstune --html "$bad" sweep "$TMP/no-such-profile.json"
# no server on that port: the old order failed on the mount, not on the path
before_work "nfsbench --trace" nfsbench --url nfs://127.0.0.1/x --timeout 1s --trace "$bad"
before_work "nfsbench --output" nfsbench --url nfs://127.0.0.1/x --timeout 1s --output "$bad"
exec 3>&-

# --html - is standard output, as --per-rpc - is: the HTML and nothing else
check "nfscap report --html - writes the HTML on stdout" \
	bash -c "'$BIN/nfscap' report --html - '$P/v3_basic.pcap' | head -n 1 | grep -qi '^<!doctype html>'"
check "nfscap report --html - writes no text report" \
	bash -c "! '$BIN/nfscap' report --html - '$P/v3_basic.pcap' | grep -q '^NFS'"
"$BIN/nfstune" --html - sweep x.json >"$TMP/out" 2>&1
check "nfstune sweep refuses --html - (stdout has its report)" \
	bash -c "[ $? = 2 ] && grep -q 'html -' '$TMP/out'"

# nfsbench --check: a profile checked without any server
for f in "$ROOT"/configs/*.json; do
	grep -q '"threadgroups"' "$f" || continue # nfstune's host profiles
	out=$("$BIN/nfsbench" --check --profile "$f" 2>&1)
	rc=$?
	check "nfsbench --check --profile ${f##*/}: valid (exit $rc)" bash -c "[ $rc = 0 ] && grep -q ': valid: ' <<<'$out'"
done
# a server that is not there: --check must not contact it
check "nfsbench --parse-only contacts no server" \
	bash -c "timeout 5 '$BIN/nfsbench' --parse-only --url nfs://127.0.0.1/x --rw randread --time 5s >/dev/null"
printf '{ "fileset": { "files": 1, "size": "4k" },\n  "threadgroups": [ { "name": "g", "ops": { "read": 1 }, "bogus": 1 } ] }\n' >"$TMP/bad.json"
"$BIN/nfsbench" --check --profile "$TMP/bad.json" >"$TMP/out" 2>"$TMP/err"
check "nfsbench --check of a bad profile: exit 2, one line naming file, line and key (exit $?)" \
	bash -c "[ $? = 2 ] && [ ! -s '$TMP/out' ] && [ \$(wc -l <'$TMP/err') = 1 ] && grep -q '^nfsbench: $TMP/bad.json:2:[0-9]*: .*bogus' '$TMP/err'"
# a failed mount names the step that failed: nothing listens on 127.0.0.1
# here (or, where an rpcbind does, it has no MOUNT registered)
timeout 30 "$BIN/nfsbench" --url nfs://127.0.0.1/x --timeout 1s >"$TMP/out" 2>"$TMP/err"
rc=$?
check "nfsbench, no NFS server: exit 1, one line naming the step ($(head -c 150 "$TMP/err"))" \
	bash -c "[ $rc = 1 ] && [ \$(wc -l <'$TMP/err') = 1 ] && grep -Eq 'the portmapper \(rpcbind, TCP 111\)|MOUNT v3 over TCP is not registered' '$TMP/err' && grep -q 'check' '$TMP/err'"
timeout 30 "$BIN/nfsbench" --url nfs://127.0.0.1/x --timeout 1s --nfs-version 4 >"$TMP/out" 2>"$TMP/err"
rc=$?
check "nfsbench over NFSv4, no NFS server: names the NFS port ($(head -c 150 "$TMP/err"))" \
	bash -c "[ $rc = 1 ] && grep -q 'the NFS port (TCP 2049)' '$TMP/err'"
# trace-dump of a file that is not there: the error, and no CSV header first
"$BIN/nfsbench" trace-dump "$TMP/no-such.trace" >"$TMP/out" 2>"$TMP/err"
check "nfsbench trace-dump of a missing file: exit 1, no header on stdout (exit $?)" \
	bash -c "[ $? = 1 ] && [ ! -s '$TMP/out' ] && grep -q '^nfsbench: .*no-such.trace' '$TMP/err'"

# No RPC found: exit 3 after the report, one line on stderr naming the likely
# cause, unless --allow-empty
# no_rpc "what" CAUSE-REGEX nfscap-report-args...
no_rpc() {
	local what=$1 cause=$2
	shift 2
	"$BIN/nfscap" report "$@" >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	if [ $rc = 3 ] && [ "$(wc -l <"$TMP/err")" = 1 ] && grep -q '^nfscap: no RPC found in .*: ' "$TMP/err" &&
		grep -Eq -- "$cause" "$TMP/err" && grep -q '^RPC' "$TMP/out"; then
		ok "no RPC found, exit 3, says why: $what"
	else
		not_ok "no RPC found: $what (exit $rc)"
		sed 's/^/#   /' "$TMP/err" | head -n 5
	fi
}
no_rpc "a capture without packets" "holds no packets" "$P/nopackets.pcap"
no_rpc "a --filter that drops everything" "passed --filter 'udp'" --filter udp "$P/v3_basic.pcap"
no_rpc "NFS on another port than --port" "only --port 2049" --port 2049 "$P/port.pcap"
if editcap -s 50 "$P/v3_basic.pcap" "$TMP/snap50.pcap" 2>/dev/null; then
	no_rpc "a snaplen that cuts the RPC headers" "snaplen is too small" "$TMP/snap50.pcap"
else
	not_ok "editcap (tshark's package) cuts a capture to 50 bytes a packet"
fi
"$BIN/nfscap" report --allow-empty "$P/nopackets.pcap" >"$TMP/out" 2>"$TMP/err"
check "--allow-empty: no RPC found is no error (exit $?, nothing on stderr)" \
	bash -c "[ $? = 0 ] && [ ! -s '$TMP/err' ] && grep -q '^RPC' '$TMP/out'"
check "a capture with RPCs says nothing on stderr" \
	bash -c "'$BIN/nfscap' report '$P/v3_basic.pcap' 2>&1 >/dev/null | wc -c | grep -qx 0"

# make install: man pages that render without a warning, and bash completion
# that completes commands, options and values
DEST=$TMP/root
if make -C "$ROOT" --no-print-directory install DESTDIR="$DEST" PREFIX=/usr >"$TMP/install.log" 2>&1; then
	ok "make install DESTDIR=... PREFIX=/usr"
else
	not_ok "make install"
	tail -n 5 "$TMP/install.log" | sed 's/^/#   /'
fi
for m in man1/nfsbench.1 man1/nfscap.1 man8/nfstune.8 man5/nfsbench-profile.5 man5/nfstune-profile.5; do
	f=$DEST/usr/share/man/$m
	groff -man -Tutf8 -ww -z "$f" >"$TMP/groff.err" 2>&1
	if [ -s "$f" ] && [ ! -s "$TMP/groff.err" ] && man -l "$f" 2>/dev/null | grep -q '^NAME'; then
		ok "man page $m installed, renders without warnings"
	else
		not_ok "man page $m"
		head -n 5 "$TMP/groff.err" | sed 's/^/#   /'
	fi
done
for p in nfsbench nfsbench nfscap nfstune; do
	check "man pages of the programs list the exit status: $p" \
		bash -c "man -l '$DEST'/usr/share/man/man*/$p.[18] 2>/dev/null | grep -q '^EXIT STATUS'"
done
check "the configs are installed" test -s "$DEST/usr/share/nfs-toolkit/configs/mailserver.json"
COMP=$DEST/usr/share/bash-completion/completions
for p in nfsbench nfstune nfscap; do
	check "completion for $p is registered" \
		bash -c "source '$COMP/$p' && complete -p $p | grep -q -- '-F _$p'"
done
# completes PROG WORD... -> the candidates for the last word, one line
completes() {
	bash -c 'source "$1"; shift; f=$1; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1));
		"$f"; printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' _ "$COMP/$1" "_$1" "$BIN/$1" "${@:2}"
}
# want "what" "EXPECTED WORDS" PROG WORD...: each expected word is offered
want() {
	local what=$1 expected=$2 got w miss=""
	shift 2
	got=" $(completes "$@")"
	for w in $expected; do [[ $got == *" $w "* ]] || miss="$miss $w"; done
	if [ -z "$miss" ]; then ok "completion: $what"; else not_ok "completion: $what: missing$miss (got:$got)"; fi
}
want "nfscap commands" "report live attribute capture synth" nfscap ""
want "nfscap report options" "--json --html --per-rpc --port --filter --version" nfscap report --
want "nfscap attribute's own options" "--split-at --vantage" nfscap attribute --
want "nfscap --vantage points" "guest= host-in= host-out= storage=" nfscap attribute --vantage ""
want "nfstune commands" "plan apply verify revert journals sweep show" nfstune ""
want "nfstune command after an option and its value" "plan" nfstune --state-dir /tmp pl
want "nfstune options" "--state-dir --delay --json" nfstune plan --
want "nfsbench subcommands" "trace-dump pattern" nfsbench ""
want "nfsbench options" "--connections --slots" nfsbench --
want "nfsbench --rw values" "randread randrw" nfsbench --rw rand
want "nfsbench pattern options" "--length --seed --offset" nfsbench pattern --

# The same checks on the ASan+UBSan build where make test built it: error
# paths leak or overflow where nothing else runs them (a usage error once
# leaked the output object)
SAN_BIN=$ROOT/build/san/bin
if [ -z "${CLI_SAN:-}" ] && [ -x "$SAN_BIN/nfstune" ] && [ -x "$SAN_BIN/nfscap" ] && [ -x "$SAN_BIN/nfsbench" ]; then
	if CLI_SAN=1 BIN=$SAN_BIN bash "$SELF" >"$TMP/san.log" 2>&1; then
		ok "the same checks on the ASan+UBSan build ($(tail -n 1 "$TMP/san.log"))"
	else
		not_ok "the same checks on the ASan+UBSan build"
		grep -A4 '^not ok' "$TMP/san.log" | head -n 20 | sed 's/^/#   /'
	fi
fi

t_done
