#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The template a new CA gets without -t (genfic-ca(1), TEMPLATES): from
# its parent's child template, its predecessor or its name, said in a
# notice; the URLs a successor carries over from its predecessor.
. "$(dirname "$0")/lib.sh"

check "root, system and user CAs created" make_hierarchy
ROOTP="-p genfic --passin pass:root-secret --passout pass:ca-secret --batch"

# template_of CA: its template and its children's, from the store.
template_of() {
	sql "SELECT template || ' ' || leaf_template FROM ca WHERE name = '$1'"
}

# noticed NAME TEMPLATE WHY: stderr of the last check says so.
noticed() {
	grep -q "^genfic-ca: $1: using template $2 ($3" "$T/create.err"
}

# create NAME [options]: -c NAME under genfic; stderr kept in create.err.
create() {
	cr_name=$1; shift
	# shellcheck disable=SC2086
	gca $ROOTP -c "$cr_name" "$@" >/dev/null 2>"$T/create.err"
}

# leaf CA NAME: signs a request for NAME.example under CA into $T/NAME.crt.
leaf() {
	gca -R "$T/$2" --subject "/CN=$2.example" --nopass >/dev/null &&
	    gca -p "$1" --passin pass:ca-secret --batch -s "$T/$2.req" \
	    -o "$T/$2.crt" 2>/dev/null
}

check "the predecessor gets URLs" gca -p genfic-system --set \
    --crl-url http://pki.example.org/genfic-system.crl \
    --ocsp-url http://ocsp.example.org/ \
    --issuer-url http://pki.example.org/genfic-system.crt
check "-c genfic-system2" create genfic-system2
check "... gets system-ca, as genfic-system" test "$(template_of genfic-system2)" = "system-ca system"
check "... and says so" noticed genfic-system2 system-ca "the template of its predecessor"
check "... naming genfic's child template, which differs" \
    grep -q "genfic's child template is intermediate" "$T/create.err"
check "... its CRL URL, renamed" test "$(sql "SELECT crl_url FROM ca WHERE name = 'genfic-system2'")" = \
    http://pki.example.org/genfic-system2.crl
check "... its OCSP URL, as it is" test "$(sql "SELECT ocsp_url FROM ca WHERE name = 'genfic-system2'")" = \
    http://ocsp.example.org/
check "... its issuer URL, renamed" test "$(sql "SELECT issuer_url FROM ca WHERE name = 'genfic-system2'")" = \
    http://pki.example.org/genfic-system2.crt
check "... and says so" grep -q "^genfic-ca: genfic-system2: --crl-url http://pki.example.org/genfic-system2.crl (carried over from genfic-system)" "$T/create.err"
check "a certificate of genfic-system2" leaf genfic-system2 web
check "... is a system certificate (serverAuth and clientAuth)" ext_is "$T/web.crt" \
    extendedKeyUsage 'TLS Web Server Authentication, TLS Web Client Authentication'
check "... with genfic-system2's CRL" ext_is "$T/web.crt" crlDistributionPoints \
    'URI:http://pki.example.org/genfic-system2.crl'
check "... and OCSP responder" ext_is "$T/web.crt" authorityInfoAccess \
    'OCSP - URI:http://ocsp.example.org/'

check "-c genfic-system-2027" create genfic-system-2027
check "... gets system-ca" test "$(template_of genfic-system-2027)" = "system-ca system"

check "-c with its own --crl-url" create genfic-user2 --crl-url http://crl.example/u2.crl
check "... gets user-ca" test "$(template_of genfic-user2)" = "user-ca user"
check "... keeps the URL given" test "$(sql "SELECT crl_url FROM ca WHERE name = 'genfic-user2'")" = http://crl.example/u2.crl

check "-c people -t user-ca" create people -t user-ca
check "... says nothing of a template named with -t" not grep -q "using template" "$T/create.err"
check "-c people2: its predecessor's template" create people2
check "... user-ca, not from the name" test "$(template_of people2)" = "user-ca user"

check "-c plain: no predecessor, no word" create plain
check "... the parent's child template" test "$(template_of plain)" = "intermediate server"
check "... and says so" noticed plain intermediate "the parent's child template"

check "-c web-system: from its name" create web-system
check "... system-ca" test "$(template_of web-system)" = "system-ca system"
check "... and says so" noticed web-system system-ca "from its name"

refuse_clean "-c under an issuing CA without -t" 2 \
    "sub: genfic-system2 signs end-entity certificates (its child template 'system' is not a CA template); name a CA template with -t" \
    gca -p genfic-system2 -c sub --passin pass:ca-secret --passout pass:sub-secret --batch
check "... no key left" test ! -e "$GENFIC_CA_DIR/private/sub.key"
refuse_clean "-c -t intermediate under a pathLen 0 CA" 1 \
    "RFC 5280 4.2.1.9: CA genfic-system2 has pathLenConstraint 0: no CA certificate may be issued" \
    gca -p genfic-system2 -c sub -t intermediate --passin pass:ca-secret \
    --passout pass:sub-secret --batch
check "-c under plain (intermediate, pathlen 0) with -t is refused too" \
    not gca -p plain -c sub -t intermediate --passin pass:ca-secret \
    --passout pass:sub-secret --batch
finish
