/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "dkg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acquire.h"
#include "hex.h"
#include "human.h"
#include "pg.h"
#include "range.h"
#include "strbuf.h"

const char *sbtc_share_status_name(sbtc_share_status s)
{
	switch (s) {
	case SBTC_SHARE_UNVERIFIED: return "unverified";
	case SBTC_SHARE_VERIFIED: return "verified";
	case SBTC_SHARE_FAILED: return "failed";
	case SBTC_SHARE_NO_STATUS: return "(no status)";
	}
	return "?";
}

int sbtc_share_status_parse(const char *text)
{
	if (strcmp(text, "unverified") == 0)
		return SBTC_SHARE_UNVERIFIED;
	if (strcmp(text, "verified") == 0)
		return SBTC_SHARE_VERIFIED;
	if (strcmp(text, "failed") == 0)
		return SBTC_SHARE_FAILED;
	return -1;
}

int sbtc_dkg_share_cmp(const sbtc_dkg_share *x, const sbtc_dkg_share *y)
{
	if (x->created_at != y->created_at)
		return x->created_at > y->created_at ? -1 : 1;
	/* Descending by key; swapped operands rather than a negated memcmp, which could
	 * overflow for INT_MIN. */
	return memcmp(y->key, x->key, SBTC_AGGREGATE_KEY_LEN);
}

static int share_cmp(const void *a, const void *b)
{
	return sbtc_dkg_share_cmp(a, b);
}

void sbtc_dkg_sort(sbtc_dkg_shares *s)
{
	if (s->n > 1)
		qsort(s->v, s->n, sizeof *s->v, share_cmp);
}

void sbtc_dkg_shares_free(sbtc_dkg_shares *s)
{
	free(s->v);
	memset(s, 0, sizeof *s);
}

/* Checks for the table and the 0012 column through the catalog, which needs no privilege
 * on the table itself and cannot fail on an old schema. */
static const char catalog_sql[] =
	"SELECT to_regclass('sbtc_signer.dkg_shares') IS NOT NULL,"
	" EXISTS (SELECT 1 FROM pg_catalog.pg_attribute"
	"  WHERE attrelid = to_regclass('sbtc_signer.dkg_shares')"
	"  AND attname = 'dkg_shares_status' AND NOT attisdropped),"
	" extract(epoch FROM now())::float8";

static const char shares_sql[] =
	"SELECT encode(aggregate_key, 'hex'), dkg_shares_status::text, extract(epoch FROM created_at)::float8"
	" FROM sbtc_signer.dkg_shares ORDER BY created_at DESC, aggregate_key DESC";

static const char shares_pre0012_sql[] =
	"SELECT encode(aggregate_key, 'hex'), NULL::text, extract(epoch FROM created_at)::float8"
	" FROM sbtc_signer.dkg_shares ORDER BY created_at DESC, aggregate_key DESC";

/* A key as encode(aggregate_key, 'hex') gives it: a compressed public key. */
static bool key_from_hex(const char *text, uint8_t key[SBTC_AGGREGATE_KEY_LEN])
{
	return sbtc_hex_decode_exact(text, key, SBTC_AGGREGATE_KEY_LEN) && (key[0] == 0x02 || key[0] == 0x03);
}

/* The shares' rows (shares_sql's columns) into out, newest first. */
static void read_rows(const PGresult *r, sbtc_dkg_shares *out)
{
	int rows = PQntuples(r);
	out->v = sbtc_xcalloc((size_t)rows + 1, sizeof *out->v);
	for (int i = 0; i < rows; i++) {
		sbtc_dkg_share *s = &out->v[out->n];
		if (PQgetisnull(r, i, 0) || !key_from_hex(PQgetvalue(r, i, 0), s->key)) {
			out->malformed++;
			continue;
		}
		if (!out->has_status) {
			s->status = SBTC_SHARE_NO_STATUS;
		} else {
			int ps = PQgetisnull(r, i, 1) ? -1 : sbtc_share_status_parse(PQgetvalue(r, i, 1));
			/* A status this version does not know is never trusted as verified. */
			s->status = ps < 0 ? SBTC_SHARE_UNVERIFIED : (sbtc_share_status)ps;
		}
		s->created_at = PQgetisnull(r, i, 2) ? 0 : strtod(PQgetvalue(r, i, 2), NULL);
		out->n++;
	}
	sbtc_dkg_sort(out);
}

