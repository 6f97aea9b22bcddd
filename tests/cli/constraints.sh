#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Issuance policy (RFC 5280 4.2.1.9, 4.2.1.10): the nameConstraints of
# every CA in the chain and every pathLenConstraint are enforced when a
# certificate is issued, so nothing is signed that verifiers reject; a
# CA gets constraints from --name-constraints and --pathlen; a template
# can limit subjectAltNames.  Each refusal records nothing.
. "$(dirname "$0")/lib.sh"

make_hierarchy || { echo "Bail out! hierarchy"; exit 1; }
ROOT="--passin pass:root-secret --batch"
S=$GENFIC_CA_DIR/certs

# A constrained issuing CA, and one more constraint on a CA above it.
check "-c with --name-constraints and --pathlen" gca -p genfic -c acme-system \
    -t system-ca $ROOT --passout pass:acme-secret -o "$T/acme.crt" \
    --name-constraints 'permitted;DNS:.example.org' \
    --name-constraints 'excluded;DNS:bad.example.org' \
    --name-constraints 'permitted;IP:10.0.0.0/8' \
    --name-constraints 'permitted;email:example.org'
openssl x509 -in "$T/acme.crt" -noout -text >"$T/acme.txt"
check "nameConstraints is critical" grep -q 'Name Constraints: critical' "$T/acme.txt"
check "with the permitted subtrees" sh -c "grep -q 'DNS:.example.org' '$T/acme.txt' &&
    grep -q 'IP:10.0.0.0/255.0.0.0' '$T/acme.txt'"
check "and the excluded one" grep -q 'DNS:bad.example.org' "$T/acme.txt"
check "certtool reads the constraints" sh -c "certtool -i --infile '$T/acme.crt' |
    grep -q 'Name Constraints (critical)'"

ACME="-p acme-system --passin pass:acme-secret --batch"
req() {
	rq_name=$1 rq_subject=$2; shift 2
	gca -R "$T/$rq_name" --subject "$rq_subject" --nopass "$@" >/dev/null 2>&1
}
req www /CN=www.example.org --san DNS:www.example.org,IP:10.1.2.3
req evil /CN=www.example.org --san DNS:evil.com
req bad /CN=x.bad.example.org --san DNS:x.bad.example.org
req ip /CN=a.example.org --san DNS:a.example.org,IP:192.168.1.1
req cn /CN=evil.com
req mail /CN=Jo --san email:jo@example.net

check "a name inside the subtrees is signed" gca $ACME -s "$T/www.req" -o "$T/www.crt"
check "and verifies" openssl verify -CAfile "$S/genfic.crt" -untrusted "$T/acme.crt" "$T/www.crt"
check "and GnuTLS verifies it" sh -c "cat '$T/www.crt' '$T/acme.crt' '$S/genfic.crt' >'$T/chain.pem' &&
    certtool --verify-chain --infile '$T/chain.pem' | grep -q 'Chain verification output: Verified'"
refuse_clean "DNS outside the permitted subtree, named with the subtree and the CA" 1 \
    "evil.req: refused: RFC 5280 4.2.1.10: DNS:evil.com is outside the permitted subtrees of CA acme-system (DNS:.example.org, IP:10.0.0.0/8, email:example.org)" \
    gca $ACME -s "$T/evil.req" -o "$T/evil.crt"
refuse_clean "DNS in an excluded subtree" 1 \
    "RFC 5280 4.2.1.10: DNS:x.bad.example.org is in the excluded subtree DNS:bad.example.org of CA acme-system" \
    gca $ACME -s "$T/bad.req" -o "$T/bad.crt"
refuse_clean "an IP outside the permitted range" 1 \
    "RFC 5280 4.2.1.10: IP:192.168.1.1 is outside the permitted subtrees" \
    gca $ACME -s "$T/ip.req" -o "$T/ip.crt"
refuse_clean "a host name in the CN alone, as verifiers check it" 1 \
    "the CN of /CN=evil.com (no DNS name) is outside the permitted subtrees" \
    gca $ACME -s "$T/cn.req" -t server -o "$T/cn.crt"
refuse_clean "an e-mail address outside the permitted domain" 1 \
    "email:jo@example.net is outside the permitted subtrees" \
    gca $ACME -s "$T/mail.req" -t client -o "$T/mail.crt"
refuse_clean "--san added by the CA admin is held to the same rule" 1 \
    "DNS:extra.example.com is outside" \
    gca $ACME -s "$T/www.req" --san DNS:extra.example.com -o "$T/extra.crt"

# The spool refuses the request that breaks a constraint, signs the others.
mkdir "$T/spool" "$T/certs"
cp "$T/www.req" "$T/spool/a.req"; cp "$T/evil.req" "$T/spool/b.req"
gca $ACME -s "$T/spool" -o "$T/certs" >/dev/null 2>"$T/spool.err"
check "a spool: the other request signed" test -s "$T/certs/a.crt"
check "a spool: the one outside refused" sh -c "grep -q 'b.req: refused: RFC 5280 4.2.1.10: DNS:evil.com' '$T/spool.err' &&
    test ! -e '$T/certs/b.crt'"

# Constraints of a CA further up apply too.
check "a root with nameConstraints" gca -r top --subject /CN=Top --passout pass:top-secret \
    --batch --name-constraints 'permitted;DNS:.top.example' -o "$T/top.crt"
check "a CA under it, without constraints of its own" gca -p top -c top-issuing \
    -t intermediate --passin pass:top-secret --passout pass:ti-secret --batch
req under /CN=a.top.example --san DNS:a.top.example
req outside /CN=a.other.example --san DNS:a.other.example
check "a name within the root's subtree is signed" gca -p top-issuing \
    --passin pass:ti-secret --batch -s "$T/under.req" -t server -o "$T/under.crt"
