# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by demo.sh and test.sh: installs the Debian packages the build
# and the tests need, when they are missing.
GENFIC_PACKAGES="meson ninja-build pkg-config gcc libc6-dev python3 openssl
libgmime-3.0-dev procmail fetchmail
libssl-dev libsqlite3-dev sqlite3 libpopt-dev libmicrohttpd-dev
libcunit1-dev gnutls-bin easy-rsa curl clang libclang-rt-14-dev
iproute2 procps gdb
libp11-dev libp11-kit-dev p11-kit p11-kit-modules softhsm2 opensc
binutils devscripts selinux-policy-dev checkpolicy semodule-utils setools
selinux-utils selinux-policy-default
debhelper dpkg-dev lintian diffoscope-minimal adduser
nginx wrk
mpack
chromium
libseccomp-dev valgrind"

install_deps() {
	missing=""
	for p in $GENFIC_PACKAGES "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q "install ok installed" || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "genfic-ca: missing Debian packages:$missing" >&2
		echo "genfic-ca: run as root, or: sudo apt-get install -y$missing" >&2
		exit 1
	fi
	echo "== installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	# Waits up to 10 minutes for another apt or unattended-upgrades.
	lock="-o DPkg::Lock::Timeout=600"
	# shellcheck disable=SC2086
	apt-get $lock update -qq >/dev/null
	# shellcheck disable=SC2086
	apt-get $lock install -y -qq --no-install-recommends $missing >/dev/null
}
