-- SPDX-License-Identifier: GPL-2.0-or-later
-- Schema 4: CA generations (--rollover) and re-certification (--recertify).
--
-- A generation is one key of a CA: 1 is the key the CA was made with,
-- each --rollover adds the next.  A CA without rows here has generation 1
-- only, its key and certificate those of its ca row; the rows are written
-- at the first --recertify or --rollover.  A certificate was signed by the
-- generation of its issuer with the greatest first_cert not above its id
-- (ids only grow, and no row is ever deleted), so that no certificate row
-- changes and the CRL query still reads the cert_revoked index alone.
CREATE TABLE ca_generation (
	ca_id		INTEGER NOT NULL REFERENCES ca(id),
	generation	INTEGER NOT NULL,
	key_ref		TEXT NOT NULL,		-- "file:private/NAME[.N].key"
	cert_id		INTEGER NOT NULL REFERENCES cert(id),	-- its current one
	first_cert	INTEGER NOT NULL,	-- the first cert.id it signed
	created		INTEGER NOT NULL,
	PRIMARY KEY (ca_id, generation)
) WITHOUT ROWID;

-- Which generation signed a CRL (each live generation signs its own).
ALTER TABLE crl ADD COLUMN generation INTEGER NOT NULL DEFAULT 1;
