-- SPDX-License-Identifier: GPL-2.0-or-later
-- Schema 5: which certificate renewed which (--renew, --renew-expiring).
-- A certificate is renewed at most once: its renewal is renewed next.
CREATE TABLE renewal (
	old_id	INTEGER PRIMARY KEY REFERENCES cert(id),
	new_id	INTEGER NOT NULL UNIQUE REFERENCES cert(id)
);
