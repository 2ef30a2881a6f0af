/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "github.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "human.h"
#include "json_field.h"
#include "sanitize.h"
#include "smallfile.h"
#include "strbuf.h"

bool sbtc_github_repo_valid(const char *repo)
{
	if (repo == NULL)
		return false;
	const char *slash = strchr(repo, '/');
	if (slash == NULL || slash == repo || slash[1] == '\0' || strchr(slash + 1, '/') != NULL)
		return false;
	if (strlen(repo) > 200)
		return false;
	for (const char *p = repo; *p; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
		      c == '_' || c == '.' || c == '/'))
			return false;
	}
	/* "." and ".." would walk the API's path. */
	return strcmp(slash + 1, ".") != 0 && strcmp(slash + 1, "..") != 0 && strncmp(repo, "./", 2) != 0 &&
	       strncmp(repo, "../", 3) != 0;
}

int sbtc_github_token(const char *file, char **token, char *err, size_t errlen)
{
	*token = NULL;
	sbtc_strbuf b = SBTC_STRBUF_INIT;
	if (file == NULL) {
		const char *env = getenv("GITHUB_TOKEN");
		if (env == NULL || env[0] == '\0')
			return 0;
		sbtc_strbuf_puts(&b, env);
	} else {
		char *text;
		size_t len;
		if (sbtc_read_small_file(file, "token file", SBTC_SECRET_FILE_MAX, true, &text, &len, err,
					 errlen) != 0)
			return -1;
		sbtc_strbuf_append(&b, text, strcspn(text, "\n"));
		memset(text, 0, len);
		free(text);
	}
	/* Trim blanks and a carriage return; a token is one word of printable ASCII. */
	const char *s = sbtc_strbuf_str(&b);
	size_t start = strspn(s, " \t\r"), end = strlen(s);
	while (end > start && (s[end - 1] == ' ' || s[end - 1] == '\t' || s[end - 1] == '\r'))
		end--;
	for (size_t i = start; i < end; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c >= 0x7f) {
			snprintf(err, errlen, "the GitHub token (%s) contains a blank or a character that is not printable "
				 "ASCII", file ? "first line of the token file" : "GITHUB_TOKEN");
			sbtc_strbuf_free(&b);
			return -1;
		}
	}
	if (end == start) {
		if (file != NULL) {
			char *clean = sbtc_small_file_name(file, true);
			snprintf(err, errlen, "the token file %s is empty", clean);
			free(clean);
			sbtc_strbuf_free(&b);
			return -1;
		}
		sbtc_strbuf_free(&b);
		return 0;
	}
	*token = sbtc_xstrndup(s + start, end - start);
	/* The buffer held the secret: clear it before it goes back to the allocator. */
	memset(b.data, 0, b.cap);
	sbtc_strbuf_free(&b);
	return 0;
}

static bool digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static long long days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	long long era = (y >= 0 ? y : y - 399) / 400;
	long long yoe = y - era * 400;
	long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

time_t sbtc_github_time(const char *t)
{
	int Y, M, D, h, mi, s;
	if (t == NULL || strlen(t) != 20 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' ||
	    t[16] != ':' || t[19] != 'Z')
		return -1;
	if (!digits(t, 4, &Y) || !digits(t + 5, 2, &M) || !digits(t + 8, 2, &D) || !digits(t + 11, 2, &h) ||
	    !digits(t + 14, 2, &mi) || !digits(t + 17, 2, &s))
		return -1;
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (Y < 1970 || M < 1 || M > 12 || D < 1 || D > mdays[M - 1] || h > 23 || mi > 59 || s > 60)
		return -1;
	return (time_t)(days_from_civil(Y, M, D) * 86400 + h * 3600 + mi * 60 + s);
}

void sbtc_github_releases_free(sbtc_github_releases *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].tag);
		free(r->v[i].html_url);
	}
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

