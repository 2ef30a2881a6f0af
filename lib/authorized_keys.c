/* SPDX-License-Identifier: GPL-2.0-or-later */
/* authorized_keys lines (authorized_keys.h). */
#include "authorized_keys.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sanitize.h"
#include "strbuf.h"

/* The key types sshd 9.x reads (sshkey.c, the keytypes table). */
static const char *const key_types[] = {
	"ssh-ed25519",
	"ssh-rsa",
	"ssh-dss",
	"ecdsa-sha2-nistp256",
	"ecdsa-sha2-nistp384",
	"ecdsa-sha2-nistp521",
	"sk-ecdsa-sha2-nistp256@openssh.com",
	"sk-ssh-ed25519@openssh.com",
	"ssh-xmss@openssh.com",
	"ssh-ed25519-cert-v01@openssh.com",
	"ssh-rsa-cert-v01@openssh.com",
	"ssh-dss-cert-v01@openssh.com",
	"ecdsa-sha2-nistp256-cert-v01@openssh.com",
	"ecdsa-sha2-nistp384-cert-v01@openssh.com",
	"ecdsa-sha2-nistp521-cert-v01@openssh.com",
	"sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
	"sk-ssh-ed25519-cert-v01@openssh.com",
	"ssh-xmss-cert-v01@openssh.com",
};

static bool known_type(const char *t, size_t n)
{
	for (size_t i = 0; i < sizeof key_types / sizeof key_types[0]; i++)
		if (strlen(key_types[i]) == n && memcmp(key_types[i], t, n) == 0)
			return true;
	return false;
}

bool sbtc_ak_type_is_hardware(const char *type)
{
	return strncmp(type, "sk-", 3) == 0 && known_type(type, strlen(type));
}

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Standard base64 with padding optional; NULL when not base64. */
static unsigned char *b64_decode(const char *s, size_t n, size_t *outlen)
{
	while (n > 0 && s[n - 1] == '=')
		n--;
	if (n % 4 == 1)
		return NULL;
	unsigned char *out = sbtc_xmalloc(n / 4 * 3 + 3);
	size_t o = 0;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		int v = b64_value((unsigned char)s[i]);
		if (v < 0) {
			free(out);
			return NULL;
		}
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	*outlen = o;
	return out;
}

/* An SSH wire string (uint32 length, bytes) at *pos; false when it runs past the end. */
static bool wire_string(const unsigned char *b, size_t len, size_t *pos, const unsigned char **s, size_t *slen)
{
	if (len - *pos < 4)
		return false;
	uint32_t l = (uint32_t)b[*pos] << 24 | (uint32_t)b[*pos + 1] << 16 | (uint32_t)b[*pos + 2] << 8 | b[*pos + 3];
	*pos += 4;
	if (len - *pos < l)
		return false;
	*s = b + *pos;
	*slen = l;
	*pos += l;
	return true;
}

/* The blob must name the type written before it (sshkey_read refuses a mismatch); the
 * plain FIDO types are checked whole against PROTOCOL.u2f ("SSH U2F Keys"):
 *   sk-ssh-ed25519@openssh.com: string type, string 32-byte key, string application
 *   sk-ecdsa-sha2-nistp256@openssh.com: string type, string "nistp256", string point,
 *   string application. */
static const char *check_blob(const char *type, const unsigned char *b, size_t len)
{
	size_t pos = 0, l;
	const unsigned char *s;
	if (!wire_string(b, len, &pos, &s, &l))
		return "the key is truncated";
	if (l != strlen(type) || memcmp(s, type, l) != 0)
		return "the key inside is not of the type the line names";
	if (strcmp(type, "sk-ssh-ed25519@openssh.com") == 0) {
		if (!wire_string(b, len, &pos, &s, &l) || l != 32)
			return "the Ed25519 key is not 32 bytes";
		if (!wire_string(b, len, &pos, &s, &l))
			return "the FIDO application is missing";
		if (pos != len)
			return "bytes follow the key";
	} else if (strcmp(type, "sk-ecdsa-sha2-nistp256@openssh.com") == 0) {
		if (!wire_string(b, len, &pos, &s, &l) || l != 8 || memcmp(s, "nistp256", 8) != 0)
			return "the curve is not nistp256";
		if (!wire_string(b, len, &pos, &s, &l) || l != 65 || s[0] != 0x04)
			return "the P-256 point is not 65 bytes, uncompressed";
		if (!wire_string(b, len, &pos, &s, &l))
			return "the FIDO application is missing";
		if (pos != len)
			return "bytes follow the key";
	}
	return NULL;
}

/* The options field ends at the first blank outside double quotes; inside quotes a
 * backslash escapes a quote (auth-options.c, sshauthopt_parse). Sets *end past it;
 * false for an unterminated quote. */
static bool options_end(const char *p, size_t n, size_t *end)
{
	bool q = false;
	size_t i = 0;
	for (; i < n; i++) {
		if (q && p[i] == '\\' && i + 1 < n && p[i + 1] == '"') {
			i++;
			continue;
		}
		if (p[i] == '"')
			q = !q;
		else if (!q && (p[i] == ' ' || p[i] == '\t'))
			break;
	}
	*end = i;
	return !q;
}

