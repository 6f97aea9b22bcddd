#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The walkthrough of README.md, run for real: builds genfic-ca, then makes
# a root CA, a system CA and a user CA, signs a host, a user and a spool
# of requests, revokes one, publishes CRLs, answers OCSP with genfic-ocspd,
# and checks everything with openssl, certtool and sqlite3.  All in a temporary store, removed at the
# end.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
# shellcheck source=contrib/deps.sh
. contrib/deps.sh
install_deps

echo "== building genfic-ca and genfic-ocspd in build/"
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build src/genfic-ca ocsp/genfic-ocspd >/dev/null
GCA=$top/build/src/genfic-ca
OCSPD=$top/build/ocsp/genfic-ocspd

T=$(mktemp -d "${TMPDIR:-/tmp}/genfic-demo.XXXXXX")
OCSPD_PID=""
trap '[ -z "$OCSPD_PID" ] || kill "$OCSPD_PID" 2>/dev/null || true; rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
cd "$T"

# A shell word as it would be typed.
quote() {
	case $1 in
	*[!A-Za-z0-9_./:=,@%+-]* | '') ;;
	*)	printf '%s' "$1"; return ;;
	esac
	case $1 in
	*\'*[\"\$\`\\]* | *[\"\$\`\\]*\'*)
		printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")" ;;
	*\'*)	printf '"%s"' "$1" ;;
	*)	printf "'%s'" "$1" ;;
	esac
}

cmdline() {
	line='$'
	for a in "$@"; do
		line="$line $(quote "$a")"
	done
	printf '%s' "$line"
}

# Shows a command, then runs it; diagnostics are shown in line.
run() {
	printf '%s\n' "$(cmdline genfic-ca "$@")"
	"$GCA" "$@" 2>&1
}

# The same, discarding standard output (a PEM certificate).
run_quiet() {
	printf '%s >/dev/null\n' "$(cmdline genfic-ca "$@")"
	# Diagnostics to where standard output was, the PEM to /dev/null.
	# shellcheck disable=SC2069
	"$GCA" "$@" 2>&1 >/dev/null
}

# A genfic-ca call that must end with exit status $1 (not 0).
run_status() {
	want=$1
	shift
	printf '%s\n' "$(cmdline genfic-ca "$@")"
	if "$GCA" "$@" 2>&1; then
		status=0
	else
		status=$?
	fi
	if [ "$status" -ne "$want" ]; then
		echo "demo: exit status $status, expected $want" >&2
		exit 1
	fi
	echo "(exit status $status, as expected)"
}

# Any other command.
tool() {
	printf '%s\n' "$(cmdline "$@")"
	"$@"
}

section() {
	printf '\n== %s\n' "$*"
}

section "a store in a temporary directory; templates from the source tree"
export GENFIC_CA_DIR="$T/store"
export GENFIC_CA_TEMPLATES="$top/ca-templates"
echo "\$ export GENFIC_CA_DIR=$GENFIC_CA_DIR"
echo "\$ export GENFIC_CA_TEMPLATES=$GENFIC_CA_TEMPLATES"
# Passphrases from the environment, so that nothing prompts (--batch).
export ROOT_PASS=demo-root-passphrase SYSTEM_PASS=demo-system-passphrase
export USER_PASS=demo-user-passphrase ALICE_PASS=demo-alice-passphrase
echo "\$ export ROOT_PASS=... SYSTEM_PASS=... USER_PASS=... ALICE_PASS=..."

section "root CA, 20 years"
run_quiet -r genfic -v 7300 \
    --subject "/C=BE/O=Gentoo Fictional, Inc./CN=GenFic Root CA" \
    --passout env:ROOT_PASS --batch

section "issuing CAs for systems and users, 10 years (templates system-ca and user-ca)"
run_quiet -p genfic -c genfic-system -v 3650 \
    --crl-url http://pki.genfic.example/genfic-system.crl \
    --passin env:ROOT_PASS --passout env:SYSTEM_PASS --batch
run_quiet -p genfic -c genfic-user -v 3650 \
    --passin env:ROOT_PASS --passout env:USER_PASS --batch

section "a system makes its key (unencrypted) and request"
mkdir self
run -R self/myhostname --san DNS:myhostname.example.org,IP:192.0.2.10 --nopass

section "genfic-system signs it (template system: 3650 days, clamped to the CA's notAfter)"
run -p genfic-system -s self/myhostname.req -o self/myhostname.crt \
    --passin env:SYSTEM_PASS --batch

section "a user certificate (template user: 396 days)"
run -R self/alice --subject "/CN=Alice Example/emailAddress=alice@example.org" \
    --san email:alice@example.org --passout env:ALICE_PASS --batch
run -p genfic-user -s self/alice.req -o self/alice.crt \
    --passin env:USER_PASS --batch

section "a spool of requests from a USB stick; one has a 1024-bit RSA key"
mkdir hosts spool out
"$GCA" -R hosts/web1 --nopass >/dev/null
"$GCA" -R hosts/web2 --nopass >/dev/null
openssl req -new -newkey rsa:1024 -nodes -keyout hosts/legacy.key \
    -subj /CN=legacy -out hosts/legacy.req 2>/dev/null
