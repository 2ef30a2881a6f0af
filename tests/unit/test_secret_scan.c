/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/secret_scan.c: where each format holds the signer's secrets, what is
 * a reference rather than a secret, and the lines a reader must refuse. The TOML cases
 * follow the signer's own config (stacks-sbtc/sbtc signer/src/config/default.toml:
 * [signer] private_key, db_endpoint, multi-line arrays); the compose cases its reference
 * deployment (docker/mainnet/docker-compose.yml: anchors under x-common-vars, aliases in
 * the signer's environment:). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "secret_scan.h"
#include "strbuf.h"

#define KEY "41634762d89dfa09133a4a8e9c1378d0161d29cd0a9433b51f1e3d32947a73dc"

typedef struct {
	sbtc_conf_kind kind;
	const char *text;
	const char *hits;     /* "k3,d4i": kind (k key, d database password), line, i inline */
	unsigned long bad;    /* the first line not read, 0 none */
	const char *env_files; /* "a,b" */
} scan_case;

static const scan_case cases[] = {
	/* TOML */
	{SBTC_CONF_TOML, "[signer]\nprivate_key = \"" KEY "\"\n", "k2", 0, ""},
	{SBTC_CONF_TOML, "# private_key = \"x\"\n[signer]\n  private_key = '" KEY "' # the key\n", "k3", 0, ""},
	{SBTC_CONF_TOML, "signer.private_key = \"" KEY "\"\n", "k1", 0, ""},
	{SBTC_CONF_TOML, "[signer]\n\"private_key\" = \"" KEY "\"\n", "k2", 0, ""},
	{SBTC_CONF_TOML, "[signer]\nprivate_key = \"\"\n", "", 0, ""},
	{SBTC_CONF_TOML, "[signer]\nprivate_key = \"${SIGNER_KEY}\"\n", "", 0, ""},
	{SBTC_CONF_TOML, "[signer]\ndb_endpoint = \"postgresql://postgres:postgres@127.0.0.1:5432/signer\"\n", "d2", 0, ""},
	{SBTC_CONF_TOML, "[signer]\ndb_endpoint = \"postgresql://postgres@127.0.0.1:5432/signer\"\n", "", 0, ""},
	{SBTC_CONF_TOML, "[signer]\ndb_endpoint = \"postgresql://127.0.0.1/signer?sslmode=require\"\n", "", 0, ""},
	{SBTC_CONF_TOML, "[signer]\ndb_endpoint = \"host=db user=s password=secret\"\n", "d2", 0, ""},
	{SBTC_CONF_TOML, "[signer]\ndb_endpoint = \"postgresql://u:${PW}@h/db\"\n", "", 0, ""},
	/* arrays over lines, with strings holding brackets and comments */
	{SBTC_CONF_TOML,
	 "[signer]\nbootstrap_signing_set = [\n  \"035249137286c077ccee65ecc43e724b9b9e5a588e3d7f51e3b62f9624c2a49e46\", # one\n"
	 "  \"]#\",\n]\nprivate_key = \"" KEY "\"\n",
	 "k6", 0, ""},
	/* multi-line strings skipped, escapes decoded, a key inside one is no key */
	{SBTC_CONF_TOML, "a = \"\"\"\nprivate_key = \"x\"\n\"\"\"\nb = '''\nz'''\nprivate_key = \"\\u0041\\t\"\n", "k6", 0, ""},
	{SBTC_CONF_TOML, "a = \"\"\"x\"\"\"\"\"\nprivate_key = \"k\"\n", "k2", 0, ""},
	/* the key as a table or an array is not what the signer reads: taken as a secret */
	{SBTC_CONF_TOML, "signer = { private_key = \"k\" }\n", "k1", 0, ""},
	/* lines a reader must refuse, and go on after */
	{SBTC_CONF_TOML, "[signer]\nprivate_key \"k\"\nprivate_key = \"k\"\n", "k3", 2, ""},
	{SBTC_CONF_TOML, "[signer\nprivate_key = \"k\"\n", "k2", 1, ""},
	{SBTC_CONF_TOML, "private_key = \"k\nx\"\n", "", 1, ""},
	{SBTC_CONF_TOML, "private_key = \"k\" trailing\n", "k1", 1, ""}, /* the key, and the line refused */
	{SBTC_CONF_TOML, "private_key = \"\\q\"\n", "", 1, ""},
	{SBTC_CONF_TOML, "a = [ \"x\"\n", "", 1, ""},
	{SBTC_CONF_TOML, "private_key = \"\"\"never closed\n", "", 1, ""},
	{SBTC_CONF_TOML, "private_key =\n", "", 1, ""},
	{SBTC_CONF_TOML, "\xef\xbb\xbfprivate_key = \"k\"\r\n", "k1", 0, ""},
	/* environment files */
	{SBTC_CONF_ENV, "SIGNER_SIGNER__PRIVATE_KEY=" KEY "\n", "k1", 0, ""},
	{SBTC_CONF_ENV, "# comment\n\nexport SIGNER_SIGNER__PRIVATE_KEY=\"" KEY "\"\n", "k3", 0, ""},
	{SBTC_CONF_ENV, "SIGNER_SIGNER__PRIVATE_KEY=\n", "", 0, ""},
	{SBTC_CONF_ENV, "SIGNER_SIGNER__PRIVATE_KEY = '" KEY "' # x\n", "k1", 0, ""},
	{SBTC_CONF_ENV, "POSTGRES_PASSWORD=pw\nSIGNER_SIGNER__DB_ENDPOINT=postgresql://u:p@h/db\n", "d1,d2", 0, ""},
	{SBTC_CONF_ENV, "SIGNER_SIGNER__DB_ENDPOINT=postgresql://u@h/db\nPOSTGRES_PASSWORD=${X}\n", "", 0, ""},
	{SBTC_CONF_ENV, "A=\"multi\nline\"\nSIGNER_SIGNER__PRIVATE_KEY=k\n", "k3", 0, ""},
	{SBTC_CONF_ENV, "A=x \\\n  y\nSIGNER_SIGNER__PRIVATE_KEY=k\n", "k3", 0, ""},
	{SBTC_CONF_ENV, "this is not an assignment\nSIGNER_SIGNER__PRIVATE_KEY=k\n", "k2", 1, ""},
	{SBTC_CONF_ENV, "A=\"never closed\nSIGNER_SIGNER__PRIVATE_KEY=k\n", "", 1, ""},
	/* systemd units */
	{SBTC_CONF_UNIT,
	 "[Unit]\nDescription=sBTC signer\n[Service]\nEnvironment=RUST_LOG=info SIGNER_SIGNER__PRIVATE_KEY=" KEY "\n",
	 "k4i", 0, ""},
	{SBTC_CONF_UNIT, "[Service]\nEnvironment=\"SIGNER_SIGNER__PRIVATE_KEY=k\" \"B=c d\"\n", "k2i", 0, ""},
	{SBTC_CONF_UNIT, "[Service]\nEnvironment=A=1 \\\n  SIGNER_SIGNER__DB_ENDPOINT=postgresql://u:p@h/d\n", "d2i", 0, ""},
	{SBTC_CONF_UNIT, "[Service]\n; Environment=SIGNER_SIGNER__PRIVATE_KEY=k\n", "", 0, ""},
	{SBTC_CONF_UNIT, "[Service]\nEnvironmentFile=-/etc/sbtc/signer.env\nEnvironmentFile=/etc/b.env\n", "", 0,
	 "/etc/sbtc/signer.env,/etc/b.env"},
	{SBTC_CONF_UNIT, "[Service]\nEnvironmentFile=relative.env\n", "", 2, ""},
	{SBTC_CONF_UNIT, "[Service\nno equals here\n", "", 1, ""},
	{SBTC_CONF_UNIT, "[Service]\nEnvironment=\"SIGNER_SIGNER__PRIVATE_KEY=k\n", "k2i", 2, ""},
	/* compose: the reference deployment's shape, references only */
	{SBTC_CONF_COMPOSE,
	 "x-common-vars:\n"
	 "  - &POSTGRES_PASSWORD ${POSTGRES_PASSWORD:?} # Required\n"
	 "  - &SIGNER_SIGNER__DB_ENDPOINT \"postgresql://${POSTGRES_USER:-postgres}:${POSTGRES_PASSWORD:?}@"
	 "${POSTGRES_HOST:-postgres}:${POSTGRES_PORT:-5432}/${POSTGRES_DB:-signer}\"\n"
	 "  - &SIGNER_SIGNER__PRIVATE_KEY ${SIGNER_SIGNER__PRIVATE_KEY:?} # Required\n"
	 "services:\n"
	 "  postgres:\n"
	 "    environment:\n"
	 "      POSTGRES_PASSWORD: *POSTGRES_PASSWORD\n"
	 "  sbtc-signer:\n"
	 "    entrypoint:\n"
	 "      - \"/usr/local/bin/signer\"\n"
	 "    environment:\n"
	 "      RUST_LOG: info,signer=debug\n"
	 "      SIGNER_SIGNER__PRIVATE_KEY: *SIGNER_SIGNER__PRIVATE_KEY\n"
	 "      SIGNER_SIGNER__DB_ENDPOINT: *SIGNER_SIGNER__DB_ENDPOINT\n"
	 "    ports:\n"
	 "      - \"4122:4122\" # P2P\n"
	 "      - [\"9184:9184\"]\n",
	 "", 0, ""},
	/* ... and inlined: by an anchor, as a map, as a list, as a block scalar */
	{SBTC_CONF_COMPOSE,
	 "x-common-vars:\n  - &KEY \"" KEY "\"\nservices:\n  sbtc-signer:\n    environment:\n"
	 "      SIGNER_SIGNER__PRIVATE_KEY: *KEY\n",
	 "k6i", 0, ""},
	{SBTC_CONF_COMPOSE, "services:\n  signer:\n    image: x\n    environment:\n      SIGNER_SIGNER__PRIVATE_KEY: '" KEY "'\n",
	 "k5i", 0, ""},
	{SBTC_CONF_COMPOSE,
	 "services:\n  signer:\n    environment:\n    - RUST_LOG=info\n    - \"SIGNER_SIGNER__PRIVATE_KEY=" KEY "\"\n"
	 "    - SIGNER_SIGNER__DB_ENDPOINT\n",
	 "k5i", 0, ""},
	{SBTC_CONF_COMPOSE, "services:\n  signer:\n    environment:\n      SIGNER_SIGNER__PRIVATE_KEY: |\n        " KEY "\n"
	 "    ports: []\n",
	 "k4i", 0, ""},
	{SBTC_CONF_COMPOSE, "services:\n  signer:\n    environment:\n      SIGNER_SIGNER__PRIVATE_KEY:\n", "", 0, ""},
	/* an environment: of another key, or outside services, is not a container's */
	{SBTC_CONF_COMPOSE, "x-notes:\n  environment:\n    SIGNER_SIGNER__PRIVATE_KEY: k\n", "", 0, ""},
	{SBTC_CONF_COMPOSE, "services:\n  signer:\n    env_file: ./signer.env\n  other:\n    env_file:\n      - a.env\n"
	 "      - path: b.env\n",
	 "", 0, "./signer.env,a.env,b.env"},
	/* forms not followed where a secret may be: refused */
	{SBTC_CONF_COMPOSE, "services:\n  signer:\n    environment: [\"SIGNER_SIGNER__PRIVATE_KEY=k\"]\n", "", 3, ""},
	{SBTC_CONF_COMPOSE, "services:\n  signer:\n    environment:\n      <<: *common\n", "", 4, ""},
	{SBTC_CONF_COMPOSE, "services:\n  signer:\n    environment:\n      SIGNER_SIGNER__PRIVATE_KEY: *nowhere\n", "",
	 4, ""},
	{SBTC_CONF_COMPOSE, "services:\n  signer:\n    environment:\n      A: \"open\n", "", 4, ""},
	{SBTC_CONF_COMPOSE, "services:\n\tsigner:\n", "", 2, ""},
};

static char *describe(const sbtc_secret_scan *s)
{
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	for (size_t i = 0; i < s->n; i++)
		sbtc_strbuf_printf(&b, "%s%c%lu%s", i ? "," : "", s->hits[i].kind == SBTC_SECRET_PRIVATE_KEY ? 'k' : 'd',
				   s->hits[i].line, s->hits[i].inline_env ? "i" : "");
	return sbtc_strbuf_steal(&b);
}

static void test_cases(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sbtc_secret_scan s;
		sbtc_secret_scan_text(cases[i].kind, cases[i].text, strlen(cases[i].text), &s);
		char *got = describe(&s);
		sbtc_strbuf ef = SBTC_STRBUF_INIT;
		for (size_t k = 0; k < s.nenv_files; k++)
			sbtc_strbuf_printf(&ef, "%s%s", k ? "," : "", s.env_files[k]);
		if (strcmp(got, cases[i].hits) != 0 || s.bad_line != cases[i].bad ||
		    strcmp(sbtc_strbuf_str(&ef), cases[i].env_files) != 0)
			failures++, print_error("case %zu: hits '%s' (want '%s'), bad line %lu (want %lu, %s), env files '%s' (want '%s')\n", i,
				 got, cases[i].hits, s.bad_line, cases[i].bad, s.bad_why, sbtc_strbuf_str(&ef),
				 cases[i].env_files);
		if (s.bad_line != 0)
			assert_true(s.bad_why[0] != '\0');
		free(got);
		sbtc_strbuf_free(&ef);
		sbtc_secret_scan_free(&s);
	}
	assert_int_equal(failures, 0);
}

