#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# genfic-ocspd started as root: it binds, drops to -u nobody, and SQLite
# still reads the WAL database afterwards, through in-place changes and
# through a copy moved over it; and after the drop it holds no descriptor
# or mapping that can write any file of the store (issue 14).  Only as
# root; skipped otherwise.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ] || ! id nobody >/dev/null 2>&1; then
	skip "privilege drop" "needs root and a user nobody"
	finish
	exit
fi

# A store nobody may read: $T itself is private to us.
P=$(mktemp -d "${TMPDIR:-/tmp}/genfic-ocspd-drop.XXXXXX")
chmod 755 "$P"
trap 'ocspd_cleanup; rm -rf "$P"' EXIT
GENFIC_CA_DIR=$P/store
export GENFIC_CA_DIR
SYS=$GENFIC_CA_DIR/certs/genfic-system.crt
ROOT=$T/root.pem
NOBODY_UID=$(id -u nobody)
NOBODY_GID=$(id -g nobody)

check "hierarchy" make_hierarchy
for leaf in good later copied published; do
	check "leaf $leaf" new_leaf $leaf genfic-system system-secret
done
check "responder certificate" new_leaf responder genfic-system system-secret ocsp
SIGNER="--signer-cert $T/responder.crt --signer-key $T/responder.key"
SYSASK="-no_nonce -issuer $SYS -CAfile $ROOT"

# store_writers PID DIR: each descriptor of PID open on a file under DIR
# for writing (O_WRONLY or O_RDWR in /proc/PID/fdinfo), and each shared
# writable mapping of one; nothing when there is none.
store_writers() {
	sw_dir=$(realpath "$2")
	for sw_fd in /proc/$1/fd/*; do
		sw_to=$(readlink "$sw_fd") || continue
		case $sw_to in "$sw_dir"/*) ;; *) continue ;; esac
		sw_flags=$(awk '$1 == "flags:" { print $2 }' \
		    "/proc/$1/fdinfo/${sw_fd##*/}")
		[ $((0$sw_flags & 3)) -eq 0 ] ||
		    echo "fd ${sw_fd##*/} $sw_to flags $sw_flags"
	done
	awk -v d="$sw_dir/" 'index($6, d) == 1 && $2 ~ /^.w.s/ {
	    print "mapping " $1 " " $2 " " $6 }' "/proc/$1/maps"
}

# no_store_writers DESC DIR: a check that $PID holds nothing writable of
# DIR, and does hold a descriptor of its database.
no_store_writers() {
	store_writers "$PID" "$2" >"$T/writers"
	if [ -s "$T/writers" ]; then
		fail "$1"
		sed 's/^/#   /' "$T/writers"
	else
		pass "$1"
	fi
	check "... while it reads the database" sh -c "ls -l /proc/$PID/fd |
	    grep -q '$(realpath "$2")/ca.db\$'"
}

# generation: the daemon's count of database changes (gdb, as root).
generation() {
	gdb -batch -p "$PID" -ex "print (unsigned long)'ocspd.c'::ds.od.sdb->gen" \
	    2>/dev/null | sed -n 's/^\$1 = //p'
}

# wait_for DESC WANT ARGS...: asks every 0.2 s for up to 5 s.
wait_for() {
	wf_desc=$1 wf_want=$2; shift 2
	wf_i=0
	while [ $wf_i -lt 25 ]; do
		openssl ocsp -url "$URL" "$@" >"$T/ans" 2>&1
		grep -q "$wf_want" "$T/ans" && break
		sleep 0.2
		wf_i=$((wf_i + 1))
	done
	check "$wf_desc" grep -q "$wf_want" "$T/ans"
}

LOG=$T/live.log
check "starts with -u nobody" start_ocspd "$LOG" -d "$GENFIC_CA_DIR" \
    --ca genfic-system $SIGNER -u nobody
check "Uid is nobody's" grep -Eq "^Uid:[[:space:]]+$NOBODY_UID[[:space:]]+$NOBODY_UID[[:space:]]+$NOBODY_UID[[:space:]]+$NOBODY_UID$" "/proc/$PID/status"
check "Gid is nobody's" grep -Eq "^Gid:[[:space:]]+$NOBODY_GID[[:space:]]+$NOBODY_GID[[:space:]]+$NOBODY_GID[[:space:]]+$NOBODY_GID$" "/proc/$PID/status"
check "no supplementary group but nobody's" grep -Eq "^Groups:[[:space:]]*($NOBODY_GID)?[[:space:]]*$" "/proc/$PID/status"
check "logs the uid it serves as" grep -q "as uid $NOBODY_UID " "$LOG"
ask "answers after the drop" 'good.crt: good' $SYSASK -cert "$T/good.crt"
check "WAL files beside the database" test -e "$GENFIC_CA_DIR/ca.db-shm"
no_store_writers "live WAL store: no writable descriptor or mapping of it" \
    "$GENFIC_CA_DIR"

# Reading without writing the -shm, SQLite sees the database as changed
# at every read while the WAL is empty: that must not count as a change
# (it would send every cached answer back to the database each second).
# A -wal written within 2 s of a look counts as changed (status.c,
# wal_changed()), and the daemon has just made it: idle means after that.
command -v gdb >/dev/null 2>&1 || fail "needs gdb"
sleep 3
G1=$(generation)
sleep 3
G2=$(generation)
check "an idle store counts no change ($G1, then $G2)" test -n "$G1" -a \
    "$G1" = "$G2"

