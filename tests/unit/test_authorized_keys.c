/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/authorized_keys.c: authorized_keys lines as sshd reads them.
 * The FIDO keys are fixed test vectors built by hand in the format of OpenSSH's
 * PROTOCOL.u2f ("SSH U2F Keys"): an Ed25519 key of the bytes 1..32, and the P-256
 * generator point; ssh-keygen -l accepts both. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "authorized_keys.h"

#define SK_ED "AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAIAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gAAAABHNzaDo="
#define SK_ED2 "AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj9AAAAABHNzaDo="
#define SK_EC                                                                                                      \
	"AAAAInNrLWVjZHNhLXNoYTItbmlzdHAyNTZAb3BlbnNzaC5jb20AAAAIbmlzdHAyNTYAAABBBGsX0fLhLEJH+Lzm5WOkQPJ3A32BLeszoPShOUX" \
	"YmMKWT+NC4v4af5uO5+tKfA+eFivOM1drMV7Oy7ZAaDe/UfUAAAAEc3NoOg=="
/* ssh-ed25519 with 32 zero bytes */
#define ED "AAAAC3NzaC1lZDI1NTE5AAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

struct line_case {
	const char *line;
	int rc;             /* 1 key, 0 nothing, -1 bad */
	const char *type;   /* for rc 1 */
	bool hardware, verify, no_touch, ca;
	const char *comment;
	const char *why;    /* part of the message for rc -1 */
};

static void test_lines(void **unused)
{
	(void)unused;
	static const struct line_case cases[] = {
		{"", 0, NULL, 0, 0, 0, 0, NULL, NULL},
		{"   \t ", 0, NULL, 0, 0, 0, 0, NULL, NULL},
		{"# sk-ssh-ed25519@openssh.com " SK_ED, 0, NULL, 0, 0, 0, 0, NULL, NULL},
		{"sk-ssh-ed25519@openssh.com " SK_ED " alice@yubikey", 1, "sk-ssh-ed25519@openssh.com", 1, 0, 0, 0,
		 "alice@yubikey", NULL},
		{"sk-ecdsa-sha2-nistp256@openssh.com " SK_EC, 1, "sk-ecdsa-sha2-nistp256@openssh.com", 1, 0, 0, 0, "", NULL},
		{"ssh-ed25519 " ED " bob laptop ", 1, "ssh-ed25519", 0, 0, 0, 0, "bob laptop", NULL},
		{"verify-required sk-ssh-ed25519@openssh.com " SK_ED " x", 1, "sk-ssh-ed25519@openssh.com", 1, 1, 0, 0, "x",
		 NULL},
		/* options with quoted commas and blanks, names in any case */
		{"from=\"10.0.0.1,10.0.0.2\",command=\"echo a, b \\\"c\\\"\",Verify-Required,no-touch-required "
		 "sk-ssh-ed25519@openssh.com " SK_ED,
		 1, "sk-ssh-ed25519@openssh.com", 1, 1, 1, 0, "", NULL},
		{"cert-authority,principals=\"a,b\" sk-ssh-ed25519@openssh.com " SK_ED, 1, "sk-ssh-ed25519@openssh.com", 1, 0,
		 0, 1, "", NULL},
		/* the option's text is not an option: "verify-required" inside quotes */
		{"command=\"verify-required\" ssh-ed25519 " ED, 1, "ssh-ed25519", 0, 0, 0, 0, "", NULL},
		/* a comment with '|' and a control character is cleaned */
		{"ssh-ed25519 " ED " a|b\tc", 1, "ssh-ed25519", 0, 0, 0, 0, "a/b c", NULL},
		/* bad lines */
		{"ssh-ed25519", -1, NULL, 0, 0, 0, 0, NULL, "without its key"},
		{"ssh-ed25519 !!!!", -1, NULL, 0, 0, 0, 0, NULL, "not base64"},
		{"ssh-rsa " ED, -1, NULL, 0, 0, 0, 0, NULL, "not of the type"},
		{"sk-ssh-ed25519@openssh.com " ED, -1, NULL, 0, 0, 0, 0, NULL, "not of the type"},
		{"command=\"x sk-ssh-ed25519@openssh.com " SK_ED, -1, NULL, 0, 0, 0, 0, NULL, "unterminated quote"},
		{"no-pty", -1, NULL, 0, 0, 0, 0, NULL, "no key type"},
		{"no-pty ssh-foo AAAA", -1, NULL, 0, 0, 0, 0, NULL, "not a key type"},
		{"sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAAQE=", -1, NULL, 0, 0, 0, 0, NULL,
		 "32 bytes"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct line_case *c = &cases[i];
		sbtc_ak_key k;
		char err[160] = "";
		int rc = sbtc_ak_parse_line(c->line, strlen(c->line), 7, &k, err, sizeof err);
		if (rc != c->rc)
			fail_msg("case %zu '%s': rc %d, expected %d (%s)", i, c->line, rc, c->rc, err);
		if (rc == 1) {
			assert_string_equal(k.type, c->type);
			assert_int_equal(k.line, 7);
			assert_int_equal(k.hardware, c->hardware);
			assert_int_equal(k.verify_required, c->verify);
			assert_int_equal(k.no_touch_required, c->no_touch);
			assert_int_equal(k.cert_authority, c->ca);
			assert_string_equal(k.comment, c->comment);
			assert_non_null(k.blob);
			free(k.blob);
		} else if (rc < 0) {
			if (strstr(err, c->why) == NULL)
				fail_msg("case %zu: message '%s' lacks '%s'", i, err, c->why);
		}
	}
}

static void test_types(void **unused)
{
	(void)unused;
	assert_true(sbtc_ak_type_is_hardware("sk-ssh-ed25519@openssh.com"));
	assert_true(sbtc_ak_type_is_hardware("sk-ecdsa-sha2-nistp256@openssh.com"));
	assert_true(sbtc_ak_type_is_hardware("sk-ssh-ed25519-cert-v01@openssh.com"));
	assert_false(sbtc_ak_type_is_hardware("ssh-ed25519"));
	assert_false(sbtc_ak_type_is_hardware("sk-made-up@openssh.com"));
}

static void test_file(void **unused)
{
	(void)unused;
	const char *text = "# admins\n"
			   "sk-ssh-ed25519@openssh.com " SK_ED " alice\r\n"
			   "\n"
			   "garbage here\n"
			   "sk-ssh-ed25519@openssh.com " SK_ED2 " bob\n"
			   "ssh-ed25519 " ED; /* no newline at the end */
	sbtc_ak_list l;
	sbtc_ak_parse(text, strlen(text), &l);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.keys[0].line, 2);
	assert_string_equal(l.keys[0].comment, "alice");
	assert_int_equal(l.keys[1].line, 5);
	assert_int_equal(l.keys[2].line, 6);
	assert_false(l.keys[2].hardware);
	assert_int_equal(l.nbad, 1);
	assert_int_equal(l.bad[0].line, 4);
	/* two different keys have different blobs */
	assert_true(l.keys[0].bloblen == l.keys[1].bloblen);
	assert_true(memcmp(l.keys[0].blob, l.keys[1].blob, l.keys[0].bloblen) != 0);
	sbtc_ak_list_free(&l);
}

/* Messages never hold key material. */
static void test_no_material_in_messages(void **unused)
{
	(void)unused;
	sbtc_ak_key k;
	char err[160];
	const char *line = "ssh-rsa " SK_ED " comment";
	assert_int_equal(sbtc_ak_parse_line(line, strlen(line), 1, &k, err, sizeof err), -1);
	assert_null(strstr(err, "AAAA"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_no_material_in_messages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
