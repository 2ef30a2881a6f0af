/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "deadline.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "fatal.h"
#include "sanitize.h"
#include "strbuf.h"
#include "utf8.h"

/* The orderly deadline comes this much before the backstop (or at 90% for tiny -t). */
#define BACKSTOP_MARGIN 0.3
/* Once the result is decided, writing it may take at least this long even when the -t
 * deadline is closer: one write() of a few kilobytes into a pipe. */
#define WRITE_GRACE 0.2
/* A SIGALRM this much before the final backstop is the stale first one (see on_alarm). */
#define FINAL_SLACK 0.05

/*
 * Exactly one result per run.
 *
 * Two writers can end a run: the orderly path (sbtc_finish, sbtc_die, usage errors,
 * through sbtc_deadline_claim_output) and the SIGALRM backstop. Whichever takes g_owner
 * first, by an atomic compare-and-swap, writes; the other writes nothing. The swap, not a
 * blocked signal mask, decides, because the timer's signal goes to the process and may be
 * handled by any thread (the port scanner's workers, for one), where the main thread's
 * sigprocmask() has no say.
 *
 *   OWNER_NONE      still working: the backstop may take over, print the timeout result
 *                   and _exit() with the -t state.
 *   OWNER_ORDERLY   the orderly path has claimed the output: the first timer is disarmed
 *                   and a final one armed for the -t deadline (at least WRITE_GRACE from
 *                   the claim), which only _exit()s with the decided state and writes
 *                   nothing. So a writer blocked on a full stdout pipe still ends the run
 *                   in time, with the exit code the first line names; what was written
 *                   may then be cut short, which is better than no end at all.
 *   OWNER_BACKSTOP  the handler is writing the timeout result; the orderly path, should
 *                   it come to write meanwhile (in another thread), waits for its _exit().
 *
 * A first alarm raised just before the claim disarmed it may still be handled after the
 * claim; the handler tells it from the final one by the clock and ignores it.
 */
enum { OWNER_NONE = 0, OWNER_ORDERLY, OWNER_BACKSTOP };
static atomic_int g_owner = OWNER_NONE;
static double g_final_deadline; /* written once, before g_owner becomes OWNER_ORDERLY */

static double g_start;
static double g_deadline;
static double g_seconds;
static bool g_started;
static sbtc_state g_timeout_state = SBTC_UNKNOWN;

/* Two slots and an index, so the handler never reads a half-written activity. */
static char g_activity[2][160];
static volatile sig_atomic_t g_activity_slot = -1;
/* The backstop's whole message, prepared before the alarm is armed (room for the
 * Prometheus exposition of a timeout). */
static char g_message_head[1024];
static char g_message_tail[64];
static sbtc_deadline_message_fn g_message_fn;
static volatile sig_atomic_t g_exit_code = 3;
static volatile sig_atomic_t g_out_fd = STDOUT_FILENO;
static void (*volatile g_out_done)(bool whole);
static volatile sig_atomic_t g_activity_shown = 1;