/* The load as a chain on the session: the catalog's answer picks the shares' statement
 * (the keys come as hex text, whatever the server's bytea_output). */
typedef struct {
	sbtc_pg_session *s;
	PGresult *catalog, *rows;
	sbtc_outcome catalog_oc, rows_oc;
	sbtc_dkg_shares *out;
	sbtc_outcome *oc;
	sbtc_then then;
	void *ctx;
} load_job;

static void load_end(sbtc_acq *a, load_job *j, const sbtc_outcome *how)
{
	sbtc_outcome_set(j->oc, how->status, "%s", how->msg);
	PQclear(j->catalog);
	PQclear(j->rows);
	sbtc_acq_done(a, j, j->then, j->ctx);
}

static void rows_read(sbtc_acq *a, void *ctx)
{
	load_job *j = ctx;
	if (j->rows_oc.status == SBTC_FETCH_OK)
		read_rows(j->rows, j->out);
	load_end(a, j, &j->rows_oc);
}

static void catalog_read(sbtc_acq *a, void *ctx)
{
	load_job *j = ctx;
	if (j->catalog_oc.status != SBTC_FETCH_OK) {
		load_end(a, j, &j->catalog_oc);
		return;
	}
	bool has_table = strcmp(PQgetvalue(j->catalog, 0, 0), "t") == 0;
	j->out->has_status = strcmp(PQgetvalue(j->catalog, 0, 1), "t") == 0;
	j->out->now = strtod(PQgetvalue(j->catalog, 0, 2), NULL);
	if (!has_table) {
		sbtc_outcome no;
		sbtc_outcome_set(&no, SBTC_FETCH_ERROR,
				 "table sbtc_signer.dkg_shares does not exist (is this the signer's database, and may "
				 "this role see the schema?)");
		load_end(a, j, &no);
		return;
	}
	sbtc_acq_pg_query(j->s, j->out->has_status ? shares_sql : shares_pre0012_sql, 0, NULL, &j->rows, &j->rows_oc,
			  rows_read, j);
}

void sbtc_dkg_load_start(sbtc_pg_session *s, sbtc_dkg_shares *out, sbtc_outcome *oc, sbtc_then then, void *ctx)
{
	load_job *j = sbtc_xcalloc(1, sizeof *j);
	memset(out, 0, sizeof *out);
	oc->done = false;
	oc->status = SBTC_FETCH_PENDING;
	j->s = s;
	j->out = out;
	j->oc = oc;
	j->then = then;
	j->ctx = ctx;
	sbtc_acq_pg_query(s, catalog_sql, 0, NULL, &j->catalog, &j->catalog_oc, catalog_read, j);
}

void sbtc_dkg_count(const sbtc_dkg_shares *s, sbtc_dkg_counts *c)
{
	memset(c, 0, sizeof *c);
	if (s->summary) {
		*c = s->totals;
		c->newest_verified = NULL;
		for (size_t i = 0; i < s->n && c->newest_verified == NULL; i++)
			if (s->v[i].status == SBTC_SHARE_VERIFIED)
				c->newest_verified = &s->v[i];
		return;
	}
	c->total = s->n;
	for (size_t i = 0; i < s->n; i++) {
		const sbtc_dkg_share *sh = &s->v[i];
		switch (sh->status) {
		case SBTC_SHARE_VERIFIED:
			c->verified++;
			if (c->newest_verified == NULL)
				c->newest_verified = sh;
			break;
		case SBTC_SHARE_UNVERIFIED: c->unverified++; break;
		case SBTC_SHARE_FAILED: c->failed++; break;
		case SBTC_SHARE_NO_STATUS: c->no_status++; break;
		}
	}
}

