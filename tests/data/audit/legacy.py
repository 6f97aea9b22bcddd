"""legacy.py DB: turns a store back into schema 2, whose audit entries
commit to no state, with the chain as genfic-ca before schema 3 made it."""
import hashlib
import sqlite3
import struct
import sys

db = sqlite3.connect(sys.argv[1])


def lp(b):
    return struct.pack(">Q", len(b)) + b


prev = bytes(32)
rows = db.execute("SELECT id, time, uid, user, operation, ca, serial, "
                  "subject FROM audit ORDER BY id").fetchall()
for i, t, uid, user, op, ca, serial, subject in rows:
    h = hashlib.sha256(prev + struct.pack(">QQ", t, uid) +
                       b"".join(lp(x.encode()) for x in
                                (user, op, ca, serial, subject))).digest()
    db.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?",
               (prev, h, i))
    prev = h
db.executescript("DROP TABLE notice; DROP INDEX cert_owner; "
                 "DROP INDEX cert_expiring; ALTER TABLE cert DROP COLUMN owner; "
                 "CREATE INDEX cert_expiring ON cert(not_after, ca_id, "
                 "revoked_at, reason, serial, subject_hash, subject, label, "
                 "is_ca); "
                 "DROP TABLE request_digest; DROP TABLE renewal; DROP TABLE ca_generation; "
                 "ALTER TABLE crl DROP COLUMN generation; "
                 "ALTER TABLE audit DROP COLUMN object; "
                 "ALTER TABLE audit DROP COLUMN state; "
                 "DROP TABLE audit_checkpoint; PRAGMA user_version = 2;")
db.commit()
