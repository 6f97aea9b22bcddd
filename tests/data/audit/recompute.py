"""recompute.py DB SQL: runs SQL on the store's database, then makes the
audit log agree with it again, as one who knows the format of
docs/security.md and holds no key would: the state of each certificate's
newest entry from its row, every hash from the first entry on."""
import hashlib
import sqlite3
import struct
import sys

db = sqlite3.connect(sys.argv[1])
db.executescript(sys.argv[2])


def lp(b):
    return struct.pack(">Q", len(b)) + b


def value(v):
    if v is None:
        return b"\0"
    if isinstance(v, int):
        return b"\1" + struct.pack(">q", v)
    if isinstance(v, str):
        return b"\3" + lp(v.encode())
    return b"\4" + lp(bytes(v))


CERT = ("SELECT cert.id, cert.ca_id, cert.serial, cert.subject, cert.cn, "
        "cert.san, cert.not_before, cert.not_after, cert.is_ca, "
        "cert.revoked_at, cert.reason, cert.invalidity, cert.label, "
        "cert.template, cert.fingerprint, cert.subject_hash, cert.spki_hash, "
        "cert.issued FROM cert JOIN ca ON ca.id = cert.ca_id "
        "WHERE ca.name = ? AND hex(cert.serial) = ?")


def cert_state(ca, serial):
    row = db.execute(CERT, (ca, serial)).fetchone()
    return hashlib.sha256(lp(b"cert") + b"".join(map(value, row))).digest()


rows = db.execute("SELECT id, time, uid, user, operation, ca, serial, "
                  "subject, object, state FROM audit ORDER BY id").fetchall()
newest = {(r[5], r[6]): r[0] for r in rows if r[8] == "cert"}
prev = bytes(32)
for i, t, uid, user, op, ca, serial, subject, obj, state in rows:
    if obj == "cert" and newest[(ca, serial)] == i:
        state = cert_state(ca, serial)
    h = hashlib.sha256(prev + struct.pack(">QQ", t, uid) +
                       b"".join(lp(x.encode()) for x in
                                (user, op, ca, serial, subject)) +
                       (b"" if obj is None else
                        lp(obj.encode()) + lp(state))).digest()
    db.execute("UPDATE audit SET prev_hash = ?, hash = ?, state = ? "
               "WHERE id = ?", (prev, h, state, i))
    prev = h
db.commit()