static int parse_release(json_object *o, const char *where, sbtc_github_release *out, char *err, size_t errlen)
{
	const char *tag, *url = "", *pub = NULL, *created = NULL;
	bool draft = false, pre = false;
	char e[300];
	if (!json_object_is_type(o, json_type_object)) {
		snprintf(err, errlen, "%s is not an object", where);
		return -1;
	}
	if (sbtc_json_get_string(o, "tag_name", &tag, e, sizeof e) != 0 ||
	    sbtc_json_get_string_opt(o, "html_url", SBTC_JSON_ABSENT_OK, &url, e, sizeof e) < 0 ||
	    sbtc_json_get_bool_opt(o, "draft", SBTC_JSON_ABSENT_OK, &draft, e, sizeof e) < 0 ||
	    sbtc_json_get_bool_opt(o, "prerelease", SBTC_JSON_ABSENT_OK, &pre, e, sizeof e) < 0 ||
	    sbtc_json_get_string_opt(o, "published_at", SBTC_JSON_ABSENT_OK, &pub, e, sizeof e) < 0 ||
	    sbtc_json_get_string_opt(o, "created_at", SBTC_JSON_ABSENT_OK, &created, e, sizeof e) < 0) {
		snprintf(err, errlen, "%s: %s", where, e);
		return -1;
	}
	out->tag = sbtc_xstrdup(tag);
	out->html_url = sbtc_xstrdup(url);
	out->draft = draft;
	out->prerelease = pre;
	out->published = sbtc_github_time(pub);
	if (out->published < 0)
		out->published = sbtc_github_time(created);
	return 0;
}

static int releases_from_json(json_object *root, sbtc_github_releases *out, char *err, size_t errlen)
{
	out->v = NULL;
	out->n = 0;
	if (!json_object_is_type(root, json_type_array)) {
		snprintf(err, errlen, "expected an array of releases, got %s",
			 root == NULL ? "null" : json_type_to_name(json_object_get_type(root)));
		return -1;
	}
	size_t n = json_object_array_length(root);
	out->v = sbtc_xcalloc(n + 1, sizeof *out->v);
	for (size_t i = 0; i < n; i++) {
		char where[40];
		snprintf(where, sizeof where, "release %zu", i);
		if (parse_release(json_object_array_get_idx(root, i), where, &out->v[out->n], err, errlen) != 0) {
			sbtc_github_releases_free(out);
			return -1;
		}
		out->n++;
	}
	return 0;
}

static const char *const COMPARE_NAMES[] = {"identical", "ahead", "behind", "diverged"};

static int compare_from_json(json_object *root, sbtc_github_compare *out, char *err, size_t errlen)
{
	const char *status;
	int64_t ahead, behind;
	if (sbtc_json_get_string(root, "status", &status, err, errlen) != 0 ||
	    sbtc_json_get_int64(root, "ahead_by", &ahead, err, errlen) != 0 ||
	    sbtc_json_get_int64(root, "behind_by", &behind, err, errlen) != 0)
		return -1;
	if (ahead < 0 || behind < 0) {
		snprintf(err, errlen, "negative ahead_by or behind_by");
		return -1;
	}
	for (int i = 0; i < 4; i++)
		if (strcmp(status, COMPARE_NAMES[i]) == 0) {
			out->status = (sbtc_compare_status)i;
			out->ahead_by = ahead;
			out->behind_by = behind;
			return 0;
		}
	char *clean = sbtc_sanitize(status, 60);
	snprintf(err, errlen, "unknown compare status '%s'", clean);
	free(clean);
	return -1;
}

/* What the cache keeps: the fields the check reads, not GitHub's whole answer (release
 * notes and assets make a list of 100 releases weigh megabytes). */
static char *compact_releases(const sbtc_github_releases *r)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; a != NULL && i < r->n; i++) {
		json_object *o = json_object_new_object();
		if (o == NULL)
			break;
		char when[32] = "";
		if (r->v[i].published >= 0) {
			time_t t = r->v[i].published;
			struct tm tm;
			if (gmtime_r(&t, &tm) != NULL)
				strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
		}
		json_object_object_add(o, "tag_name", json_object_new_string(r->v[i].tag));
		json_object_object_add(o, "html_url", json_object_new_string(r->v[i].html_url));
		json_object_object_add(o, "draft", json_object_new_boolean(r->v[i].draft));
		json_object_object_add(o, "prerelease", json_object_new_boolean(r->v[i].prerelease));
		json_object_object_add(o, "published_at", when[0] ? json_object_new_string(when) : NULL);
		json_object_array_add(a, o);
	}
	const char *s = a ? json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN) : NULL;
	char *copy = s ? sbtc_xstrdup(s) : NULL;
	json_object_put(a);
	return copy;
}

static char *compact_compare(const sbtc_github_compare *c)
{
	return sbtc_xasprintf("{\"status\":\"%s\",\"ahead_by\":%lld,\"behind_by\":%lld}", COMPARE_NAMES[c->status],
			      (long long)c->ahead_by, (long long)c->behind_by);
}

