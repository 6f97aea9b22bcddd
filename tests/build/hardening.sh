#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The hardening of the built programs (meson option hardening, on by
# default), read from the binaries and objects with binutils and Debian's
# hardening-check: PIE, full RELRO, BIND_NOW, stack protector,
# _FORTIFY_SOURCE, stack clash probes and CET (endbr64) on x86-64.
. "$(dirname "$0")/../cli/lib.sh"
: "${MESON_BUILD_ROOT:?}" "${GF_HARDENING:?}" "${GF_FORTIFY:?}" "${GF_CPU:?}"

if [ "$GF_HARDENING" != 1 ]; then
	skip "hardened build" "configured with -Dhardening=false"
	finish
	exit
fi

bins=$GENFIC_CA
[ -n "${GENFIC_OCSPD:-}" ] && bins="$bins $GENFIC_OCSPD"

# Objects of the two programs and their core (not the tests' own).
objects() {
	find "$MESON_BUILD_ROOT/src" "$MESON_BUILD_ROOT/ocsp" -name '*.c.o'
}

has_dynsym() {
	readelf --dyn-syms -W "$1" | grep -Eq "$2"
}

for b in $bins; do
	n=$(basename "$b")
	readelf -hW "$b" | grep -Eq 'Type: +DYN' &&
	    readelf -dW "$b" | grep -Eq 'FLAGS_1.*PIE' &&
	    pass "$n: PIE" || fail "$n: PIE"
	readelf -lW "$b" | grep -q GNU_RELRO &&
	    readelf -dW "$b" | grep -Eq '\(FLAGS\).*BIND_NOW' &&
	    pass "$n: full RELRO (GNU_RELRO, BIND_NOW)" ||
	    fail "$n: full RELRO (GNU_RELRO, BIND_NOW)"
	has_dynsym "$b" ' __stack_chk_fail' && pass "$n: stack protector" ||
	    fail "$n: stack protector (no __stack_chk_fail)"
	# A frame over 4 KiB grows a page at a time, each page touched:
	# "sub $0x1000,%rsp", then gcc "orq $0x0,(%rsp)", clang "movq".
	probes=$(objdump -d --no-show-raw-insn "$b" | awk '
	    /sub +\$0x1000,%rsp/ { page = 1; next }
	    page && /(orq|movq) +\$0x0,\(%rsp\)/ { n++ }
	    { page = 0 }
	    END { print n + 0 }')
	[ "$probes" -gt 0 ] && pass "$n: stack clash probes ($probes)" ||
	    fail "$n: stack clash probes (none)"
	case $GF_FORTIFY in
	0)
		skip "$n: _FORTIFY_SOURCE" "not with ASan, -O0 or -Dfuzz" ;;
	*)
		has_dynsym "$b" ' __[a-z_]+_chk@' &&
		    pass "$n: _FORTIFY_SOURCE (__*_chk calls)" ||
		    fail "$n: _FORTIFY_SOURCE (no __*_chk call)" ;;
	esac
	if [ "$GF_CPU" = x86_64 ]; then
		objdump -d --no-show-raw-insn --disassemble=main "$b" |
		    sed -n '/<main>:/{n;p;q;}' | grep -q endbr64 &&
		    pass "$n: main starts with endbr64 (-fcf-protection)" ||
		    fail "$n: main starts with endbr64 (-fcf-protection)"
	fi
	if command -v hardening-check >/dev/null; then
		# Debian 12's crt1.o carries no CET note, so no binary linked
		# with it can: the CET check is the endbr64 one above.
		hc="--nocfprotection"
		[ "$GF_FORTIFY" = 0 ] && hc="$hc --nofortify"
		# shellcheck disable=SC2086
		check "$n: hardening-check $hc" hardening-check $hc "$b"
	else
		skip "$n: hardening-check" "devscripts not installed"
	fi
done

# Every object of the programs, not only those that reached main: the CET
# note (IBT, SHSTK) in each.
if [ "$GF_CPU" = x86_64 ]; then
	# shellcheck disable=SC2046
	missing=$(readelf -nW $(objects) | awk '
	    /^File: / { if (f != "" && !cet) print f; f = $2; cet = 0 }
	    /x86 feature: IBT, SHSTK/ { cet = 1 }
	    END { if (f != "" && !cet) print f }')
	[ -z "$missing" ] && pass "every object has the IBT, SHSTK note" || {
		fail "objects without the IBT, SHSTK note"
		echo "$missing" | head -5 | sed 's/^/#   /'
	}
fi

# The level of _FORTIFY_SOURCE cannot be read from a binary: the compile
# commands of every object of the programs name it.
if [ "$GF_FORTIFY" != 0 ] && [ "$GF_FORTIFY" != cflags ]; then
	src=$(cd "$(dirname "$0")/../.." && pwd)
	n=$(python3 - "$MESON_BUILD_ROOT" "$src" "$GF_FORTIFY" <<'PY'
import json, os, sys
root, src, level = sys.argv[1:]
cmds = json.load(open(root + "/compile_commands.json"))
def path(c):
    return os.path.realpath(os.path.join(c["directory"], c["file"]))
dirs = tuple(os.path.realpath(src) + d for d in ("/src/", "/ocsp/"))
ours = [c for c in cmds if path(c).startswith(dirs)]
bad = [c["file"] for c in ours
       if "-D_FORTIFY_SOURCE=" + level not in c["command"].split()]
print(len(ours) if ours and not bad else "bad: %d of %d" % (len(bad), len(ours)))
PY
)
	case $n in
	bad*|'') fail "-D_FORTIFY_SOURCE=$GF_FORTIFY in every compile ($n)" ;;
	*) pass "-D_FORTIFY_SOURCE=$GF_FORTIFY in all $n compiles of src/, ocsp/" ;;
	esac
fi
finish
