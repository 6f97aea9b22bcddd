-- SPDX-License-Identifier: GPL-2.0-or-later
-- Schema 6: owners and the mail sent to them (--owner, --mail, --notify).
--
-- A certificate's owner: the mail address its certificate and expiry
-- reminders go to (owner.h says where it comes from), NULL for none.
-- Last in the audit's state of a certificate, which leaves a NULL
-- trailing column out, so that entries written before it still verify.
ALTER TABLE cert ADD COLUMN owner TEXT;

-- The listing index covers the owner too: -l and -e read no table row.
DROP INDEX cert_expiring;
CREATE INDEX cert_expiring ON cert(not_after, ca_id, revoked_at, reason,
	serial, subject_hash, subject, label, is_ca, owner);
CREATE INDEX cert_owner ON cert(owner) WHERE owner IS NOT NULL;

-- Mail handed to the mailer: one row per message that went out, so that
-- a daily --notify sends each reminder once a day.  kind: 'certificate'
-- (cert_id set), 'reminder' (to an owner) or 'summary' (to the admin);
-- day: the UTC date it was sent, YYYY-MM-DD.
CREATE TABLE notice (
	id		INTEGER PRIMARY KEY,
	kind		TEXT NOT NULL,
	recipient	TEXT NOT NULL,
	day		TEXT NOT NULL,
	cert_id		INTEGER REFERENCES cert(id),
	sent		INTEGER NOT NULL
);
CREATE INDEX notice_day ON notice(kind, recipient, day);
