#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# meson install into a DESTDIR: every file where the search order and man
# expect it, and the installed binary's template directory holds the
# installed templates.
. "$(dirname "$0")/lib.sh"
: "${MESON_BUILD_ROOT:?}"

D=$T/dest
check "meson install --destdir" meson install -C "$MESON_BUILD_ROOT" --no-rebuild --destdir "$D" --quiet
prefix=$(meson introspect --buildoptions "$MESON_BUILD_ROOT" |
    python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"][0])')
bin=$D$prefix/bin/genfic-ca
[ -x "$bin" ] && pass "bin/genfic-ca" || fail "bin/genfic-ca"
if [ -n "${GENFIC_OCSPD:-}" ] || [ -e "$MESON_BUILD_ROOT/ocsp/genfic-ocspd" ]; then
	[ -x "$D$prefix/sbin/genfic-ocspd" ] && pass "sbin/genfic-ocspd" || fail "sbin/genfic-ocspd"
fi
for m in man1/genfic-ca.1 man5/genfic-ca-templates.5 man8/genfic-ocspd.8; do
	[ -f "$D$prefix/share/man/$m" ] && pass "man page $m" || fail "man page $m"
done
[ -f "$D$prefix/share/bash-completion/completions/genfic-ca" ] && pass "bash completion" || fail "bash completion"
[ -f "$D$prefix/lib/systemd/system/genfic-ocspd.service" ] && pass "systemd unit" || fail "systemd unit"
unit=$D$prefix/lib/systemd/system/genfic-ocspd.service
[ "$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit")" = "$prefix/sbin/genfic-ocspd" ] &&
    pass "the unit starts $prefix/sbin/genfic-ocspd" || fail "the unit's ExecStart: $(grep ^ExecStart "$unit")"
for d in guide.md migrating.md performance.md security.md NEWS.md; do
	[ -f "$D$prefix/share/doc/genfic-ca/$d" ] || fail "doc $d installed"
done
pass "the guide, migrating, performance, security and NEWS are installed"
[ -f "$D$prefix/share/doc/genfic-ca/examples/genfic-ocsp.conf" ] && pass "nginx example" || fail "nginx example"
tdir=$("$bin" --version | sed -n 's/^  templates: //p')
[ "$tdir" = "$prefix/share/genfic-ca/templates" ] && pass "built-in template directory is the installed one" ||
    fail "built-in template directory ($tdir)"
for t in root intermediate user-ca system-ca user system server client ocsp publisher; do
	[ -f "$D$tdir/$t.cnf" ] || fail "template $t installed"
done
pass "the ten templates are installed there"
# The installed binary, pointed at the installed tree only, makes a CA.
unset GENFIC_CA_TEMPLATES
check "the installed binary uses the installed templates" "$bin" -d "$T/s" --templates "$D$tdir" \
    -r inst --passout pass:inst-secret --batch -o "$T/inst.pem"
check "bash completion loads" bash -c ". '$D$prefix/share/bash-completion/completions/genfic-ca' && complete -p genfic-ca"
# Every long option --help lists is one the completion offers.
"$bin" --help | grep -o -- '--[a-z][a-z0-9-]*' | sort -u >"$T/help.opts"
cat >"$T/complete.sh" <<EOS
. '$D$prefix/share/bash-completion/completions/genfic-ca'
COMP_WORDS=(genfic-ca -) COMP_CWORD=1
_genfic_ca
printf '%s\\n' "\${COMPREPLY[@]}"
EOS
bash "$T/complete.sh" | grep -- '^--' | sort -u >"$T/comp.opts"
check "bash completion offers every option of --help" test -z "$(comm -23 "$T/help.opts" "$T/comp.opts")"
[ -s "$T/comp.opts" ] && [ -s "$T/help.opts" ] && pass "... both lists read" || fail "... both lists read"
# The same for genfic-ocspd, when it is built.
ocspd=$D$prefix/sbin/genfic-ocspd
if [ -x "$ocspd" ]; then
	comp=$D$prefix/share/bash-completion/completions/genfic-ocspd
	check "genfic-ocspd bash completion loads" bash -c ". '$comp' && complete -p genfic-ocspd"
	"$ocspd" --help | grep -o -- '--[a-z][a-z0-9-]*' | sort -u >"$T/ohelp.opts"
	cat >"$T/ocomplete.sh" <<EOS
. '$comp'
COMP_WORDS=(genfic-ocspd -) COMP_CWORD=1
_genfic_ocspd
printf '%s\\n' "\${COMPREPLY[@]}"
EOS
	bash "$T/ocomplete.sh" | grep -- '^--' | sort -u >"$T/ocomp.opts"
	check "genfic-ocspd bash completion offers every option of --help" \
	    test -z "$(comm -23 "$T/ohelp.opts" "$T/ocomp.opts")"
	[ -s "$T/ocomp.opts" ] && [ "$(wc -l <"$T/ohelp.opts")" -gt 20 ] &&
	    pass "... both lists read ($(wc -l <"$T/ohelp.opts") options)" || fail "... both lists read"
	# What the store holds: the CA names after --ca.
	cat >"$T/oca.sh" <<EOS
. '$comp'
COMP_WORDS=(genfic-ocspd -d '$T/s' --ca '') COMP_CWORD=4
_genfic_ocspd
printf '%s\\n' "\${COMPREPLY[@]}"
EOS
	[ "$(bash "$T/oca.sh")" = inst ] && pass "genfic-ocspd --ca completes the store's CA names" ||
	    fail "genfic-ocspd --ca completes the store's CA names: $(bash "$T/oca.sh")"
fi
finish
