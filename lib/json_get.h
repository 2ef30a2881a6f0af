/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One GET of a protocol module, from the request to its plain struct: the answer comes
 * through sbtc_http_get_json (one wording for each transport and HTTP failure), the
 * module's parser turns it into its struct, and a parser's refusal becomes BAD_ANSWER
 * "PEER: unexpected WHAT answer: <the parser's message>". */
#ifndef SBTC_JSON_GET_H
#define SBTC_JSON_GET_H

#include <stddef.h>

#include "acquire.h"

/* Reads one answer (its document, or its body) into out: 0, or -1 with a message. */
typedef int (*sbtc_answer_parser)(const sbtc_json_answer *ans, void *out, char *err, size_t errlen);

typedef struct {
	const char *url;        /* what to GET */
	const char *peer;       /* how the parser's refusals name the source ("Stacks node http://...") */
	const char *asked;      /* how the transport's messages name it; NULL: peer */
	const char *what;       /* what was asked, for the refusals ("/v2/info") */
	const sbtc_http_opts *o;
	size_t max_body;        /* 0: o's */
	sbtc_answer_parser parse;
	void *out;
	long *http_status;      /* NULL, or where the HTTP status of an ERROR answer goes (0: none) */
} sbtc_json_get_req;

/* Starts the GET (the request's strings are copied, *o too); when it ends, *oc and (on
 * OK) the parser's output are set, then then is called. */
void sbtc_json_get_parsed(sbtc_acq *a, const sbtc_json_get_req *req, sbtc_outcome *oc, sbtc_then then, void *ctx);

#endif
