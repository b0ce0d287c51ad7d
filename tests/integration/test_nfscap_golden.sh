#!/bin/bash
# test_nfscap_golden.sh - nfscap on the synthetic captures of tests/pcaps:
# the generator still writes the committed files byte for byte, and every
# TESTLIST line gives its expected output and exit status (stdout and
# stderr together). No lab needed. UPDATE=1 rewrites the expected outputs.
. "$(dirname "$0")/../lib.sh"
t_setup
P=$ROOT/tests/pcaps
NFSCAP=$(cd "$BIN" && pwd)/nfscap

check "nfscap synth writes the captures" "$NFSCAP" synth "$T_TMP"
for f in "$P"/*.pcap "$P"/*.bin "$P"/*.txt; do
	check "$(basename "$f") is what the generator writes" cmp -s "$f" "$T_TMP/$(basename "$f")"
done

while read -r name file want rc opts; do
	case $name in '' | '#'*) continue ;; esac
	# run from the directory so that file names in the output are stable
	# shellcheck disable=SC2086
	(cd "$P" && "$NFSCAP" report "$file" $opts) >"$T_TMP/$name.got" 2>&1
	got_rc=$?
	if [ -n "${UPDATE:-}" ]; then
		cp "$T_TMP/$name.got" "$P/$want"
	fi
	if [ "$got_rc" = "$rc" ] && cmp -s "$T_TMP/$name.got" "$P/$want"; then
		ok "$name: nfscap report $file $opts"
	else
		not_ok "$name: nfscap report $file $opts (exit $got_rc, want $rc)"
		diff -u "$P/$want" "$T_TMP/$name.got" | head -n 30 | sed 's/^/#   /'
	fi
done <"$P/TESTLIST"

# standard input, and several files merged by time
check "report - (standard input) gives the same RPCs" \
	bash -c "'$NFSCAP' report - --per-rpc - <'$P/v3_basic.pcap' | head -n 7 | cmp -s - '$P/v3_basic.csv'"
check "two files are merged by time" \
	bash -c "'$NFSCAP' report '$P/v3_basic.pcap' '$P/v4.pcap' --per-rpc - | grep -c tcp | grep -qx 11"
check_fails "standard input can be given only once" "$NFSCAP" report - - </dev/null
check_fails "a bad --port is a usage error" "$NFSCAP" report --port 0 "$P/v3_basic.pcap"
check_fails "report without files is a usage error" "$NFSCAP" report
t_done
