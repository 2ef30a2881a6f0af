/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Sets of TCP/UDP ports written as lists and ranges ("22,4122", "1-1024,8000-9000"),
 * and the names of the services usually found on a signer host's ports. */
#ifndef SBTC_PORTLIST_H
#define SBTC_PORTLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

/* A set of ports 1-65535 as a bitmap (port 0 is never a member). */
typedef struct {
	uint8_t bits[65536 / 8];
	size_t count;
} sbtc_portset;

void sbtc_portset_clear(sbtc_portset *s);
void sbtc_portset_add(sbtc_portset *s, unsigned port);
/* Adds the ports lo to hi (both included; ports outside 1-65535 are left out). */
void sbtc_portset_add_range(sbtc_portset *s, unsigned lo, unsigned hi);
bool sbtc_portset_has(const sbtc_portset *s, unsigned port);
/* The next member >= from, or 0 when there is none (from 65536 on: 0). */
unsigned sbtc_portset_next(const sbtc_portset *s, unsigned from);
/* Every member of the set s, in ascending order:
 *     SBTC_PORTSET_FOREACH(port, &set) { ... } */
#define SBTC_PORTSET_FOREACH(p, s) \
	for (unsigned p = sbtc_portset_next((s), 1); p != 0; p = sbtc_portset_next((s), p + 1))

/* Parses a comma-separated list of ports and ranges ("22, 4122", "1-65535", "8000-8100").
 * Blanks around items are ignored; "" and "none" give the empty set; "all" is 1-65535.
 * Returns 0, or -1 with a message naming the bad item, e.g.
 *     invalid port list '22,x': 'x' is not a port (1-65535)
 * what names the option in messages ("--allow"). The set is replaced, not extended. */
int sbtc_portset_parse(sbtc_portset *s, const char *text, const char *what, char *err, size_t errlen);

/* Appends the set in the list syntax, ranges folded ("22,4122,8000-8100"); "none" when empty. */
void sbtc_portset_format(const sbtc_portset *s, sbtc_strbuf *b);

/* The service usually found on a port of a signer host ("PostgreSQL", "signer API"), or
 * NULL for a port the table does not know. tcp false: UDP. */
const char *sbtc_port_service(unsigned port, bool tcp);

#endif
