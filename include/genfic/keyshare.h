/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Key share files: one share of a split CA key as a text block,
 * "-----BEGIN GENFIC-CA KEY SHARE-----", whose header says which key,
 * which split, which share and how many rebuild it, and a SHA-256
 * checksum over all of that and the share itself.
 */
#ifndef GENFIC_KEYSHARE_H
#define GENFIC_KEYSHARE_H

#include <stddef.h>
#include <stdint.h>

#define KEYSHARE_PEM_NAME	"GENFIC-CA KEY SHARE"
#define KEYSHARE_NAME_MAX	64		/* as CA names */
#define KEYSHARE_MAX_SECRET	(16 * 1024)	/* an RSA-8192 key: 4.8 KiB */
#define KEYSHARE_MAX_FILE	(64 * 1024)
#define KEYSHARE_BACKUP_LEN	16

struct keyshare {
	char		 ca[KEYSHARE_NAME_MAX + 1];	/* the CA's name */
	unsigned char	 key_sha256[32];	/* of the key's SubjectPublicKeyInfo */
	unsigned char	 cert_sha256[32];	/* of the CA certificate then */
	unsigned char	 backup[KEYSHARE_BACKUP_LEN];	/* random, one per split */
	int		 index;		/* the share's x: 1..count */
	int		 threshold;	/* shares that rebuild the key */
	int		 count;		/* shares made */
	uint8_t		*data;		/* the share (keyshare_alloc()) */
	size_t		 len;
};

/*
 * The share file of ks: a line saying what it is and how to restore it,
 * then the block.  *text is from keyshare_alloc(), NUL-terminated; free it
 * with keyshare_text_free().
 */
int	keyshare_format(const struct keyshare *ks, char **text, size_t *len);
void	keyshare_text_free(char *text, size_t len);

/*
 * Parses one share file: exactly one block, the header as
 * keyshare_format() writes it, the checksum right (GF_ERR_POLICY when it
 * is not: the share was changed).  ks->data is new (keyshare_alloc()); keyshare_clear()
 * wipes and frees it.
 */
int	keyshare_parse(const char *text, size_t len, struct keyshare *ks);
void	keyshare_clear(struct keyshare *ks);

/*
 * len bytes for key material: in the secure heap, or when that (1 MiB)
 * is full, as for 255 shares of an RSA-8192 key, in the ordinary heap.
 * OPENSSL_secure_clear_free() wipes and frees either.
 */
void	*keyshare_alloc(size_t len);

#endif
