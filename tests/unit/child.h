/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit-test support: run code that ends the process (sbtc_die, --help, usage errors) in
 * a child, capturing what it writes to standard output and how it exits. */
#ifndef SBTC_TEST_CHILD_H
#define SBTC_TEST_CHILD_H

/* Runs fn(arg) in a forked child with stdout captured; fn must exit by itself (a return
 * is reported as exit code 99). Returns the output (malloc'd) and sets *exit_code; fails
 * the test when the child does not exit normally. */
char *run_in_child(void (*fn)(const void *), const void *arg, int *exit_code);

#endif
