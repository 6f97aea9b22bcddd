#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The one lookup of -x, -S and -E (genfic-ca(1), VALUES): a hex serial, a
# certificate file, a label, a CN, a subject hash, the SHA-256 fingerprint
# with or without colons; -p scopes it; a value naming several
# certificates is refused with the candidates listed.  And the PKCS#12
# file of -E: 0600, read back with openssl pkcs12.
. "$(dirname "$0")/lib.sh"

check "root, system and user CAs created" make_hierarchy
SYS="-p genfic-system --passin pass:system-secret --batch"
S=$T/self
mkdir -p "$S"

# As the README walkthrough does it: -R, then -s.
gca -R "$S/myhostname" --subject /CN=myhostname --nopass >/dev/null
# shellcheck disable=SC2086
gca $SYS -s "$S/myhostname.req" -o "$T/myhostname.crt" 2>/dev/null
SERIAL=$(serial_of "$T/myhostname.crt")
FP=$(openssl x509 -in "$T/myhostname.crt" -noout -fingerprint -sha256 |
    sed 's/^[^=]*=//')
HASH=$(openssl x509 -in "$T/myhostname.crt" -noout -hash)

# shows VALUE [options]: -S VALUE shows the certificate of myhostname.
shows() {
	gca -S "$@" >"$T/show" 2>"$T/show.err" &&
	    grep -q "^Serial: *$SERIAL\$" "$T/show"
}

# --- -S -------------------------------------------------------------------
check "-S CN (the --help example -S myhostname)" shows myhostname
check "-S certificate file" shows "$T/myhostname.crt"
check "-S fingerprint as openssl x509 -fingerprint -sha256 prints it" \
    shows "$FP"
check "-S openssl's whole line, sha256 Fingerprint=..." \
    shows "sha256 Fingerprint=$FP"
check "-S fingerprint without colons" shows "$(echo "$FP" | tr -d :)"
check "-S fingerprint in lower case" \
    shows "$(echo "$FP" | tr -d : | tr 'A-F' 'a-f')"
check "-S serial" shows "$SERIAL"
check "-S subject hash" shows "$HASH"
check "-S -p genfic-system CN" shows myhostname -p genfic-system
check "-S -p genfic-system certificate file" shows "$T/myhostname.crt" \
    -p genfic-system
refuse "-S -p genfic CN: only genfic's certificates" 1 \
    "no certificate matches 'myhostname'" gca -S myhostname -p genfic
refuse "-S -p genfic certificate file of another CA" 1 \
    "was not issued by genfic" gca -S "$T/myhostname.crt" -p genfic
refuse "-S -p of no CA" 1 "no CA named 'nosuch'" gca -S myhostname -p nosuch
refuse "-S fingerprint with a bad pair" 1 "no certificate matches" \
    gca -S "$(echo "$FP" | sed 's/^../ZZ/')"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$T/other.key" -x509 -subj /CN=myhostname -days 1 \
    -out "$T/other.crt" 2>/dev/null
refuse "-S certificate file not in the store" 1 "is not in the store" \
    gca -S "$T/other.crt"

# --- -E -------------------------------------------------------------------
umask 022
check "-E CN --format p12 (the --help example)" gca -E myhostname \
    --format p12 --key "$S/myhostname.key" --passout pass:p12-secret \
    --batch -o "$T/host.p12"
check "the .p12 is 0600 under umask 022" test "$(stat -c %a "$T/host.p12")" = 600
check "openssl pkcs12 -info reads it" openssl pkcs12 -info -noout \
    -in "$T/host.p12" -passin pass:p12-secret
openssl pkcs12 -in "$T/host.p12" -passin pass:p12-secret -nokeys -clcerts \
    2>/dev/null | openssl x509 -noout -fingerprint -sha256 |
    sed 's/^[^=]*=//' >"$T/p12.fp"
check "the .p12 holds the certificate of myhostname" test "$(cat "$T/p12.fp")" = "$FP"
: >"$T/old.p12"
chmod 644 "$T/old.p12"
check "-E --format p12 --force over a 0644 file" gca -E myhostname \
    --format p12 --key "$S/myhostname.key" --passout pass:p12-secret \
    --batch --force -o "$T/old.p12"
