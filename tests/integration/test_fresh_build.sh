#!/bin/bash
# test_fresh_build.sh - the README's first commands on a machine that does not
# have the packages yet. A copy of the tree runs `make demo`, `make bench`
# and `make test` with pkg-config and mpicc that answer "not installed" until the copy's
# scripts/install-deps has run (it drops a marker, as apt-get would install
# them): the build must still link the first time, as it must on a fresh
# Debian 12 machine. The copy's demo, bench and test runners only check the
# build.
. "$(dirname "$0")/../lib.sh"
# no lab here: only the temporary tree goes at exit
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/nfstk-test.XXXXXX")
trap 'rm -rf "$T_TMP"' EXIT
copy=$T_TMP/tree
shim=$T_TMP/shim
marker=$T_TMP/installed
mkdir -p "$copy" "$shim"
(cd "$ROOT" && git ls-files -z | tar --null -T - -cf - | tar -xf - -C "$copy") || { not_ok "copy the tree"; t_done; exit; }

real_pc=$(command -v pkg-config)
real_mpicc=$(command -v mpicc || true)
for tool in pkg-config mpicc; do
	real=$real_pc
	[ $tool = mpicc ] && real=$real_mpicc
	cat >"$shim/$tool" <<SH
#!/bin/sh
# not installed until install-deps has run
[ -e "$marker" ] && [ -n "$real" ] && exec "$real" "\$@"
echo "$tool: command not found" >&2
exit 127
SH
	chmod +x "$shim/$tool"
done
cat >"$copy/scripts/install-deps" <<SH
#!/bin/sh
echo "install-deps (test): installing"
touch "$marker"
SH
# make test's runner builds with its own make, as tests/run-all does
cat >"$copy/tests/run-all" <<'SH'
#!/bin/sh
${MAKE:-make} -j2 all && scripts/demo
SH
for s in demo bench; do
	cat >"$copy/scripts/$s" <<'SH'
#!/bin/sh
# the build is all this test looks at
for p in bin/nfsbench bin/nfstune bin/nfscap; do [ -x "$p" ] || { echo "missing $p"; exit 1; }; done
bin/nfsbench --help >/dev/null 2>&1 || bin/nfsbench --version >/dev/null || exit 1
echo "built"
SH
done

run_make() { (cd "$copy" && PATH="$shim:$PATH" make -j2 "$@") >"$T_TMP/make.log" 2>&1; }

check "the shims say pkg-config is missing before install-deps" \
	bash -c "! PATH='$shim:$PATH' pkg-config --libs json-c >/dev/null 2>&1"
check "make demo links the programs the first time (packages installed by its own deps step)" run_make demo
grep -q '^built$' "$T_TMP/make.log" && ok "the demo step ran after the build" || not_ok "the demo step ran after the build"
if [ -n "$real_mpicc" ]; then
	check "nfsbench-mpi was built too (mpicc seen after install-deps)" test -x "$copy/bin/nfsbench-mpi"
fi
[ "$T_FAILED" = 0 ] || sed 's/^/  | /' "$T_TMP/make.log" | tail -n 20

rm -rf "$copy/bin" "$copy/build" "$marker"
check "make bench links the programs the first time too" run_make bench
rm -rf "$copy/bin" "$copy/build" "$marker"
check "make test builds the programs the first time too" run_make test
rm -f "$marker"
(cd "$copy" && PATH="$shim:$PATH" make all) >"$T_TMP/plain.log" 2>&1
rc=$?
check "plain make without the packages fails" test "$rc" != 0
check "...with one line that says to run make deps" grep -q 'run `make deps`' "$T_TMP/plain.log"
t_done
