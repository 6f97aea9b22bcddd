#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# DESIGN section 7: the responder links no writing code.  genfic-ca, which
# has every one of these functions, is the control that proves the check
# can fail.  certdb.c holds the responder's status reads and the writers
# of certificate rows both: --gc-sections must keep only the reads.
: "${GENFIC_OCSPD:?}" "${GENFIC_CA:?}"
npass=0 nfail=0
pass() { npass=$((npass + 1)); echo "ok - $1"; }
fail() { nfail=$((nfail + 1)); echo "not ok - $1"; }
writers="store_begin store_commit certdb_insert certdb_insert_bare
certdb_insert_row certdb_renew_link certdb_label_clear issue_build
issue_commit issue_prepare crl_issue key_generate key_save ca_insert ca_update
ca_set_cert ca_new_record ca_raise_crl_number audit_append revoke_set
revoke_apply file_write_atomic file_write_unsynced generation_record
generation_make_current audit_append_generation certdb_set_owner"
ocspd=$(nm "$GENFIC_OCSPD" 2>/dev/null | awk '$2 == "T" { print $3 }')
ca=$(nm "$GENFIC_CA" 2>/dev/null | awk '$2 == "T" { print $3 }')
[ -n "$ocspd" ] && [ -n "$ca" ] || { echo "not ok - nm reads the binaries"; exit 1; }
for f in $writers; do
	echo "$ca" | grep -qx "$f" || fail "control: genfic-ca has $f"
	echo "$ocspd" | grep -qx "$f" && fail "genfic-ocspd has no $f" || pass "genfic-ocspd has no $f"
done
echo "$ocspd" | grep -qx certdb_status && pass "genfic-ocspd reads certificates through certdb.c (certdb_status)" || fail "genfic-ocspd links certdb_status"
echo "$ocspd" | grep -qx ca_load && pass "genfic-ocspd reads the store (ca_load)" || fail "genfic-ocspd reads the store"
echo "$npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
