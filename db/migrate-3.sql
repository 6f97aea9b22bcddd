-- SPDX-License-Identifier: GPL-2.0-or-later
-- Schema 3: the audit log commits to the state it changed, and is
-- anchored by checkpoints signed with a CA key.
--
-- object names what the entry changed: 'cert' (the certificate serial of
-- CA ca), 'ca' (the CA ca) or 'crl' (CRL number serial of CA ca, and the
-- CA's row, whose next CRL number it advanced).  state holds one SHA-256
-- per row it changed (see audit.c), as the row was after the change;
-- both are in the entry's hash.  Entries written before schema 3 have
-- neither: they commit to no state.
ALTER TABLE audit ADD COLUMN object TEXT;
ALTER TABLE audit ADD COLUMN state BLOB;

-- A checkpoint: at each -g, the CA's key signs the chain head (the id and
-- hash of the newest entry, the gencrl entry itself).  The same text is
-- written to DIR/crl/NAME.audit-checkpoint and to --publish's snapshot.
CREATE TABLE audit_checkpoint (
	id		INTEGER PRIMARY KEY,
	ca_id		INTEGER NOT NULL REFERENCES ca(id),
	crl_number	INTEGER NOT NULL,
	entry		INTEGER NOT NULL,	-- audit.id of the head
	head		BLOB NOT NULL,		-- its hash
	time		INTEGER NOT NULL,
	signature	BLOB NOT NULL,
	UNIQUE (ca_id, crl_number)
);
