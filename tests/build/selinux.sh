#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# contrib/selinux/genfic.{te,if,fc}: compiled with the reference policy's
# devel Makefile (a syntax or type error fails here), its file contexts
# looked up, and, linked with Debian's default base policy, the rules that
# implement the roles (docs/security.md, "Roles") queried with sesearch.
# This machine does not run SELinux: nothing here is enforced.
. "$(dirname "$0")/../cli/lib.sh"
src=$(cd "$(dirname "$0")/../.." && pwd)
devel=/usr/share/selinux/devel/Makefile
pol=/usr/share/selinux/default

if [ ! -f "$devel" ]; then
	skip "SELinux module" "no $devel (selinux-policy-dev)"
	finish
	exit
fi
S=$T/selinux
mkdir "$S" && cp "$src"/contrib/selinux/genfic.te "$src"/contrib/selinux/genfic.if \
    "$src"/contrib/selinux/genfic.fc "$S"/
check "make -f $devel genfic.pp" make -C "$S" -f "$devel" genfic.pp
[ -f "$S/genfic.pp" ] || { finish; exit; }

# The file contexts as the module carries them.
semodule_unpackage "$S/genfic.pp" "$S/genfic.mod" "$S/file_contexts"
label() {
	selabel_lookup -b file -f "$S/file_contexts" -k "$1" 2>/dev/null |
	    sed -n 's/^Default context: [^:]*:[^:]*:\([^:]*\):.*/\1/p'
}
labels_ok=1
while read -r path want; do
	got=$(label "$path")
	[ "$got" = "$want" ] || {
		labels_ok=0
		echo "#   $path: $got, want $want"
	}
done <<'EOL'
/var/lib/genfic-ca/private ca_private_key_t
/var/lib/genfic-ca/private/genfic.key ca_private_key_t
/var/lib/genfic-ca/ca.db ca_store_t
/var/lib/genfic-ca/certs/genfic.crt ca_store_t
/var/lib/genfic-ocspd/ca.db genfic_ocspd_snapshot_t
/etc/genfic-ocspd/ocsp.key genfic_ocspd_key_t
/usr/bin/genfic-ca ca_cli_exec_t
/usr/sbin/genfic-ocspd genfic_ocspd_exec_t
EOL
[ "$labels_ok" = 1 ] && pass "file contexts: private/ ca_private_key_t, the rest of the store ca_store_t, the snapshot, the programs" ||
    fail "file contexts"

if ! command -v sesearch >/dev/null || [ ! -f "$pol/base.pp.bz2" ]; then
	skip "rules of the linked policy" "no sesearch (setools) or $pol (selinux-policy-default)"
	finish
	exit
fi
# base (sysadm_t is in it), the staff and secadm roles, and the module.
for m in base staff secadm; do
	bzcat "$pol/$m.pp.bz2" >"$S/$m.pp"
done
check "semodule_link and semodule_expand with base, staff and secadm" \
    sh -c "semodule_link -o '$S/linked.pp' '$S/base.pp' '$S/staff.pp' \
	'$S/secadm.pp' '$S/genfic.pp' && \
	semodule_expand '$S/linked.pp' '$S/policy'"
[ -f "$S/policy" ] || { finish; exit; }

# allowed SOURCE TARGET CLASS PERM: some rule, direct or through an
# attribute, lets SOURCE do PERM on TARGET.
allowed() {
	[ -n "$(sesearch -A -s "$1" -t "$2" -c "$3" -p "$4" "$S/policy")" ]
}
check "ca_cli_t reads and writes ca_private_key_t files" sh -c "
    sesearch -A -s ca_cli_t -t ca_private_key_t -c file -p read '$S/policy' | grep -q write"
check "ca_cli_t searches and adds to ca_private_key_t directories" \
    allowed ca_cli_t ca_private_key_t dir add_name
check "keys made in the store's private/ are ca_private_key_t" sh -c "
    sesearch -T -s ca_cli_t -t ca_store_t -c dir '$S/policy' | grep -q 'ca_private_key_t private;'"
readers=$(sesearch -A -t ca_private_key_t -c file -p read "$S/policy" |
    awk '{ print $2 }' | LC_ALL=C sort -u | tr '\n' ' ')
[ "$readers" = "ca_cli_t files_unconfined_type secadm_t " ] &&
    pass "only ca_cli_t, secadm_t and unconfined domains read ca_private_key_t" ||
    fail "readers of ca_private_key_t: $readers"
for d in genfic_ocspd_t staff_t sysadm_t; do
	check "$d does not read ca_private_key_t" \
	    not allowed "$d" ca_private_key_t file read
done
check "genfic_ocspd_t reads the snapshot" \
    allowed genfic_ocspd_t genfic_ocspd_snapshot_t file read
check "genfic_ocspd_t does not write the snapshot" \
    not allowed genfic_ocspd_t genfic_ocspd_snapshot_t file write
check "genfic_ocspd_t does not read the CA's store" \
    not allowed genfic_ocspd_t ca_store_t file read
check "staff_t runs genfic-ca in ca_cli_t" sh -c "
    sesearch -T -s staff_t -t ca_cli_exec_t -c process '$S/policy' | grep -q ca_cli_t"
check "role staff_r may enter ca_cli_t" sh -c "
    seinfo -r staff_r -x '$S/policy' | grep -qw ca_cli_t"
check "sysadm_t manages the store (ca_store_t)" \
    allowed sysadm_t ca_store_t file write
finish
