/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Bitcoin Core's JSON-RPC 1.0: POST / with Basic auth (cookie file re-read every run, or
 * user and password file), errors as HTTP 500 with a JSON body, 401 with an empty body. */
#ifndef SBTC_BITCOIN_H
#define SBTC_BITCOIN_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acquire.h"
#include "http.h"

#define SBTC_DEFAULT_BITCOIN_URL "http://127.0.0.1:8332"

typedef struct {
	const char *url;           /* http://host:port[/wallet/...] */
	const char *cookie_file;   /* <datadir>[/<chain>]/.cookie: "__cookie__:<password>" */
	const char *user;          /* with password_file */
	const char *password_file; /* first line is the password */
	sbtc_http_opts http;       /* TLS options, verbosity; userpwd is set by the call */
} sbtc_bitcoin_conn;

/* The JSON-RPC 1.0 envelope of one answer (src/httprpc.cpp, src/rpc/request.cpp): doc
 * the parsed body, http_status its HTTP status. OK: *result holds the "result" member
 * (json_object_put it). An error object -> ERROR "PEER: METHOD failed: code N: message"
 * (whatever the status); another status than 200 without one -> ERROR; a document
 * without result, or not an object -> BAD_ANSWER (ERROR under another status than 200).
 * Messages name peer and method. For the start functions, the tests and the fuzzer. */
sbtc_fetch_status sbtc_bitcoin_reply_parse(const char *peer, const char *method, long http_status,
					 json_object *doc, json_object **result, char *err, size_t errlen);

typedef struct {
	char chain[16];         /* "main", "test", "testnet4", "signet", "regtest" */
	int64_t blocks;
	int64_t headers;
	char bestblockhash[65];
	int64_t time;           /* best block's header time; -1 before 24.0 */
	int64_t mediantime;
	double verificationprogress;
	bool initialblockdownload;
	bool pruned;
	char *warnings;         /* string, or array joined with "; "; "" when none (malloc'd) */
} sbtc_bitcoin_chaininfo;

/* getblockchaininfo's result -> *out: 0, or -1 with a message ("field 'blocks' missing").
 * Free *out with sbtc_bitcoin_chaininfo_free either way. */
int sbtc_bitcoin_chaininfo_parse(json_object *result, sbtc_bitcoin_chaininfo *out, char *err, size_t errlen);
void sbtc_bitcoin_chaininfo_free(sbtc_bitcoin_chaininfo *ci);

typedef struct {
	int64_t version;        /* 250100 */
	char subversion[128];   /* "/Satoshi:25.1.0/" (sanitised) */
	int64_t connections;
} sbtc_bitcoin_netinfo;

/* getnetworkinfo's result -> *out: 0, or -1 with a message. */
int sbtc_bitcoin_netinfo_parse(json_object *result, sbtc_bitcoin_netinfo *out, char *err, size_t errlen);

/* Calls started into an acquisition (acquire.h): method with params (a JSON array text,
 * NULL for []); each fills *out (or *result, to json_object_put) and *oc, then calls
 * then. Failures: unreachable / 401 ("credentials refused") / 403 -> UNREACHABLE; an
 * RPC error object -> ERROR with "code N: message"; anything undecodable -> BAD_ANSWER;
 * an unreadable cookie or password file, or params not an array -> USAGE, at once (the
 * files are read when the call starts: bitcoind rewrites its cookie at each start).
 * Messages never contain the password. */
void sbtc_bitcoin_call_start(sbtc_acq *a, const sbtc_bitcoin_conn *c, const char *method, const char *params,
			     json_object **result, sbtc_outcome *oc, sbtc_then then, void *ctx);
void sbtc_bitcoin_chaininfo_start(sbtc_acq *a, const sbtc_bitcoin_conn *c, sbtc_bitcoin_chaininfo *out,
				  sbtc_outcome *oc, sbtc_then then, void *ctx);
void sbtc_bitcoin_netinfo_start(sbtc_acq *a, const sbtc_bitcoin_conn *c, sbtc_bitcoin_netinfo *out,
				sbtc_outcome *oc, sbtc_then then, void *ctx);

/* The shared options --bitcoin-url, --bitcoin-cookie, --bitcoin-user and
 * --bitcoin-password-file; their settings: an sbtc_bitcoin_conn (url stays NULL unless
 * given: the calls then use SBTC_DEFAULT_BITCOIN_URL). Whether the user goes with a
 * password file is judged when the call starts, as a failure of the call. */
enum {
	SBTC_OPT_BITCOIN_URL = 0x180,
	SBTC_OPT_BITCOIN_COOKIE,
	SBTC_OPT_BITCOIN_USER,
	SBTC_OPT_BITCOIN_PASSWORD_FILE
};
extern const sbtc_option_group sbtc_bitcoin_group;
/* The group's handler for one of its keys: 0, or -1 with a message. */
int sbtc_bitcoin_option(sbtc_bitcoin_conn *c, int key, const char *arg, char *err, size_t errlen);
/* Whether any option of the group was given. */
bool sbtc_bitcoin_conn_given(const sbtc_bitcoin_conn *c);

/* Pure helpers, exposed for the unit tests. */
/* A cookie file's first line "__cookie__:<password>" (any USER:PASSWORD) -> malloc'd
 * "user:password" for Basic auth; NULL with a message that never shows the line. */
char *sbtc_bitcoin_cookie_parse(const char *line, char *err, size_t errlen);
/* getblockchaininfo's warnings: a string (before 28) or an array of strings (28+), or
 * NULL; -> malloc'd sanitised text, array items joined with "; ". 0, or -1 with a message. */
int sbtc_bitcoin_warnings_join(json_object *warnings, char **out, char *err, size_t errlen);

#endif