/* Each comma-separated option outside quotes; names compared without case. */
static void read_options(const char *p, size_t n, sbtc_ak_key *k)
{
	size_t i = 0;
	while (i < n) {
		size_t s = i;
		bool q = false;
		for (; i < n; i++) {
			if (q && p[i] == '\\' && i + 1 < n) {
				i++;
				continue;
			}
			if (p[i] == '"')
				q = !q;
			else if (!q && p[i] == ',')
				break;
		}
		size_t len = i - s;
#define IS(name) (len == sizeof(name) - 1 && strncasecmp(p + s, name, len) == 0)
		if (IS("verify-required"))
			k->verify_required = true;
		else if (IS("no-touch-required"))
			k->no_touch_required = true;
		else if (IS("cert-authority"))
			k->cert_authority = true;
#undef IS
		if (i < n)
			i++;
	}
}

static size_t skip_blanks(const char *p, size_t i, size_t n)
{
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	return i;
}

static size_t word_end(const char *p, size_t i, size_t n)
{
	while (i < n && p[i] != ' ' && p[i] != '\t')
		i++;
	return i;
}

int sbtc_ak_parse_line(const char *line, size_t n, size_t lineno, sbtc_ak_key *k, char *err, size_t errlen)
{
	memset(k, 0, sizeof *k);
	k->line = lineno;
	size_t i = skip_blanks(line, 0, n);
	if (i == n || line[i] == '#' || line[i] == '\r')
		return 0;
	if (memchr(line, '\0', n) != NULL) {
		snprintf(err, errlen, "a NUL byte in the line");
		return -1;
	}
	size_t e = word_end(line, i, n);
	if (!known_type(line + i, e - i)) {
		/* Not a type: options first. */
		size_t oe;
		if (!options_end(line + i, n - i, &oe)) {
			snprintf(err, errlen, "an unterminated quote in the options");
			return -1;
		}
		read_options(line + i, oe, k);
		i = skip_blanks(line, i + oe, n);
		e = word_end(line, i, n);
		if (i == n) {
			snprintf(err, errlen, "no key type");
			return -1;
		}
		if (!known_type(line + i, e - i)) {
			snprintf(err, errlen, "not a key type sshd knows");
			return -1;
		}
	}
	memcpy(k->type, line + i, e - i);
	k->type[e - i] = '\0';
	k->hardware = sbtc_ak_type_is_hardware(k->type);
	k->certificate = strstr(k->type, "-cert-v01@") != NULL;
	i = skip_blanks(line, e, n);
	e = word_end(line, i, n);
	if (i == e) {
		snprintf(err, errlen, "%s without its key", k->type);
		return -1;
	}
	k->blob = b64_decode(line + i, e - i, &k->bloblen);
	if (k->blob == NULL) {
		snprintf(err, errlen, "%s: the key is not base64", k->type);
		return -1;
	}
	const char *why = check_blob(k->type, k->blob, k->bloblen);
	if (why != NULL) {
		snprintf(err, errlen, "%s: %s", k->type, why);
		free(k->blob);
		k->blob = NULL;
		return -1;
	}
	i = skip_blanks(line, e, n);
	size_t cl = n - i;
	while (cl > 0 && (line[i + cl - 1] == ' ' || line[i + cl - 1] == '\t' || line[i + cl - 1] == '\r'))
		cl--;
	if (cl > 0) {
		sbtc_strbuf b = SBTC_STRBUF_INIT;
		sbtc_sanitize_append(&b, line + i, cl, SBTC_AK_COMMENT_MAX);
		sbtc_strlcpy(k->comment, sbtc_strbuf_str(&b), sizeof k->comment);
		sbtc_strbuf_free(&b);
	}
	return 1;
}

void sbtc_ak_parse(const char *text, size_t len, sbtc_ak_list *out)
{
	memset(out, 0, sizeof *out);
	const char *p = text, *end = text + len, *line;
	size_t n, lineno = 0;
	while (sbtc_next_line(&p, end, &line, &n)) {
		lineno++;
		sbtc_ak_key k;
		char err[160];
		int r = sbtc_ak_parse_line(line, n, lineno, &k, err, sizeof err);
		if (r == 1) {
			out->keys = sbtc_xrealloc(out->keys, (out->n + 1) * sizeof *out->keys);
			out->keys[out->n++] = k;
		} else if (r < 0) {
			out->bad = sbtc_xrealloc(out->bad, (out->nbad + 1) * sizeof *out->bad);
			out->bad[out->nbad].line = lineno;
			sbtc_strlcpy(out->bad[out->nbad].why, err, sizeof out->bad[out->nbad].why);
			out->nbad++;
		}
	}
}

void sbtc_ak_list_free(sbtc_ak_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->keys[i].blob);
	free(l->keys);
	free(l->bad);
	memset(l, 0, sizeof *l);
}