static const sbtc_dkg_share *find_key(const sbtc_dkg_shares *s, const uint8_t *key, bool verified_only)
{
	for (size_t i = 0; i < s->n; i++)
		if (memcmp(s->v[i].key, key, SBTC_AGGREGATE_KEY_LEN) == 0 &&
		    (!verified_only || s->v[i].status == SBTC_SHARE_VERIFIED))
			return &s->v[i];
	return NULL;
}

sbtc_result *sbtc_dkg_verdict(sbtc_result *parent, const sbtc_dkg_shares *s,
			      const sbtc_registry_key *onchain, double rotation_grace,
			      const char *where, int verbose)
{
	char k1[80], k2[80], age[32], grace[32];
	sbtc_dkg_counts c;
	sbtc_dkg_count(s, &c);

	if (!onchain->has_key)
		return sbtc_result_add(parent, SBTC_WARNING,
				       "the registry holds no aggregate key yet (its initial value 0x00): "
				       "nothing to compare %s with", where);

	sbtc_key_text(onchain->key, verbose, k1, sizeof k1);

	if (!s->has_status) {
		/* Before 0012 nothing was verified: the newest share is what the signer uses. */
		const sbtc_dkg_share *hit = find_key(s, onchain->key, false);
		if (hit == NULL)
			return sbtc_result_add(parent, SBTC_CRITICAL,
					       "on-chain key %s is not in %s (%zu shares, none matching)", k1,
					       where, c.total);
		sbtc_format_duration(s->now - hit->created_at, age, sizeof age);
		if (hit != &s->v[0]) {
			sbtc_key_text(s->v[0].key, verbose, k2, sizeof k2);
			return sbtc_result_add(parent, SBTC_WARNING,
					       "on-chain key %s is an older share of %s (created %s ago); newer "
					       "share %s is not on chain",
					       k1, where, age, k2);
		}
		return sbtc_result_add(parent, SBTC_OK, "on-chain key %s is the newest share in %s (created %s ago)",
				       k1, where, age);
	}

	if (c.verified == 0)
		return sbtc_result_add(parent, SBTC_CRITICAL,
				       "%s has no verified share (%zu unverified, %zu failed): it cannot sign "
				       "for on-chain key %s",
				       where, c.unverified, c.failed, k1);

	const sbtc_dkg_share *hit = find_key(s, onchain->key, true);
	if (hit == NULL) {
		const sbtc_dkg_share *any = find_key(s, onchain->key, false);
		sbtc_key_text(c.newest_verified->key, verbose, k2, sizeof k2);
		if (any != NULL)
			return sbtc_result_add(parent, SBTC_CRITICAL,
					       "on-chain key %s is in %s only as %s %s share: it cannot sign for "
					       "it (newest verified share is %s)",
					       k1, where, any->status == SBTC_SHARE_UNVERIFIED ? "an" : "a",
					       sbtc_share_status_name(any->status), k2);
		return sbtc_result_add(parent, SBTC_CRITICAL,
				       "on-chain key %s is not among the verified shares of %s: it cannot "
				       "sign for it (newest verified share is %s)",
				       k1, where, k2);
	}
	if (hit == c.newest_verified) {
		sbtc_format_duration(s->now - hit->created_at, age, sizeof age);
		return sbtc_result_add(parent, SBTC_OK,
				       "on-chain key %s is the newest verified share in %s (created %s ago)", k1,
				       where, age);
	}

	/* A newer verified share exists: the rotation to it has not reached the chain yet. */
	double pending = s->now - c.newest_verified->created_at;
	sbtc_format_duration(pending, age, sizeof age);
	sbtc_format_duration(rotation_grace, grace, sizeof grace);
	sbtc_key_text(c.newest_verified->key, verbose, k2, sizeof k2);
	sbtc_state st = pending > rotation_grace ? SBTC_CRITICAL : SBTC_WARNING;
	return sbtc_result_add(parent, st,
			       "key rotation pending for %s (grace %s): on-chain key %s is an older verified "
			       "share; newest verified share %s is not on chain",
			       age, grace, k1, k2);
}