/* One kind of answer: how to read it (GitHub's parsed document, or a body the cache
 * kept) and how to keep it. */
typedef struct {
	int (*from_json)(json_object *root, void *out, char *err, size_t errlen);
	char *(*compact)(const void *out);
	void (*release)(void *out);
} answer_kind;

static int parse_body(const answer_kind *kind, const char *body, size_t len, void *out, char *err, size_t errlen)
{
	json_object *root;
	if (sbtc_json_parse(body, len, &root, err, errlen) != 0)
		return -1;
	int rc = kind->from_json(root, out, err, errlen);
	json_object_put(root);
	return rc;
}

static int releases_json_cb(json_object *root, void *o, char *e, size_t el)
{
	return releases_from_json(root, o, e, el);
}
static int compare_json_cb(json_object *root, void *o, char *e, size_t el)
{
	return compare_from_json(root, o, e, el);
}
static char *compact_releases_cb(const void *o)
{
	return compact_releases(o);
}
static char *compact_compare_cb(const void *o)
{
	return compact_compare(o);
}
static void free_releases_cb(void *o)
{
	sbtc_github_releases_free(o);
}
static void free_nothing_cb(void *o)
{
	(void)o;
}

static const answer_kind RELEASES = {releases_json_cb, compact_releases_cb, free_releases_cb};
static const answer_kind COMPARE = {compare_json_cb, compact_compare_cb, free_nothing_cb};

int sbtc_github_parse_releases(const char *body, size_t len, sbtc_github_releases *out, char *err, size_t errlen)
{
	out->v = NULL;
	out->n = 0;
	return parse_body(&RELEASES, body, len, out, err, errlen);
}

int sbtc_github_parse_compare(const char *body, size_t len, sbtc_github_compare *out, char *err, size_t errlen)
{
	return parse_body(&COMPARE, body, len, out, err, errlen);
}

/* GitHub's own words from an error body ({"message": "..."}), sanitised; "" if none. */
static void github_message(const sbtc_http_response *resp, char *dst, size_t dstlen)
{
	json_object *root;
	const char *m;
	char e[100];
	dst[0] = '\0';
	if (resp->len == 0 || sbtc_json_parse(resp->body, resp->len, &root, e, sizeof e) != 0)
		return;
	if (sbtc_json_get_string(root, "message", &m, e, sizeof e) == 0) {
		/* The first sentence says it; the rest is advice for browsers ("But here's the
		 * good news: ..."). */
		const char *stop = strstr(m, ". ");
		size_t n = stop != NULL ? (size_t)(stop - m) : strlen(m);
		while (n > 0 && (m[n - 1] == '.' || m[n - 1] == ' '))
			n--;
		char *first = sbtc_xstrndup(m, n);
		char *clean = sbtc_sanitize(first, 160);
		snprintf(dst, dstlen, "%s", clean);
		free(clean);
		free(first);
	}
	json_object_put(root);
}

/* Turns a non-200 answer into a message; returns the status it earns. */
static sbtc_fetch_status judge_error(const sbtc_github *gh, const sbtc_http_response *resp, const char *peer,
				     const char *not_found, char *err, size_t errlen)
{
	char msg[200], remaining[32] = "", reset[32] = "", retry[32] = "";
	github_message(resp, msg, sizeof msg);
	bool has_remaining = sbtc_http_header(resp, "x-ratelimit-remaining", remaining, sizeof remaining);
	sbtc_http_header(resp, "x-ratelimit-reset", reset, sizeof reset);
	bool has_retry = sbtc_http_header(resp, "retry-after", retry, sizeof retry);
	if (resp->status == 404) {
		snprintf(err, errlen, "%s%s%s", not_found, msg[0] ? ": " : "", msg);
		return SBTC_FETCH_ERROR;
	}
	if ((resp->status == 403 || resp->status == 429) &&
	    ((has_remaining && strcmp(remaining, "0") == 0) || has_retry || resp->status == 429)) {
		sbtc_strbuf b = SBTC_STRBUF_INIT;
		sbtc_strbuf_printf(&b, "%s rate limit reached (HTTP %ld", peer, resp->status);
		if (has_remaining)
			sbtc_strbuf_printf(&b, ", x-ratelimit-remaining: %s", remaining);
		char *endp;
		errno = 0;
		long long when = strtoll(reset, &endp, 10);
		if (reset[0] && *endp == '\0' && errno == 0) {
			char d[32];
			double left = (double)when - (double)time(NULL);
			sbtc_strbuf_printf(&b, ", resets in %s", sbtc_format_duration(left > 0 ? left : 0, d, sizeof d));
		} else if (has_retry) {
			char *clean = sbtc_sanitize(retry, 20);
			sbtc_strbuf_printf(&b, ", retry after %s s", clean);
			free(clean);
		}
		sbtc_strbuf_puts(&b, ")");
		if (msg[0])
			sbtc_strbuf_printf(&b, ": %s", msg);
		if (gh->token == NULL)
			sbtc_strbuf_puts(&b, "; a token raises the limit from 60 to 5000 requests an hour");
		snprintf(err, errlen, "%s", sbtc_strbuf_str(&b));
		sbtc_strbuf_free(&b);
		return SBTC_FETCH_ERROR;
	}
	if (resp->status == 401) {
		snprintf(err, errlen, "%s refused the token (HTTP 401%s%s)", peer, msg[0] ? ": " : "", msg);
		return SBTC_FETCH_ERROR;
	}
	snprintf(err, errlen, "%s answered HTTP %ld%s%s", peer, resp->status, msg[0] ? ": " : "", msg);
	return SBTC_FETCH_ERROR;
}