# An in-place change by genfic-ca (root) reaches the nobody daemon.
ask "good before revocation" 'later.crt: good' $SYSASK -cert "$T/later.crt"
check "revoke" gca -p genfic-system -x "$T/later.crt" --reason keyCompromise \
    --passin pass:system-secret --batch
wait_for "revocation seen by the unprivileged daemon within 5 s" \
    'later.crt: revoked' $SYSASK -cert "$T/later.crt"
G3=$(generation)
check "... and counted as a change ($G2, then $G3)" test -n "$G3" -a \
    "$G3" -gt "${G2:-0}"
no_store_writers "... nor after genfic-ca wrote it" "$GENFIC_CA_DIR"
# Its reading keeps genfic-ca's last close from removing them (our locks
# held: a stray descriptor of ca.db closed would have dropped them).
check "WAL files kept while it reads" test -e "$GENFIC_CA_DIR/ca.db-shm" -a \
    -e "$GENFIC_CA_DIR/ca.db-wal"
check "no database error logged" not grep -qi 'error\|readonly\|unable' "$LOG"
check "SIGTERM: exits 0" stop_ocspd

# Serving as root (no -u, --allow-root): root could open every file of the
# store for writing; the daemon still opens none so.
check "starts as root" start_ocspd "$T/root.log" -d "$GENFIC_CA_DIR" \
    --ca genfic-system $SIGNER
ask "root: answers" 'later.crt: revoked' $SYSASK -cert "$T/later.crt"
no_store_writers "as root: no writable descriptor or mapping of the store" \
    "$GENFIC_CA_DIR"
check "SIGTERM: exits 0" stop_ocspd

# The OCSP host: a copy, replaced by newer copies moved over it.
H=$P/host
mkdir "$H" && chmod 755 "$H"
check "copy" sqlite3 "$GENFIC_CA_DIR/ca.db" ".backup $H/ca.db"
chmod 644 "$H/ca.db"
LOG=$T/copy.log
check "starts on the copy" start_ocspd "$LOG" -d "$H" --ca genfic-system \
    $SIGNER -u nobody
ask "copy: good" 'copied.crt: good' $SYSASK -cert "$T/copied.crt"
check "revoke in the live store" gca -p genfic-system -x "$T/copied.crt" \
    --reason superseded --passin pass:system-secret --batch
check "new copy moved over the old" sh -c "sqlite3 '$GENFIC_CA_DIR/ca.db' \
    \".backup $H/ca.db.new\" && chmod 644 '$H/ca.db.new' &&
    mv '$H/ca.db.new' '$H/ca.db'"
wait_for "replacement seen within 5 s" 'copied.crt: revoked' \
    $SYSASK -cert "$T/copied.crt"

# Without -wal/-shm, and nobody may not create them in $H: immutable.
check "revoke good in the live store" gca -p genfic-system -x \
    "$T/good.crt" --reason cessationOfOperation --passin pass:system-secret --batch
check "newer copy, WAL files gone" sh -c "sqlite3 '$GENFIC_CA_DIR/ca.db' \
    \".backup $H/ca.db.new\" && chmod 644 '$H/ca.db.new' &&
    rm -f '$H/ca.db-wal' '$H/ca.db-shm' && mv '$H/ca.db.new' '$H/ca.db'"
wait_for "read as immutable, within 5 s" 'good.crt: revoked' \
    $SYSASK -cert "$T/good.crt"
check "... and says so" grep -q 'reading it as immutable' "$LOG"
check "SIGTERM: exits 0" stop_ocspd

# genfic-ca --publish: a rollback-journal copy without keys, published
# again over the one being served.
PUB=$P/pub
check "publish" gca --publish "$PUB"
LOG=$T/pub.log
check "starts on the published copy" start_ocspd "$LOG" -d "$PUB" \
    --ca genfic-system $SIGNER -u nobody
ask "published: good" 'published.crt: good' $SYSASK -cert "$T/published.crt"
no_store_writers "published copy: no writable descriptor or mapping of it" \
    "$PUB"
check "revoke in the live store" gca -p genfic-system -x "$T/published.crt" \
    --reason affiliationChanged --passin pass:system-secret --batch
check "publish again" gca --publish "$PUB"
wait_for "republished revocation seen within 5 s" 'published.crt: revoked' \
    $SYSASK -cert "$T/published.crt"
check "no WAL files beside the published copy" not test -e "$PUB/ca.db-wal"
no_store_writers "... nor after it was published again" "$PUB"
check "SIGTERM: exits 0" stop_ocspd

# Refusals.
chmod 700 "$GENFIC_CA_DIR"
ocspd --foreground -l 127.0.0.1:0 -d "$GENFIC_CA_DIR" --ca genfic-system \
    $SIGNER -u nobody >"$T/ans" 2>&1 </dev/null
check "a store nobody cannot read: exit 1" test $? -eq 1
check "... and says so" grep -q 'not readable as user nobody' "$T/ans"
check "... and how to publish a copy" grep -q 'genfic-ca --publish' "$T/ans"
chmod 755 "$GENFIC_CA_DIR"
ocspd --foreground -l 127.0.0.1:0 -d "$GENFIC_CA_DIR" --ca genfic-system \
    $SIGNER -u root >"$T/ans" 2>&1 </dev/null
check "-u root without --allow-root: exit 1" test $? -eq 1
check "... and says so" grep -q 'without --allow-root' "$T/ans"

finish