double sbtc_now_monotonic(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void put(const char *s)
{
	size_t len = strlen(s);
	while (len > 0) {
		ssize_t n = write(g_out_fd, s, len);
		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

/* Async-signal-safe: only atomics, clock_gettime(), write(), strlen() and _exit(). */
static void on_alarm(int sig)
{
	(void)sig;
	int expected = OWNER_NONE;
	if (!atomic_compare_exchange_strong(&g_owner, &expected, OWNER_BACKSTOP)) {
		/* The orderly path owns the output: end the run silently, but only at the final
		 * deadline, never for the stale first alarm. */
		if (expected == OWNER_ORDERLY && sbtc_now_monotonic() >= g_final_deadline - FINAL_SLACK) {
			void (*done)(bool) = g_out_done;
			if (done != NULL)
				done(false); /* cut short: an output file stays as it was */
			_exit(g_exit_code);
		}
		return;
	}
	int slot = g_activity_slot;
	put(g_message_head);
	if (g_activity_shown && slot >= 0 && g_activity[slot][0] != '\0') {
		put(" while ");
		put(g_activity[slot]);
	}
	put(g_message_tail);
	void (*done)(bool) = g_out_done;
	if (done != NULL)
		done(true);
	_exit(g_exit_code);
}

void sbtc_deadline_set_output(int fd, void (*done)(bool whole))
{
	g_out_fd = fd;
	g_out_done = done;
}

void sbtc_deadline_set_activity_shown(bool shown)
{
	g_activity_shown = shown;
}

void sbtc_deadline_set_message(sbtc_deadline_message_fn fn)
{
	g_message_fn = fn;
}

static int arm_timer(double seconds)
{
	struct itimerval it;
	memset(&it, 0, sizeof it);
	if (seconds > 0) {
		it.it_value.tv_sec = (time_t)seconds;
		it.it_value.tv_usec = (suseconds_t)((seconds - (double)(time_t)seconds) * 1e6);
		if (it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0)
			it.it_value.tv_usec = 1000;
	}
	return setitimer(ITIMER_REAL, &it, NULL);
}

void sbtc_deadline_start(double seconds, sbtc_state timeout_state)
{
	double margin = seconds * 0.1 < BACKSTOP_MARGIN ? seconds * 0.1 : BACKSTOP_MARGIN;
	g_start = sbtc_now_monotonic();
	g_seconds = seconds;
	g_deadline = g_start + seconds - margin;
	g_timeout_state = timeout_state;
	g_exit_code = (sig_atomic_t)timeout_state;
	g_started = true;

	if (g_message_fn != NULL) {
		g_message_fn(seconds, timeout_state, g_message_head, sizeof g_message_head, g_message_tail,
			     sizeof g_message_tail);
	} else {
		snprintf(g_message_head, sizeof g_message_head, "%s - plugin timed out after %g s",
			 sbtc_state_name(timeout_state), seconds);
		sbtc_strlcpy(g_message_tail, "\n", sizeof g_message_tail);
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) != 0)
		sbtc_fatal("cannot install the timeout handler");
	if (arm_timer(seconds) != 0)
		sbtc_fatal("cannot arm the timeout");
}

bool sbtc_deadline_claim_output(sbtc_state state)
{
	if (atomic_load(&g_owner) == OWNER_ORDERLY)
		return false; /* a result is written already: this one is not */
	double now = sbtc_now_monotonic();
	double final = g_start + g_seconds;
	if (final < now + WRITE_GRACE)
		final = now + WRITE_GRACE;
	g_final_deadline = final;
	int expected = OWNER_NONE;
	if (!atomic_compare_exchange_strong(&g_owner, &expected, OWNER_ORDERLY)) {
		if (expected == OWNER_ORDERLY)
			return false; /* a result is written already: this one is not */
		/* The backstop, in another thread, is writing the timeout result and ends
		 * the run: nothing more from here. */
		for (;;)
			pause();
	}
	g_exit_code = (sig_atomic_t)state;
	if (g_started) {
		/* The final timer replaces the first. Should that fail, the first one is still
		 * armed for the -t deadline, and the handler lets it end the run silently. */
		(void)arm_timer(final - now);
	}
	return true;
}

bool sbtc_deadline_output_claimed(sbtc_state *state)
{
	if (atomic_load(&g_owner) != OWNER_ORDERLY)
		return false;
	if (state != NULL)
		*state = (sbtc_state)g_exit_code;
	return true;
}

double sbtc_deadline_remaining(void)
{
	if (!g_started)
		return 1e9;
	double left = g_deadline - sbtc_now_monotonic();
	return left > 0 ? left : 0;
}

long sbtc_deadline_remaining_ms(void)
{
	double left = sbtc_deadline_remaining();
	if (left <= 0)
		return 0;
	long ms = (long)(left * 1000.0);
	return ms > 0 ? ms : 1;
}

int sbtc_deadline_wait_ms(double seconds)
{
	double left = sbtc_deadline_remaining();
	if (seconds > left)
		seconds = left;
	if (seconds > 86400)
		seconds = 86400; /* -t is at most a day: far inside an int of milliseconds */
	return seconds <= 0 ? 0 : (int)(seconds * 1000.0) + 1;
}

bool sbtc_deadline_expired(void)
{
	return g_started && sbtc_deadline_remaining() <= 0;
}

sbtc_state sbtc_deadline_timeout_state(void)
{
	return g_timeout_state;
}

double sbtc_deadline_seconds(void)
{
	return g_seconds;
}

double sbtc_elapsed(void)
{
	return g_started ? sbtc_now_monotonic() - g_start : 0;
}

void sbtc_deadline_activity(const char *text)
{
	int next = g_activity_slot == 0 ? 1 : 0;
	char *dst = g_activity[next];
	size_t k = 0;
	/* Keep the backstop's line one clean line. */
	const unsigned char *p = (const unsigned char *)(text ? text : "");
	size_t left = strlen((const char *)p);
	while (left > 0) {
		size_t n = sbtc_utf8_decode(p, left, NULL);
		if (n == 0)
			n = 1; /* not UTF-8: one byte, made '?' below */
		if (k + n >= sizeof g_activity[0])
			break; /* cut between characters */
		for (size_t i = 0; i < n; i++)
			dst[k++] = p[i] == '|' || p[i] == '"' || p[i] == '\\' ? ' ' : (char)p[i];
		p += n;
		left -= n;
	}
	dst[k] = '\0';
	/* No controls, separators or broken UTF-8 in the backstop's line. */
	sbtc_sanitize_in_place(dst);
	g_activity_slot = next;
}
