-- SPDX-License-Identifier: GPL-2.0-or-later
-- Schema 7: the SHA-256 of each request file a spool signed.  A spool run
-- again learns from the file's bytes that it was honoured, without parsing
-- it: requests are parsed only in the parser process (docs/security.md).
CREATE TABLE request_digest (
	digest	BLOB PRIMARY KEY,			-- SHA-256 of the file
	cert_id	INTEGER NOT NULL REFERENCES cert(id)	-- what it was signed as
) WITHOUT ROWID;