check "... which is 0600 now" test "$(stat -c %a "$T/old.p12")" = 600
check "-E --format pem stays 0644" gca -E myhostname -o "$T/e.pem"
check "... 0644" test "$(stat -c %a "$T/e.pem")" = 644
check "-E certificate file" gca -E "$T/myhostname.crt" -o "$T/file.pem"
check "... is that certificate" cmp -s "$T/file.pem" "$T/myhostname.crt"
check "-E colon fingerprint --format der" gca -E "$FP" --format der \
    -o "$T/fp.der"
openssl x509 -in "$T/myhostname.crt" -outform der >"$T/want.der"
check "... is that certificate" cmp -s "$T/fp.der" "$T/want.der"
refuse "-E -p genfic CN: scoped" 1 "no certificate matches" \
    gca -E myhostname -p genfic
refuse "-E p12 under --batch without --passout names --passout" 1 \
    "--passout not given, and --batch forbids prompting" \
    gca -E myhostname --format p12 --key "$S/myhostname.key" --batch \
    -o "$T/none.p12"
gca -R "$S/enc" --subject /CN=enc.example --passout pass:key-secret \
    --batch >/dev/null
# shellcheck disable=SC2086
gca $SYS -s "$S/enc.req" -o "$T/enc.crt" 2>/dev/null
refuse "-E p12 of an encrypted key under --batch without --passin names --passin" 1 \
    "--passin not given, and --batch forbids prompting" \
    gca -E enc.example --format p12 --key "$S/enc.key" \
    --passout pass:p12-secret --batch -o "$T/none.p12"
check "no .p12 left by the refusals" test ! -e "$T/none.p12"

# --- Two certificates of one CN -------------------------------------------
gca -R "$S/second" --subject /CN=myhostname --nopass >/dev/null
# shellcheck disable=SC2086
gca $SYS -s "$S/second.req" -o "$T/second.crt" 2>/dev/null
SERIAL2=$(serial_of "$T/second.crt")
FP2=$(openssl x509 -in "$T/second.crt" -noout -fingerprint -sha256 |
    sed 's/^[^=]*=//')
refuse "-S CN of two certificates is refused" 1 \
    "'myhostname' matches 2 certificates" gca -S myhostname
cp "$T/err" "$T/candidates"
check "... listing the first" grep -q \
    "^  $SERIAL  genfic-system  valid  CN=myhostname\$" "$T/candidates"
check "... and the second" grep -q \
    "^  $SERIAL2  genfic-system  valid  CN=myhostname\$" "$T/candidates"
refuse "-E CN of two certificates is refused" 1 \
    "'myhostname' matches 2 certificates" gca -E myhostname
check "... listing both" test "$(grep -c '^  [0-9A-F]*  genfic-system' "$T/err")" -eq 2
# shellcheck disable=SC2086
refuse "-x CN of two certificates is refused" 1 \
    "'myhostname' matches 2 certificates" gca $SYS -x myhostname
check "... listing both" test "$(grep -c '^  [0-9A-F]*  genfic-system' "$T/err")" -eq 2
check "... and revoking neither" test "$(sql "SELECT count(*) FROM cert WHERE revoked_at IS NOT NULL")" -eq 0
# shellcheck disable=SC2086
check "-x by the colon fingerprint" gca $SYS -x "$FP2"
check "... revoked that one" test "$(sql "SELECT count(*) FROM cert WHERE revoked_at IS NOT NULL AND hex(serial) = '$SERIAL2'")" -eq 1
check "-S CN now names the one still in use" shows myhostname
check "-E CN too" gca -E myhostname -o "$T/inuse.pem"
check "... the one in use" cmp -s "$T/inuse.pem" "$T/myhostname.crt"
# shellcheck disable=SC2086
check "-x CN revokes the one in use" gca $SYS -x myhostname --reason superseded
refuse "-S CN of two revoked certificates lists them" 1 \
    "'myhostname' matches 2 certificates" gca -S myhostname
check "... with their status" test "$(grep -c '  revoked  CN=myhostname$' "$T/err")" -eq 2
# shellcheck disable=SC2086
refuse "-x of a revoked certificate file says so" 1 "already revoked" \
    gca $SYS -x "$T/second.crt"
finish