cp hosts/*.req spool/
echo "# web1 and web2 made theirs with genfic-ca -R, legacy with openssl req -newkey rsa:1024"
tool ls spool
run_status 1 -p genfic-system -s spool -o out --passin env:SYSTEM_PASS --batch
tool ls out

section "revoke web2 (by its CN) and publish the CRLs"
run -p genfic-system -x web2 --reason keyCompromise
run -p genfic-system -g -o genfic-system.crl --passin env:SYSTEM_PASS --batch
run -p genfic -g -o genfic.crl --passin env:ROOT_PASS --batch
tool openssl crl -in store/crl/genfic-system.crl -noout -crlnumber \
    -lastupdate -nextupdate

section "the store"
tool ls -l store store/private store/certs store/crl

section "the host certificate"
tool openssl x509 -in self/myhostname.crt -noout -subject -issuer -dates \
    -ext subjectAltName,basicConstraints,keyUsage,extendedKeyUsage,crlDistributionPoints

section "checked by OpenSSL and GnuTLS"
tool openssl verify -CAfile store/certs/genfic.crt \
    -untrusted store/certs/genfic-system.crt self/myhostname.crt
tool openssl verify -CAfile store/certs/genfic.crt \
    -untrusted store/certs/genfic-user.crt self/alice.crt
cat self/myhostname.crt store/certs/genfic-system.crt store/certs/genfic.crt \
    >myhostname-chain.pem
echo "\$ cat self/myhostname.crt store/certs/genfic-system.crt store/certs/genfic.crt >myhostname-chain.pem"
echo "\$ certtool --verify-profile=medium --verify-chain --infile myhostname-chain.pem | grep 'Chain verification output'"
certtool --verify-profile=medium --verify-chain --infile myhostname-chain.pem |
    grep 'Chain verification output'
tool openssl verify -crl_check_all -CAfile store/certs/genfic.crt \
    -untrusted store/certs/genfic-system.crt \
    -CRLfile store/crl/genfic.crl -CRLfile store/crl/genfic-system.crl \
    self/myhostname.crt out/web1.crt
printf '%s\n' "$(cmdline openssl verify -crl_check_all \
    -CAfile store/certs/genfic.crt -untrusted store/certs/genfic-system.crt \
    -CRLfile store/crl/genfic.crl -CRLfile store/crl/genfic-system.crl \
    out/web2.crt)"
if openssl verify -crl_check_all -CAfile store/certs/genfic.crt \
    -untrusted store/certs/genfic-system.crt \
    -CRLfile store/crl/genfic.crl -CRLfile store/crl/genfic-system.crl \
    out/web2.crt 2>&1; then
	echo "demo: web2 should be revoked" >&2
	exit 1
fi
echo "(web2 is revoked, as expected)"

section "OCSP: publish for the online host, a delegated signer, genfic-ocspd"
run --publish published
run -R ocsp-signer --subject "/CN=genfic-system OCSP" --nopass
run -p genfic-system -s ocsp-signer.req -t ocsp -o ocsp-signer.crt \
    --passin env:SYSTEM_PASS --batch
root=""
[ "$(id -u)" -eq 0 ] && root=--allow-root
echo "\$ genfic-ocspd -d published --ca genfic-system --signer-cert ocsp-signer.crt --signer-key ocsp-signer.key -l 127.0.0.1:0 --foreground &"
"$OCSPD" -d published --ca genfic-system --signer-cert ocsp-signer.crt --signer-key ocsp-signer.key \
    -l 127.0.0.1:0 --foreground $root >ocspd.log 2>&1 &
OCSPD_PID=$!
port=""
i=0
while [ -z "$port" ] && [ $i -lt 100 ]; do
	sleep 0.1
	port=$(sed -n 's/^genfic-ocspd: listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' ocspd.log)
	i=$((i + 1))
done
[ -n "$port" ] || { cat ocspd.log; echo "demo: genfic-ocspd did not start" >&2; exit 1; }
i=0
until grep -q '^genfic-ocspd: serving' ocspd.log || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
for c in self/myhostname.crt out/web2.crt; do
	echo "\$ openssl ocsp -issuer store/certs/genfic-system.crt -cert $c -url http://127.0.0.1:$port -CAfile store/certs/genfic.crt -VAfile ocsp-signer.crt"
	openssl ocsp -issuer store/certs/genfic-system.crt -cert "$c" \
	    -url "http://127.0.0.1:$port" -CAfile store/certs/genfic.crt \
	    -VAfile ocsp-signer.crt 2>&1 | grep -v "This Update\|Next Update"
done
kill "$OCSPD_PID"
wait "$OCSPD_PID" 2>/dev/null || true
OCSPD_PID=""

section "every certificate, and what expires within 400 days (exit status 3)"
run -l
run_status 3 -e 400

section "the same certificates, straight from the database"
tool sqlite3 -header -column store/ca.db "SELECT ca.name AS ca, \
hex(cert.serial) AS serial, cert.subject, \
date(cert.not_after, 'unixepoch') AS expires, \
CASE WHEN cert.revoked_at IS NULL THEN 'valid' ELSE 'revoked' END AS status \
FROM cert JOIN ca ON ca.id = cert.ca_id ORDER BY cert.id"

section "the audit log"
tool sqlite3 -header -column store/ca.db \
    "SELECT id, operation, ca, serial FROM audit ORDER BY id"

section "done; $T is removed"