/* A finding names the key, never holds its value. */
static void test_no_value_kept(void **state)
{
	(void)state;
	static const struct {
		sbtc_conf_kind kind;
		const char *text;
	} t[] = {
		{SBTC_CONF_TOML, "private_key = \"" KEY "\"\n"},
		{SBTC_CONF_ENV, "SIGNER_SIGNER__PRIVATE_KEY=" KEY "\n"},
		{SBTC_CONF_UNIT, "Environment=SIGNER_SIGNER__PRIVATE_KEY=" KEY "\n"},
		{SBTC_CONF_COMPOSE, "services:\n  s:\n    environment:\n      SIGNER_SIGNER__PRIVATE_KEY: " KEY "\n"},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		sbtc_secret_scan s;
		sbtc_secret_scan_text(t[i].kind, t[i].text, strlen(t[i].text), &s);
		assert_int_equal(s.n, 1);
		assert_null(strstr(s.hits[0].name, "4163"));
		assert_null(strstr(s.bad_why, "4163"));
		sbtc_secret_scan_free(&s);
	}
}

static void test_kind_guess(void **state)
{
	(void)state;
	assert_int_equal(sbtc_conf_kind_guess("/opt/sbtc/docker/mainnet/sbtc-signer/signer-config.toml"), SBTC_CONF_TOML);
	assert_int_equal(sbtc_conf_kind_guess("/opt/sbtc/docker/mainnet/docker-compose.yml"), SBTC_CONF_COMPOSE);
	assert_int_equal(sbtc_conf_kind_guess("/srv/compose.yaml"), SBTC_CONF_COMPOSE);
	assert_int_equal(sbtc_conf_kind_guess("/srv/vector.yaml"), SBTC_CONF_ENV);
	assert_int_equal(sbtc_conf_kind_guess("/etc/systemd/system/sbtc-signer.service"), SBTC_CONF_UNIT);
	assert_int_equal(sbtc_conf_kind_guess("/opt/sbtc/docker/mainnet/.env"), SBTC_CONF_ENV);
	assert_int_equal(sbtc_conf_kind_parse("unit", 4), SBTC_CONF_UNIT);
	assert_int_equal(sbtc_conf_kind_parse("yaml", 4), -1);
}

static void test_conninfo(void **state)
{
	(void)state;
	static const struct {
		const char *v;
		bool pw;
	} t[] = {
		{"postgresql://postgres:postgres@127.0.0.1:5432/signer", true},
		{"postgres://u:p@h", true},
		{"postgresql://u:@h/db", false},
		{"postgresql://u@h/db", false},
		{"postgresql://h/db?user=u", false},
		{"postgresql://${U:-postgres}:${PW:?}@${H:-postgres}:5432/db", false},
		{"postgresql://${U:-postgres}:secret@h/db", true},
		{"postgresql://u:$PW@h/db", false},
		{"host=h password=x", true},
		{"host=h password = 'x y'", true},
		{"host=h password=''", false},
		{"host=h passwordx=1", false},
		{"", false},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (sbtc_conninfo_has_password(t[i].v, strlen(t[i].v)) != t[i].pw)
			fail_msg("'%s': want %d", t[i].v, t[i].pw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_no_value_kept),
		cmocka_unit_test(test_kind_guess),
		cmocka_unit_test(test_conninfo),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
