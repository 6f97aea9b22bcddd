#!/bin/sh
# The seed walkthrough of DESIGN section 2, checked with openssl and certtool.
. "$(dirname "$0")/lib.sh"

check "root, system and user CAs created" make_hierarchy
mkdir -p "$T/self"
check "-R makes a key and a request" gca -R "$T/self/myhostname" \
    --san DNS:myhostname.example,IP:10.0.0.1 --nopass
check "-s signs the request into -o" gca -p genfic-system \
    -s "$T/self/myhostname.req" -o "$T/self/myhostname.crt" \
    --passin pass:system-secret --batch
S=$GENFIC_CA_DIR/certs
check "openssl verifies the chain" openssl verify -CAfile "$S/genfic.crt" \
    -untrusted "$S/genfic-system.crt" "$T/self/myhostname.crt"
check "the database holds every certificate" test "$(rows cert)" -eq 4
finish