/* One cached exchange with GitHub under way. */
typedef struct {
	const sbtc_github *gh;
	const answer_kind *kind;
	void *out;
	sbtc_github_source *src;
	sbtc_outcome *oc;
	sbtc_then then;
	void *ctx;
	char *path, *key, *peer, *url, *not_found;
	char *cached;        /* the cache's answer, when it has one that is not fresh */
	size_t clen;
	double age;
	sbtc_http_opts o;
	sbtc_json_answer ans;
	sbtc_outcome hoc;
} exchange;

static void exchange_end(sbtc_acq *a, exchange *x)
{
	sbtc_then then = x->then;
	void *ctx = x->ctx;
	sbtc_json_answer_free(&x->ans);
	free(x->cached);
	free(x->path);
	free(x->key);
	free(x->peer);
	free(x->url);
	free(x->not_found);
	sbtc_acq_done(a, x, then, ctx);
}

/* GitHub answered (or not): the answer, else an older one from the cache. */
static void exchange_answered(sbtc_acq *a, void *ctx)
{
	exchange *x = ctx;
	const sbtc_github *gh = x->gh;
	sbtc_outcome *oc = x->oc;
	char cerr[300];
	*oc = x->hoc;
	if (x->hoc.status == SBTC_FETCH_OK) {
		const sbtc_http_response *resp = &x->ans.resp;
		if (resp->status == 200) {
			char perr[300];
			/* A 200 answer that is empty or not JSON ended in the acquisition already. */
			if (x->kind->from_json(x->ans.doc, x->out, perr, sizeof perr) == 0) {
				if (gh->cache != NULL && gh->cache->dir != NULL) {
					char *compact = x->kind->compact(x->out);
					if (compact != NULL && sbtc_cache_put(gh->cache, x->key, compact, strlen(compact),
									      time(NULL), cerr, sizeof cerr) != 0)
						snprintf(x->src->note, sizeof x->src->note, "%s", cerr);
					free(compact);
				}
				sbtc_outcome_set(oc, SBTC_FETCH_OK, "%s", "");
				exchange_end(a, x);
				return;
			}
			sbtc_outcome_set(oc, SBTC_FETCH_BAD_ANSWER, "%s sent an answer I cannot read for %s: %s", x->peer,
					 x->path, perr);
		} else {
			oc->status = judge_error(gh, resp, x->peer, x->not_found, oc->msg, sizeof oc->msg);
			if (resp->status == 404) {
				/* GitHub's authoritative "no such thing": no cached answer overrides it. */
				exchange_end(a, x);
				return;
			}
		}
	}
	/* GitHub could not answer: an older answer from the cache stands in. */
	if (x->cached != NULL) {
		if (x->age >= 0 && x->age <= gh->max_age &&
		    parse_body(x->kind, x->cached, x->clen, x->out, cerr, sizeof cerr) == 0) {
			x->src->from_cache = true;
			x->src->stale = true;
			x->src->age = x->age;
			snprintf(x->src->why, sizeof x->src->why, "%s", oc->msg);
			sbtc_outcome_set(oc, SBTC_FETCH_OK, "%s", "");
			exchange_end(a, x);
			return;
		}
		char d[32];
		size_t l = strlen(oc->msg);
		if (x->age < 0)
			/* Its true age is unknown: it may be far older than --cache-max-age. */
			snprintf(oc->msg + l, sizeof oc->msg - l, " (the cached answer is dated in the future, %s ahead "
				 "of this host's clock, and not used)", sbtc_format_duration(-x->age, d, sizeof d));
		else
			snprintf(oc->msg + l, sizeof oc->msg - l, " (the cached answer, %s old, is too old to use)",
				 sbtc_format_duration(x->age, d, sizeof d));
	}
	exchange_end(a, x);
}

