#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian packages on this machine: contrib/deb.sh builds them, lintian
# finds no error or warning, apt-get installs them from the files (as on
# an offline box), every file dpkg lists is on disk, the installed programs
# run, the unit names the installed daemon, the system user and its
# directory exist; a reinstall over themselves, a remove and a purge leave
# nothing behind.  Root only: it really installs packages, and purges them
# again whatever happens.
. "$(dirname "$0")/../cli/lib.sh"
: "${MESON_BUILD_ROOT:?}"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
PKGS="genfic-ca genfic-ocspd"

if [ "$(id -u)" -ne 0 ]; then
	skip "Debian packages" "not root: the test installs packages"
	finish; exit
fi
for p in dpkg-buildpackage lintian apt-get git; do
	command -v "$p" >/dev/null || { skip "Debian packages" "no $p"; finish; exit; }
done
for p in $PKGS; do
	if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q installed; then
		skip "Debian packages" "$p is installed already: not touching it"
		finish; exit
	fi
done
[ -d "$SRC/.git" ] || [ -f "$SRC/.git" ] ||
    { skip "Debian packages" "not a git checkout"; finish; exit; }

export DEBIAN_FRONTEND=noninteractive
APT="apt-get -o DPkg::Lock::Timeout=600 -y -q"
# Whatever happens below, the machine is left without the packages.
cleanup() {
	$APT purge $PKGS >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT

# 1. Build and lint.
check "contrib/deb.sh builds the packages" "$SRC/contrib/deb.sh" "$T/debs"
ca_deb=$(ls "$T"/debs/genfic-ca_*.deb 2>/dev/null)
ocspd_deb=$(ls "$T"/debs/genfic-ocspd_*.deb 2>/dev/null)
[ -f "$ca_deb" ] && [ -f "$ocspd_deb" ] && pass "two packages" ||
    { fail "two packages"; finish; exit; }
lintian "$T"/debs/*.changes >"$T/lintian" 2>&1
if grep -q '^[EW]:' "$T/lintian"; then
	fail "lintian: no error, no warning"; sed 's/^/#   /' "$T/lintian" | head -20
else
	pass "lintian: no error, no warning"
fi

# 2. Install from the files, as README says for an offline machine.
check "apt-get install ./genfic-ca_*.deb ./genfic-ocspd_*.deb" \
    $APT install "$ca_deb" "$ocspd_deb"
for p in $PKGS; do
	dpkg-query -L "$p" >"$T/$p.list"
	missing=0
	while read -r f; do
		[ -e "$f" ] || { missing=$((missing + 1)); echo "#   missing: $f"; }
	done <"$T/$p.list"
	[ "$missing" -eq 0 ] && [ -s "$T/$p.list" ] &&
	    pass "$p: every file dpkg -L lists is on disk" ||
	    fail "$p: every file dpkg -L lists is on disk ($missing missing)"
done
for f in /usr/bin/genfic-ca /usr/share/man/man1/genfic-ca.1.gz \
    /usr/share/man/man5/genfic-ca-templates.5.gz \
    /usr/share/bash-completion/completions/genfic-ca \
    /usr/share/genfic-ca/templates/root.cnf \
    /usr/share/doc/genfic-ca/guide.md.gz /usr/share/doc/genfic-ca/migrating.md.gz \
    /usr/share/doc/genfic-ca/security.md.gz /usr/share/doc/genfic-ca/performance.md.gz \
    /usr/share/doc/genfic-ca/NEWS.md.gz /usr/share/doc/genfic-ca/copyright; do
	grep -qx "$f" "$T/genfic-ca.list" || fail "genfic-ca holds $f"
done
pass "genfic-ca holds the CLI, templates, man pages, completion and docs"
for f in /usr/sbin/genfic-ocspd /usr/share/man/man8/genfic-ocspd.8.gz \
    /lib/systemd/system/genfic-ocspd.service /var/lib/genfic-ocspd; do
	grep -qx "$f" "$T/genfic-ocspd.list" || fail "genfic-ocspd holds $f"
done
pass "genfic-ocspd holds the daemon, its man page, the unit and its directory"

# 3. The installed programs: the version meson gives, the installed
# templates, a root CA made and published into the responder's directory.
version=$(meson introspect --projectinfo "$MESON_BUILD_ROOT" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')
[ "$(/usr/bin/genfic-ca --version | head -1)" = "genfic-ca $version" ] &&
    pass "genfic-ca --version: genfic-ca $version, as meson.build says" ||
    fail "genfic-ca --version: $(/usr/bin/genfic-ca --version | head -1), not $version"
[ "$(/usr/sbin/genfic-ocspd --version | head -1)" = "genfic-ocspd $version" ] &&
    pass "genfic-ocspd --version: $version" || fail "genfic-ocspd --version"
dpkg-query -W -f='${Version}' genfic-ca | grep -qx "$version" &&
    pass "the package version is meson's" || fail "the package version is meson's"
# debian/rules asks dpkg-buildflags for all of Debian's hardening.
for b in /usr/bin/genfic-ca /usr/sbin/genfic-ocspd; do
	if ! command -v readelf >/dev/null; then skip "$b hardened" "no readelf"; break; fi
	readelf -lW "$b" | grep -q GNU_RELRO && readelf -d "$b" | grep -q 'FLAGS_1.*NOW.*PIE' &&
	    pass "$b: PIE, full RELRO (BIND_NOW)" || fail "$b: PIE, full RELRO (BIND_NOW)"
done
unset GENFIC_CA_TEMPLATES
check "the installed genfic-ca makes a root with the installed templates" \
    /usr/bin/genfic-ca -d "$T/s" -r pkgroot --passout pass:pkg-secret --batch
check "... and publishes it into /var/lib/genfic-ocspd" \
    /usr/bin/genfic-ca -d "$T/s" --publish /var/lib/genfic-ocspd/pub

# 4. The unit names what was installed.
unit=/lib/systemd/system/genfic-ocspd.service
exe=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit")
[ "$exe" = /usr/sbin/genfic-ocspd ] && [ -x "$exe" ] &&
    pass "the unit's ExecStart is the installed daemon ($exe)" ||
    fail "the unit's ExecStart ($exe)"
grep -q -- "-d /var/lib/genfic-ocspd " "$unit" && grep -q -- "-u genfic-ocspd$" "$unit" &&
    grep -qx "ReadOnlyPaths=/var/lib/genfic-ocspd" "$unit" &&
    pass "the unit serves /var/lib/genfic-ocspd as genfic-ocspd" ||
    fail "the unit serves /var/lib/genfic-ocspd as genfic-ocspd"
grep -q "@[a-z]*dir@" "$unit" && fail "the unit has no unsubstituted @...dir@" ||
    pass "the unit has no unsubstituted @...dir@"
if command -v systemd-analyze >/dev/null; then
	# verify wants the binaries of the unit to exist: they do now.
	systemd-analyze verify "$unit" >"$T/verify" 2>&1
	grep -i "genfic-ocspd.service" "$T/verify" | grep -v "network-online" >"$T/verify.own"
	[ ! -s "$T/verify.own" ] && pass "systemd-analyze verify: nothing about the unit" ||
	    { fail "systemd-analyze verify"; sed 's/^/#   /' "$T/verify.own"; }
fi
[ -L /etc/systemd/system/multi-user.target.wants/genfic-ocspd.service ] &&
    fail "the unit is not enabled on installation" ||
    pass "the unit is not enabled on installation"

# 5. The system user and its directory: root's, not writable by the user.
pw=$(getent passwd genfic-ocspd)
[ -n "$pw" ] && pass "user genfic-ocspd exists" || fail "user genfic-ocspd exists"
uid=$(echo "$pw" | cut -d: -f3)
[ -n "$uid" ] && [ "$uid" -lt 1000 ] && pass "... a system user (uid $uid)" || fail "... a system user"
[ "$(echo "$pw" | cut -d: -f6)" = /var/lib/genfic-ocspd ] && pass "... home /var/lib/genfic-ocspd" ||
    fail "... home /var/lib/genfic-ocspd ($pw)"
case $(echo "$pw" | cut -d: -f7) in
*nologin|/bin/false) pass "... no login shell" ;;
*) fail "... no login shell ($pw)" ;;
esac
getent group genfic-ocspd >/dev/null && pass "group genfic-ocspd exists" || fail "group genfic-ocspd exists"
[ "$(stat -c %U:%a /var/lib/genfic-ocspd)" = root:755 ] &&
    pass "/var/lib/genfic-ocspd is root's, 0755" ||
    fail "/var/lib/genfic-ocspd is $(stat -c %U:%a /var/lib/genfic-ocspd)"
if command -v setpriv >/dev/null; then
	setpriv --reuid genfic-ocspd --regid genfic-ocspd --clear-groups \
	    sh -c 'touch /var/lib/genfic-ocspd/pub/x' 2>/dev/null &&
	    fail "genfic-ocspd cannot write the published snapshot" ||
	    pass "genfic-ocspd cannot write the published snapshot"
	setpriv --reuid genfic-ocspd --regid genfic-ocspd --clear-groups \
	    sqlite3 -readonly /var/lib/genfic-ocspd/pub/ca.db 'SELECT count(*) FROM ca' >/dev/null 2>&1 &&
	    pass "genfic-ocspd can read it" || fail "genfic-ocspd can read it"
fi

# 6. Over themselves: maintainer scripts run again and change nothing.
check "apt-get install --reinstall over themselves" \
    $APT install --reinstall "$ca_deb" "$ocspd_deb"
[ "$(getent passwd genfic-ocspd)" = "$pw" ] && pass "the same user after the reinstall" ||
    fail "the same user after the reinstall"
[ "$(getent passwd | grep -c '^genfic-ocspd:')" -eq 1 ] && pass "one user genfic-ocspd" ||
    fail "one user genfic-ocspd"
[ -f /var/lib/genfic-ocspd/pub/ca.db ] && pass "the published snapshot survives the reinstall" ||
    fail "the published snapshot survives the reinstall"
dpkg-query -W -f='${Status}\n' $PKGS | grep -vc "install ok installed" | grep -qx 0 &&
    pass "both installed after the reinstall" || fail "both installed after the reinstall"

# 7. Remove keeps the data and the user, purge takes them.
check "apt-get remove" $APT remove $PKGS
[ ! -e /usr/bin/genfic-ca ] && [ ! -e /usr/sbin/genfic-ocspd ] && [ ! -e "$unit" ] &&
    pass "the programs and the unit are gone after remove" ||
    fail "the programs and the unit are gone after remove"
[ -f /var/lib/genfic-ocspd/pub/ca.db ] && getent passwd genfic-ocspd >/dev/null &&
    pass "remove keeps the published snapshot and the user" ||
    fail "remove keeps the published snapshot and the user"
check "apt-get purge" $APT purge $PKGS
getent passwd genfic-ocspd >/dev/null && fail "purge removes user genfic-ocspd" ||
    pass "purge removes user genfic-ocspd"
getent group genfic-ocspd >/dev/null && fail "purge removes group genfic-ocspd" ||
    pass "purge removes group genfic-ocspd"
[ ! -e /var/lib/genfic-ocspd ] && pass "purge removes /var/lib/genfic-ocspd" ||
    fail "purge removes /var/lib/genfic-ocspd"
left=0
for p in $PKGS; do
	while read -r f; do
		# Directories other packages share (/usr/share/man/man8...) stay.
		[ -d "$f" ] && [ "${f#*genfic}" = "$f" ] && continue
		[ -e "$f" ] && { left=$((left + 1)); echo "#   left: $f"; }
	done <"$T/$p.list"
done
[ "$left" -eq 0 ] && pass "purge leaves no file or directory of the packages" ||
    fail "purge leaves no file or directory of the packages ($left left)"
[ -z "$(dpkg-query -W -f='${Status}\n' $PKGS 2>/dev/null | grep -v not-installed)" ] &&
    pass "dpkg knows neither package any more" || fail "dpkg knows neither package any more"
finish