refuse_clean "the root's constraint holds two levels down" 1 \
    "DNS:a.other.example is outside the permitted subtrees of CA top (DNS:.top.example)" \
    gca -p top-issuing --passin pass:ti-secret --batch -s "$T/outside.req" -t server -o "$T/outside.crt"

# pathLenConstraint: the shipped issuing CAs have pathlen 0.
refuse_clean "no CA under a CA with pathlen 0" 1 \
    "RFC 5280 4.2.1.9: CA genfic-system has pathLenConstraint 0: no CA certificate may be issued 1 level below it" \
    gca -p genfic-system -c deeper -t system-ca --passin pass:system-secret \
    --passout pass:deeper-secret --batch
check "and no key left behind" test ! -e "$GENFIC_CA_DIR/private/deeper.key"
check "--pathlen 1 on a CA under the root" gca -p genfic -c mid -t root \
    --pathlen 1 $ROOT --passout pass:mid-secret -o "$T/mid.crt"
check "its basicConstraints says pathlen:1" sh -c \
    "openssl x509 -in '$T/mid.crt' -noout -ext basicConstraints | grep -q 'CA:TRUE, pathlen:1'"
check "one CA under it" gca -p mid -c mid2 -t system-ca --passin pass:mid-secret \
    --passout pass:mid2-secret --batch -o "$T/mid2.crt"
check "a CA without a pathLenConstraint under it" gca -p mid -c mid2b -t root \
    --passin pass:mid-secret --passout pass:mid2b-secret --batch
refuse_clean "a pathLenConstraint two levels up holds" 1 \
    "RFC 5280 4.2.1.9: CA mid has pathLenConstraint 1: no CA certificate may be issued 2 levels below it" \
    gca -p mid2b -c mid3 -t root --passin pass:mid2b-secret --passout pass:mid3-secret --batch
refuse_clean "... refused before the parent's passphrase is asked" 1 \
    "RFC 5280 4.2.1.9: CA mid has pathLenConstraint 1: no CA certificate may be issued 2 levels below it" \
    gca -p mid2b -c mid3 -t root --batch
refuse_clean "a --pathlen above what the CA over it allows" 1 \
    "pathLenConstraint 1 is more than CA mid allows below it (0)" \
    gca -p mid -c mid3 -t root --pathlen 1 --passin pass:mid-secret \
    --passout pass:mid3-secret --batch
refuse "--pathlen out of range" 2 "--pathlen '-1'" gca -p mid -c mid4 --pathlen -1 \
    --passin pass:mid-secret --passout pass:mid4-secret --batch
refuse "--name-constraints with a bad type" 2 "the types are DNS:, email:, URI: and IP:" \
    gca -p genfic -c badnc --name-constraints 'permitted;RID:1.2.3' $ROOT --passout pass:x-secret
refuse "--name-constraints without permitted/excluded" 2 "permitted;TYPE:VALUE" \
    gca -p genfic -c badnc --name-constraints 'DNS:.example.org' $ROOT --passout pass:x-secret
refuse "--name-constraints with a bad prefix" 2 "prefix length" \
    gca -p genfic -c badnc --name-constraints 'permitted;IP:10.0.0.0/33' $ROOT --passout pass:x-secret
refuse "--pathlen with -s is a usage error" 2 "go with -r or -c" \
    gca $ACME -s "$T/www.req" --pathlen 0

# A template's subjectAltName limits.
mkdir "$T/templates"
sed -e 's/^copy_san = yes$/copy_san = yes\
san_dns_suffixes = example.org, .example.net\
san_wildcards = no\
san_ip = no\
san_max = 2/' "$GENFIC_CA_TEMPLATES/server.cnf" >"$T/templates/limited.cnf"
check "the limited template has its limits" grep -q '^san_max = 2' "$T/templates/limited.cnf"
LIM="-p genfic-system --passin pass:system-secret --batch --templates $T/templates -t limited"
req l-ok /CN=example.org --san DNS:example.org,DNS:a.example.net
req l-apex /CN=example.net --san DNS:example.net
req l-wild /CN=w.example.org --san 'DNS:*.example.org'
req l-ip /CN=i.example.org --san DNS:i.example.org,IP:192.0.2.1
req l-many /CN=m.example.org --san DNS:a.example.org,DNS:b.example.org,DNS:c.example.org
req l-other /CN=o.example.com --san DNS:o.example.com
check "names within the template's suffixes are signed" gca $LIM -s "$T/l-ok.req" -o "$T/l-ok.crt"
refuse_clean "a leading dot allows names below only" 1 "DNS:example.net: template 'limited' allows only names under" \
    gca $LIM -s "$T/l-apex.req" -o "$T/l-apex.crt"
refuse_clean "no wildcards (san_wildcards)" 1 "allows no wildcard names (san_wildcards)" \
    gca $LIM -s "$T/l-wild.req" -o "$T/l-wild.crt"
refuse_clean "no IP addresses (san_ip)" 1 "allows no IP addresses (san_ip)" \
    gca $LIM -s "$T/l-ip.req" -o "$T/l-ip.crt"
refuse_clean "at most san_max names" 1 "3 subjectAltName entries: template 'limited' allows 2 (san_max)" \
    gca $LIM -s "$T/l-many.req" -o "$T/l-many.crt"
refuse_clean "a name under another domain (san_dns_suffixes)" 1 "DNS:o.example.com: template 'limited' allows only names under example.org" \
    gca $LIM -s "$T/l-other.req" -o "$T/l-other.crt"
check "the audit chain holds" gca --audit-verify
finish