static void cached_start(sbtc_acq *a, const sbtc_github *gh, char *path, char *not_found, const answer_kind *kind,
			 void *out, sbtc_github_source *src, sbtc_outcome *oc, sbtc_then then, void *ctx)
{
	static const char *const headers[] = {"Accept: application/vnd.github+json",
					      "X-GitHub-Api-Version: 2022-11-28", NULL};
	memset(src, 0, sizeof *src);
	memset(oc, 0, sizeof *oc);
	exchange *x = sbtc_xcalloc(1, sizeof *x);
	const char *api = gh->api ? gh->api : SBTC_GITHUB_API;
	char *masked_api = sbtc_url_mask(api);
	char *origin = sbtc_url_origin(api);
	*x = (exchange){.gh = gh, .kind = kind, .out = out, .src = src, .oc = oc, .then = then, .ctx = ctx,
			.path = path, .not_found = not_found, .key = sbtc_url_join(masked_api, path),
			.url = sbtc_url_join(api, path),
			.peer = strcmp(api, SBTC_GITHUB_API) == 0 ? sbtc_xstrdup("GitHub")
								   : sbtc_xasprintf("GitHub API %s", origin)};
	free(masked_api);
	free(origin);

	if (gh->cache != NULL) {
		char cerr[300];
		time_t fetched = 0;
		int r = sbtc_cache_get(gh->cache, x->key, &x->cached, &x->clen, &fetched, cerr, sizeof cerr);
		if (r < 0)
			snprintf(src->note, sizeof src->note, "%s", cerr);
		if (r == 1) {
			x->age = difftime(time(NULL), fetched);
			/* An entry from the future (the clock went back) is never fresh. */
			if (x->age >= 0 && x->age < gh->ttl) {
				if (parse_body(kind, x->cached, x->clen, out, cerr, sizeof cerr) == 0) {
					src->from_cache = true;
					src->age = x->age;
					sbtc_outcome_set(oc, SBTC_FETCH_OK, "%s", "");
					exchange_end(a, x);
					return;
				}
				snprintf(src->note, sizeof src->note, "cache entry for %s ignored: %s", path, cerr);
				free(x->cached);
				x->cached = NULL;
			}
		}
	}

	x->o = gh->http;
	x->o.headers = headers;
	x->o.bearer = gh->token;
	x->o.max_body = SBTC_GITHUB_MAX_BODY;
	x->o.peer = x->peer;
	x->o.userpwd = NULL;
	src->requests++;
	sbtc_http_get_json(a, x->url, &x->o, SBTC_JSON_ANY_STATUS, &x->ans, &x->hoc, exchange_answered, x);
}

void sbtc_github_releases_start(sbtc_acq *a, const sbtc_github *gh, const char *repo, sbtc_github_releases *out,
				sbtc_github_source *src, sbtc_outcome *oc, sbtc_then then, void *ctx)
{
	memset(out, 0, sizeof *out);
	cached_start(a, gh, sbtc_xasprintf("/repos/%s/releases?per_page=%d", repo, SBTC_GITHUB_PER_PAGE),
		     sbtc_xasprintf("repository %s not found on GitHub", repo), &RELEASES, out, src, oc, then, ctx);
}

void sbtc_github_compare_start(sbtc_acq *a, const sbtc_github *gh, const char *repo, const char *base,
			       const char *head, sbtc_github_compare *out, sbtc_github_source *src, sbtc_outcome *oc,
			       sbtc_then then, void *ctx)
{
	memset(out, 0, sizeof *out);
	char *ch = sbtc_sanitize(head, 60), *cb = sbtc_sanitize(base, 60);
	char *nf = sbtc_xasprintf("commit %s or tag %s not found in %s", ch, cb, repo);
	free(ch);
	free(cb);
	/* per_page=1: the answer lists commits; one is enough, the counts are what we read. */
	cached_start(a, gh, sbtc_xasprintf("/repos/%s/compare/%s...%s?per_page=1", repo, base, head), nf, &COMPARE,
		     out, src, oc, then, ctx);
}
