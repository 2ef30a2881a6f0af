/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One deadline for the whole run. Every connect, request and query is bounded by what is
 * left of it, and a SIGALRM backstop ends the plugin with the timeout state should any
 * call still block (DNS lookups, for one, cannot be interrupted otherwise). */
#ifndef SBTC_DEADLINE_H
#define SBTC_DEADLINE_H

#include <stdbool.h>
#include <stddef.h>

#include "state.h"

/* Starts the clock: work must be done within seconds. The backstop fires a little
 * later than the orderly deadline so that a bounded operation reports first with a
 * precise message. timeout_state is what a timeout reports (-t SECONDS:STATE). */
void sbtc_deadline_start(double seconds, sbtc_state timeout_state);

/* Builds what the backstop writes when the deadline passes: head, then " while " and the
 * activity when one is named, then tail. Called when the clock starts; must fit the
 * buffers. output.c sets it (the check's name and the format are its own); without it
 * the line is "STATE - plugin timed out after N s". */
typedef void (*sbtc_deadline_message_fn)(double seconds, sbtc_state timeout_state, char *head, size_t headlen,
					 char *tail, size_t taillen);
void sbtc_deadline_set_message(sbtc_deadline_message_fn fn);

/* Where the backstop writes (standard output until set), and what it calls once the
 * result is written there (done(true)), or when the run ends at the final deadline with
 * the output cut short (done(false)); NULL for nothing. done must be async-signal-safe.
 * Set by output_file.c for --output-file. */
void sbtc_deadline_set_output(int fd, void (*done)(bool whole));

/* Whether the backstop names the activity it interrupted (" while ..."): not in formats
 * that carry no free text (prometheus). True until set. */
void sbtc_deadline_set_activity_shown(bool shown);

/* Seconds left before the orderly deadline (0 when passed; large when not started). */
double sbtc_deadline_remaining(void);
/* The same in whole milliseconds, at least 1 while time is left, 0 when passed. */
long sbtc_deadline_remaining_ms(void);
/* How long poll() or epoll_wait() may wait for something due in seconds: never past the
 * deadline; whole milliseconds rounded up, so that the wait ends after it is due, not
 * just before; 0 when it is due or the deadline has passed. */
int sbtc_deadline_wait_ms(double seconds);
bool sbtc_deadline_expired(void);
sbtc_state sbtc_deadline_timeout_state(void);
/* The -t value, for messages ("timed out after 10 s"). */
double sbtc_deadline_seconds(void);

/* Seconds since sbtc_deadline_start (for the 'time' perfdata). */
double sbtc_elapsed(void);

/* Names what the plugin is doing now ("querying the database at 127.0.0.1:5432"), so
 * that the backstop can say where it was stuck. The text is copied and cut. */
void sbtc_deadline_activity(const char *text);

/* Every writer of the run's result calls this first, with the state it will exit with.
 * True: the caller now owns the output and writes it; the timeout backstop will print
 * nothing more, and only ends the run (exit code state, nothing written) should the
 * writing still block at the -t deadline (at least a moment after the claim). False: a
 * result was written already, so the caller writes nothing and exits with the state of
 * that result (sbtc_deadline_output_claimed). Does not return while the backstop writes
 * the timeout result in another thread: that ends the run. */
bool sbtc_deadline_claim_output(sbtc_state state);

/* True once a result has been claimed by the orderly path; *state is its state. */
bool sbtc_deadline_output_claimed(sbtc_state *state);

/* Monotonic clock in seconds. */
double sbtc_now_monotonic(void);

#endif
