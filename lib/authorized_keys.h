/* SPDX-License-Identifier: GPL-2.0-or-later */
/* OpenSSH authorized_keys lines, as sshd reads them (sshd(8), "AUTHORIZED_KEYS FILE
 * FORMAT"; upstream auth2-pubkeyfile.c, auth_check_authkey_line, and sshkey.c,
 * sshkey_read): [options] keytype base64 [comment]. The key material is decoded to tell
 * keys apart and to check that it is the key its type names; it is never printed. */
#ifndef SBTC_AUTHORIZED_KEYS_H
#define SBTC_AUTHORIZED_KEYS_H

#include <stdbool.h>
#include <stddef.h>

/* How much of a key's comment (free text) a message may show, sanitised. */
#define SBTC_AK_COMMENT_MAX 40

typedef struct {
	size_t line;            /* 1-based */
	char type[48];          /* as written: "sk-ssh-ed25519@openssh.com" */
	bool hardware;          /* a FIDO authenticator's key (PROTOCOL.u2f), or a certificate of one */
	bool certificate;       /* a -cert-v01 type */
	bool verify_required;   /* option verify-required */
	bool no_touch_required; /* option no-touch-required */
	bool cert_authority;    /* option cert-authority: a CA, not a user's key */
	unsigned char *blob;    /* the decoded key (malloc'd) */
	size_t bloblen;
	char comment[SBTC_AK_COMMENT_MAX + 4]; /* sanitised and cut; "" when none */
} sbtc_ak_key;

typedef struct {
	size_t line;
	char why[160];
} sbtc_ak_bad;

typedef struct {
	sbtc_ak_key *keys;
	size_t n;
	sbtc_ak_bad *bad; /* lines sshd cannot use (it skips them) */
	size_t nbad;
} sbtc_ak_list;

/* One line (without its newline): 1 with *k filled (k->blob malloc'd), 0 for a blank or
 * comment line, -1 with a message for a line sshd would skip. */
int sbtc_ak_parse_line(const char *line, size_t n, size_t lineno, sbtc_ak_key *k, char *err, size_t errlen);

/* A whole file's text; never fails (bad lines are listed). */
void sbtc_ak_parse(const char *text, size_t len, sbtc_ak_list *out);

void sbtc_ak_list_free(sbtc_ak_list *l);

/* True for the key types of FIDO authenticators (and their certificates). */
bool sbtc_ak_type_is_hardware(const char *type);

#endif
