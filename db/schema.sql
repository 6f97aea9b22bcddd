-- SPDX-License-Identifier: GPL-2.0-or-later
-- genfic-ca store, schema version 1.
-- Applied by db_open() when PRAGMA user_version is 0; later versions add
-- numbered migrations.  Times are seconds since the epoch (UTC).

-- A certificate authority of the store.  Its own certificate is a row of
-- cert issued by its parent (or by itself for a root), so every CA is
-- revocable like any other certificate.
CREATE TABLE ca (
	id		INTEGER PRIMARY KEY,
	name		TEXT NOT NULL UNIQUE,
	parent_id	INTEGER REFERENCES ca(id),	-- NULL for a root
	cert_id		INTEGER REFERENCES cert(id),	-- its own certificate
	key_ref		TEXT NOT NULL,			-- "file:private/NAME.key"
	template	TEXT NOT NULL,			-- template it was made from
	leaf_template	TEXT NOT NULL,			-- default for what it signs
	crl_days	INTEGER NOT NULL,
	crl_url		TEXT,
	ocsp_url	TEXT,
	issuer_url	TEXT,			-- where its certificate is published
	next_crl_number	INTEGER NOT NULL DEFAULT 1,
	created		INTEGER NOT NULL
);

-- Every certificate a CA of the store has issued.  A row imported from an
-- openssl index.txt line whose certificate file was lost has no der,
-- fingerprint, spki_hash or not_before: it is still listed, revoked, put
-- on CRLs and answered by OCSP.
CREATE TABLE cert (
	id		INTEGER PRIMARY KEY,
	ca_id		INTEGER NOT NULL REFERENCES ca(id),	-- the issuer
	serial		BLOB NOT NULL,		-- big-endian magnitude, no sign byte
	subject		TEXT NOT NULL,		-- RFC 4514
	cn		TEXT,			-- the first commonName, for -x NAME
	san		TEXT,			-- JSON array of "DNS:x" strings
	not_before	INTEGER,
	not_after	INTEGER NOT NULL,
	is_ca		INTEGER NOT NULL DEFAULT 0,
	revoked_at	INTEGER,		-- NULL while not revoked
	reason		INTEGER,		-- RFC 5280 CRLReason code
	invalidity	INTEGER,		-- invalidityDate, if known
	label		TEXT,
	template	TEXT,
	fingerprint	BLOB,			-- SHA-256 of der
	subject_hash	TEXT NOT NULL,		-- openssl x509 -hash
	spki_hash	BLOB,			-- SHA-256 of the public key (DER)
	issued		INTEGER NOT NULL,	-- when the row was committed
	der		BLOB
);

-- Serial and label lead, so that -S and -E find them without a CA too.
CREATE UNIQUE INDEX cert_serial ON cert(serial, ca_id);
CREATE UNIQUE INDEX cert_label ON cert(label, ca_id) WHERE label IS NOT NULL;
CREATE UNIQUE INDEX cert_fingerprint ON cert(fingerprint);
-- Covering for -e and -l: a listing row never reads the table (whose rows
-- carry the DER), so 10^6 certificates list as fast as 10^4.
CREATE INDEX cert_expiring ON cert(not_after, ca_id, revoked_at, reason,
	serial, subject_hash, subject, label, is_ca);
CREATE INDEX cert_ca_not_after ON cert(ca_id, not_after);
CREATE INDEX cert_subject_hash ON cert(subject_hash);
CREATE INDEX cert_cn ON cert(cn, ca_id);
CREATE INDEX cert_spki ON cert(ca_id, spki_hash);
-- In the CRL's order: by serial value, that is by length, then bytes.
CREATE INDEX cert_revoked ON cert(ca_id, length(serial), serial)
	WHERE revoked_at IS NOT NULL;

-- CRLs as issued; the latest per CA is also in DIR/crl/NAME.crl.
CREATE TABLE crl (
	id		INTEGER PRIMARY KEY,
	ca_id		INTEGER NOT NULL REFERENCES ca(id),
	number		INTEGER NOT NULL,
	this_update	INTEGER NOT NULL,
	next_update	INTEGER NOT NULL,
	der		BLOB NOT NULL,
	UNIQUE (ca_id, number)
);

-- Append-only log of every change.  hash = SHA-256 over prev_hash and the
-- row's fields (see audit.c), so editing or deleting a row breaks the chain.
CREATE TABLE audit (
	id		INTEGER PRIMARY KEY,
	time		INTEGER NOT NULL,
	uid		INTEGER NOT NULL,
	user		TEXT NOT NULL,
	operation	TEXT NOT NULL,
	ca		TEXT NOT NULL,
	serial		TEXT NOT NULL,
	subject		TEXT NOT NULL,
	prev_hash	BLOB NOT NULL,
	hash		BLOB NOT NULL
);
