#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# What genfic-ca says when it refuses: a passphrase typed on the terminal
# (through a pty made by script(1)), option values, --san, SAN types, the
# clamp summary.  One line each, saying what is wrong.
. "$(dirname "$0")/lib.sh"

check "root, system and user CAs created" make_hierarchy
SYS="-p genfic-system --passin pass:system-secret --batch"

# on_tty INPUT ARGS...: genfic-ca ARGS on a pseudo-terminal that INPUT
# (printf format) is typed into; what the terminal showed in $T/tty.
on_tty() {
	ot_input=$1; shift
	# shellcheck disable=SC2059
	printf "$ot_input" | timeout 30 script -qec \
	    "$GENFIC_CA $*" /dev/null >"$T/tty" 2>&1
}

# --- Passphrases typed on the terminal ----------------------------------
if command -v script >/dev/null 2>&1; then
	on_tty 'abc\n' -d "$T/tty1" -r short -o /dev/null
	check "a 3-character passphrase: says it is too short" \
	    grep -q "genfic-ca: short: a new key's passphrase needs at least 4 characters" "$T/tty"
	check "... and not that none was read" not grep -q "no passphrase read" "$T/tty"
	check "... asked once, not twice" not grep -q "Verifying" "$T/tty"
	on_tty 'abcdef\nabcdeg\n' -d "$T/tty2" -r differ -o /dev/null
	check "two passphrases that differ: says so" \
	    grep -q "genfic-ca: differ: the two passphrases typed did not match" "$T/tty"
	on_tty 'abcdef\nabcdef\n' -d "$T/tty3" -r same -o /dev/null
	check "two that match: the root is made" test -s "$T/tty3/certs/same.crt"
	check "... its key opens with that passphrase" openssl pkey -noout \
	    -in "$T/tty3/private/same.key" -passin pass:abcdef
else
	fail "script(1) (bsdutils) is needed for the terminal checks"
fi

# --- Option values --------------------------------------------------------
refuse "-v 0" 2 "-v '0': a number from 1 to" gca $SYS -v 0 -s "$T/none.req"
check "... in one line, without the usage" test "$(wc -l <"$T/err")" -eq 1
refuse "--crl-days 0" 2 "--crl-days '0': a number" gca -l --crl-days 0
check "... in one line" test "$(wc -l <"$T/err")" -eq 1
gca -h >"$T/help" 2>"$T/help.err"
check "-h shows the help on stdout" grep -q -- "--help" "$T/help"
check "... and nothing on stderr" test ! -s "$T/help.err"
refuse "an unknown option points at --help" 2 \
    "--hlep: unknown option (--help lists the options)" gca --hlep
refuse "--label with a tab" 2 "--label 'a\\\\x09b': 1 to" \
    gca -l --label "$(printf 'a\tb')"
check "... in one line" test "$(wc -l <"$T/err")" -eq 1

# --- --san ----------------------------------------------------------------
gca -R "$T/good" --subject /CN=good.example --nopass >/dev/null
refuse "--san without a type" 1 \
    "--san 'a.example.org': TYPE:VALUE expected, the type one of DNS, IP, email, URI" \
    gca $SYS -s "$T/good.req" --san a.example.org -o "$T/x.crt"
check "... and no OpenSSL error text" not grep -q "error:" "$T/err"
refuse "--san of an unknown type" 1 "--san 'dns:a.example': 'dns' is not a type" \
    gca $SYS -s "$T/good.req" --san dns:a.example -o "$T/x.crt"
refuse "--san with a bad IP" 1 "--san 'IP:10.0.0.256': not a valid IP value" \
    gca $SYS -s "$T/good.req" --san IP:10.0.0.256 -o "$T/x.crt"
check "... no OpenSSL error text" not grep -q "error:" "$T/err"

# --- SAN types by name ----------------------------------------------------
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$T/rid.key" -subj /CN=rid.example \
    -addext "subjectAltName=RID:1.2.3.4" -out "$T/rid.req" 2>/dev/null
refuse "a registeredID SAN is named" 1 "subjectAltName registeredID is not supported" \
    gca $SYS -s "$T/rid.req" -o "$T/rid.crt"
check "... not by number" not grep -q "type 8" "$T/err"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$T/on.key" -subj /CN=on.example \
    -addext "subjectAltName=otherName:1.2.3.4;UTF8:x" -out "$T/on.req" 2>/dev/null
refuse "an otherName SAN is named" 1 "subjectAltName otherName is not supported" \
    gca $SYS -s "$T/on.req" -o "$T/on.crt"

# --- The clamp summary of a spool ---------------------------------------
mkdir -p "$T/spool" "$T/crts"
cp "$T/good.req" "$T/spool/a.req"
echo garbage >"$T/spool/b.req"
# shellcheck disable=SC2086
gca $SYS -s "$T/spool" -o "$T/crts" >/dev/null 2>"$T/spool.err"
check "one certificate clamped: '1 certificate had its notAfter clamped'" \
    grep -q "1 certificate had its notAfter clamped" "$T/spool.err"
finish
